package sophoscentral

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	minLimit     = 200
	maxLimit     = 1000
	defaultLimit = 200
	// scanFactor bounds how many items one page looks at when
	// exclude_types filters most of them out.
	scanFactor = 10
)

// stream is one SIEM stream: its name and the templates of its items. Each
// tenant places the stream's items in time with its own timeline.
type stream struct {
	name string
	set  *templateSet
}

func newStream(name string, set *templateSet) *stream {
	return &stream{name: name, set: set}
}

var pageBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1<<20); return &b }}

// siem answers GET /siem/v1/events and /siem/v1/alerts.
func (s *Server) siem(name string, r *http.Request, now time.Time) response {
	if r.Method != http.MethodGet {
		return errorResponse(http.StatusMethodNotAllowed, "methodNotAllowed", "use GET", now)
	}
	if !s.authorized(r, now) {
		return unauthorized(now)
	}
	tenant, resp, ok := s.siemTenant(r, now)
	if !ok {
		return resp
	}
	st := s.streams[name]
	q := r.URL.Query()
	nowMs := now.UnixMilli()

	limit, ok := intParam(q.Get("limit"), defaultLimit)
	if !ok || limit < minLimit || limit > maxLimit {
		return badRequest("limit must be an integer between 200 and 1000", now)
	}
	if v := q.Get("from_date_offset_minutes"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return badRequest("from_date_offset_minutes must be a non-negative integer", now)
		}
	}
	var excluded map[string]bool
	if name == EndpointEvents && q.Get("exclude_types") != "" {
		excluded = make(map[string]bool)
		for _, t := range strings.Split(q.Get("exclude_types"), ",") {
			excluded[strings.TrimSpace(t)] = true
		}
	}

	tl := tenant.timeline(name)
	pos, resp, ok := s.startPosition(st.name, tl, q.Get("cursor"), q.Get("from_date"), nowMs, now)
	if !ok {
		return resp
	}
	return s.page(tenant, st, tl, pos, limit, excluded, nowMs)
}

// siemTenant checks X-Tenant-ID against the tenants the credential reaches
// and the host the request reached against the tenant's data region.
func (s *Server) siemTenant(r *http.Request, now time.Time) (*tenantState, response, bool) {
	id := r.Header.Get("X-Tenant-ID")
	if id == "" {
		return nil, badRequest("X-Tenant-ID header is required", now), false
	}
	ts := s.reachable(id)
	if ts == nil || (s.cfg.Identity == identityTenant && !strings.EqualFold(ts.ID, s.self.ID)) {
		return nil, forbidden("the caller has no access to tenant "+id, now), false
	}
	if region, _, _ := splitRegion(r.URL.Path); !s.servesTenant(region, ts) {
		return nil, forbidden("tenant "+id+" is not in the data region of this host; use the "+
			"apiHost of the tenant listing", now), false
	}
	return ts, response{}, true
}

// startPosition finds where a page of the stream named st starts: at the
// cursor, else at from_date, else 12 hours ago.
func (s *Server) startPosition(st string, tl timeline, rawCursor, fromDate string, nowMs int64,
	now time.Time,
) (cursor, response, bool) {
	windowStart := nowMs - window.Milliseconds()
	if rawCursor != "" {
		c, err := decodeCursor(rawCursor)
		if err != nil || c.Stream != st {
			return cursor{}, badRequest("invalid cursor", now), false
		}
		if c.TimeMs < windowStart {
			// Sophos resets a cursor older than its window without a word.
			c.Index = max(c.Index, tl.firstAtOrAfter(windowStart, nowMs))
			c.TimeMs = windowStart
			s.mu.Lock()
			s.stats.CursorResets++
			s.mu.Unlock()
		}
		c.Index = min(c.Index, tl.available(nowMs))
		return c, response{}, true
	}

	startMs := nowMs - defaultStart.Milliseconds()
	if fromDate != "" {
		secs, err := strconv.ParseInt(fromDate, 10, 64)
		if err != nil {
			return cursor{}, badRequest("from_date must be a Unix time in seconds", now), false
		}
		startMs = secs * 1000
		if startMs < windowStart {
			return cursor{}, badRequest("from_date must be within the last 24 hours", now), false
		}
	}
	return cursor{
		Stream: st,
		Index:  tl.firstAtOrAfter(startMs, nowMs),
		TimeMs: startMs - 1,
	}, response{}, true
}

// page renders up to limit items of the tenant's stream from pos as a SIEM
// response; tl is the tenant's timeline of the stream.
func (s *Server) page(tenant *tenantState, st *stream, tl timeline, pos cursor, limit int,
	excluded map[string]bool, nowMs int64,
) response {
	avail := tl.available(nowMs)
	key := tenant.key(st.name)

	// Find the page's end first (choosing templates is cheap), so that
	// has_more and next_cursor can precede the items.
	end, n := pos.Index, 0
	scanEnd := min(avail, pos.Index+limit*scanFactor)
	for ; end < scanEnd && n < limit; end++ {
		if !excluded[st.set.pick(key, end).typ] {
			n++
		}
	}
	next := cursor{Stream: st.name, Index: end, TimeMs: nowMs}
	hasMore := end < avail
	if hasMore {
		next.TimeMs = max(tl.createdMs(end-1), pos.TimeMs)
	}

	bp := pageBuffers.Get().(*[]byte)
	buf := append((*bp)[:0], `{"has_more":`...)
	buf = strconv.AppendBool(buf, hasMore)
	buf = append(buf, `,"next_cursor":"`...)
	buf = append(buf, next.encode()...)
	buf = append(buf, `","items":[`...)
	var pool *tenantPool
	if end > pos.Index {
		// Only now: a tenant polled with nothing new costs no estate.
		pool = s.pool(tenant.ID)
	}
	var it item
	first := true
	for i := pos.Index; i < end; i++ {
		tpl := st.set.pick(key, i)
		if excluded[tpl.typ] {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		it.reset(key, pool, tl, i)
		buf = tpl.render(buf, &it)
	}
	buf = append(buf, "]}"...)

	return response{
		status:    http.StatusOK,
		body:      buf,
		servedKey: tenant.ID + "/" + st.name,
		served:    n,
		release: func() {
			*bp = buf[:0]
			pageBuffers.Put(bp)
		},
	}
}

func badRequest(message string, now time.Time) response {
	return errorResponse(http.StatusBadRequest, "badRequest", message, now)
}

func forbidden(message string, now time.Time) response {
	return errorResponse(http.StatusForbidden, "forbidden", message, now)
}
