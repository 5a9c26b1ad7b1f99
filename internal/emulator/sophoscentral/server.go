package sophoscentral

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Endpoint names, as used by Fault.Endpoint and Stats.Requests.
const (
	EndpointToken   = "token"
	EndpointWhoami  = "whoami"
	EndpointTenants = "tenants"
	EndpointEvents  = "events"
	EndpointAlerts  = "alerts"
	endpointUnknown = "unknown"
)

// Server is an http.Handler that behaves like Sophos Central. It is safe for
// concurrent use.
type Server struct {
	cfg     Config
	tenants []Tenant
	byID    map[string]int // lower-case tenant id -> index in tenants
	streams map[string]*stream
	startMs int64

	mu     sync.Mutex
	tokens map[string]time.Time // access token -> expiry by cfg.Clock
	faults []Fault
	stats  Stats

	pools sync.Map // tenant id -> *tenantPool
}

// Stats counts what the emulator has served.
type Stats struct {
	Requests     map[string]int // by endpoint name ("token", "whoami", "tenants", "events", "alerts")
	Statuses     map[int]int    // responses by HTTP status
	TokensIssued int
	ItemsServed  map[string]int // by tenantID+"/"+stream
	CursorResets int            // stale cursors silently reset to 24h ago
}

// New returns an emulator configured by cfg; see Config for the defaults.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:     cfg,
		tenants: cfg.Tenants,
		byID:    make(map[string]int, len(cfg.Tenants)),
		tokens:  make(map[string]time.Time),
		stats: Stats{
			Requests:    map[string]int{},
			Statuses:    map[int]int{},
			ItemsServed: map[string]int{},
		},
	}
	for i, t := range s.tenants {
		s.byID[strings.ToLower(t.ID)] = i
	}
	s.startMs = cfg.Clock().UnixMilli()
	span := cfg.BacklogSpan.Milliseconds()
	events := timeline{
		startMs: s.startMs, spanMs: span, backlog: cfg.EventsBacklog,
		rate: cfg.EventsPerSecond,
	}
	alerts := timeline{
		startMs: s.startMs, spanMs: span, backlog: cfg.AlertsBacklog,
		rate: cfg.AlertsPerSecond,
	}
	s.streams = map[string]*stream{
		EndpointEvents: newStream(EndpointEvents, eventTemplates, events),
		EndpointAlerts: newStream(EndpointAlerts, alertTemplates, alerts),
	}
	return s
}

// canonicalTenant spells a known tenant id as configured, as the SIEM
// handler does with X-Tenant-ID, so that items match whatever the case.
func (s *Server) canonicalTenant(id string) string {
	if i, ok := s.byID[strings.ToLower(id)]; ok {
		return s.tenants[i].ID
	}
	return id
}

// Tenants returns the tenants the emulated credential reaches.
func (s *Server) Tenants() []Tenant {
	return append([]Tenant(nil), s.tenants...)
}

// ExpireTokens makes every token issued so far invalid: API calls that carry
// one get 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.stats
	c.Requests = make(map[string]int, len(s.stats.Requests))
	for k, v := range s.stats.Requests {
		c.Requests[k] = v
	}
	c.Statuses = make(map[int]int, len(s.stats.Statuses))
	for k, v := range s.stats.Statuses {
		c.Statuses[k] = v
	}
	c.ItemsServed = make(map[string]int, len(s.stats.ItemsServed))
	for k, v := range s.stats.ItemsServed {
		c.ItemsServed[k] = v
	}
	return c
}

// response is what a handler produced, written out by ServeHTTP after any
// fault has had its say.
type response struct {
	status      int
	body        []byte
	contentType string
	header      http.Header
	servedKey   string // tenantID/stream of the items in body, if any
	served      int
	release     func() // returns body to its pool once written
}

// ServeHTTP answers one request as Sophos Central would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := endpointName(r.URL.Path)
	now := s.cfg.Clock()
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))

	fault, faulted := s.takeFault(name)
	if faulted {
		switch fault.Kind {
		case FaultRateLimit, FaultStatus:
			s.write(w, name, fault.response(now))
			return
		case FaultSlow:
			if !sleep(r.Context(), fault.Delay) {
				s.count(name, 0, "", 0)
				return
			}
			// The answer reflects the clock after the delay.
			now = s.cfg.Clock()
			w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
		}
	}

	resp := s.route(name, r, now)
	if faulted {
		switch fault.Kind {
		case FaultTruncated:
			resp = truncate(resp)
		case FaultMalformed:
			if resp.release != nil {
				resp.release()
			}
			resp = malformed()
		}
	}
	s.write(w, name, resp)
}

func (s *Server) route(name string, r *http.Request, now time.Time) response {
	switch name {
	case EndpointToken:
		return s.token(r, now)
	case EndpointWhoami:
		return s.whoami(r, now)
	case EndpointTenants:
		return s.listTenants(r, now)
	case EndpointEvents, EndpointAlerts:
		return s.siem(name, r, now)
	}
	return errorResponse(http.StatusNotFound, "notFound", "no such resource: "+r.URL.Path, now)
}

func endpointName(path string) string {
	path = strings.TrimSuffix(path, "/")
	switch path {
	case "/api/v2/oauth2/token":
		return EndpointToken
	case "/whoami/v1":
		return EndpointWhoami
	case "/partner/v1/tenants", "/organization/v1/tenants":
		return EndpointTenants
	case "/siem/v1/events":
		return EndpointEvents
	case "/siem/v1/alerts":
		return EndpointAlerts
	}
	return endpointUnknown
}

func (s *Server) write(w http.ResponseWriter, name string, resp response) {
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	ct := resp.contentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	// Counted before the body goes out, so that a client that has read a
	// response finds it in Stats.
	s.count(name, resp.status, resp.servedKey, resp.served)
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
	if resp.release != nil {
		resp.release()
	}
}

func (s *Server) count(name string, status int, servedKey string, served int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests[name]++
	if status != 0 {
		s.stats.Statuses[status]++
	}
	if servedKey != "" {
		s.stats.ItemsServed[servedKey] += served
	}
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// baseURL is the emulator's own address as the client reached it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
