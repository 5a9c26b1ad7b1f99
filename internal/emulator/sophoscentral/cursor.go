package sophoscentral

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// cursor is a position in a stream: the index of the next item and a time at
// or before which everything earlier was delivered. The time decides
// staleness, as Sophos's own cursors (which encode a time) do.
type cursor struct {
	Stream string `json:"s"`
	Index  int    `json:"i"`
	TimeMs int64  `json:"t"`
}

var errBadCursor = errors.New("invalid cursor")

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, errBadCursor
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Index < 0 || c.Stream == "" {
		return cursor{}, errBadCursor
	}
	return c, nil
}

// CursorAt returns a valid cursor of the tenant's stream ("events" or
// "alerts") positioned at t: resuming from it returns the items created
// after t. A t older than 24 hours makes a stale cursor, which the API
// silently resets.
func (s *Server) CursorAt(tenantID, stream string, t time.Time) string {
	if s.streams[stream] == nil {
		return ""
	}
	ms := t.UnixMilli()
	tl := s.state(tenantID).timeline(stream)
	return cursor{Stream: stream, Index: tl.available(ms), TimeMs: ms}.encode()
}

// Available returns how many items of the tenant's stream ("events" or
// "alerts") exist now: the tenant's backlog and its items created up to
// Clock().
func (s *Server) Available(tenantID, stream string) int {
	if s.streams[stream] == nil {
		return 0
	}
	return s.state(tenantID).timeline(stream).available(s.cfg.Clock().UnixMilli())
}

// Backlog returns how many items of the tenant's stream ("events" or "alerts") were waiting
// when the emulator started or AddTenant added the tenant: its own backlog, else Config's.
func (s *Server) Backlog(tenantID, stream string) int {
	if s.streams[stream] == nil {
		return 0
	}
	return s.state(tenantID).timeline(stream).backlog
}
