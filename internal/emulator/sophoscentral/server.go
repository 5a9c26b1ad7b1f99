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
	self    Tenant // a tenant credential's own tenant: the first configured
	dir     directory
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
	// RequestsByTenant counts SIEM requests (both streams, whatever the
	// answer, faults included) by X-Tenant-ID, spelled as configured when
	// the tenant is known.
	RequestsByTenant map[string]int
}

// New returns an emulator configured by cfg; see Config for the defaults.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:    cfg,
		self:   cfg.Tenants[0],
		tokens: make(map[string]time.Time),
		stats: Stats{
			Requests:         map[string]int{},
			Statuses:         map[int]int{},
			ItemsServed:      map[string]int{},
			RequestsByTenant: map[string]int{},
		},
		streams: map[string]*stream{
			EndpointEvents: newStream(EndpointEvents, eventTemplates),
			EndpointAlerts: newStream(EndpointAlerts, alertTemplates),
		},
	}
	s.startMs = cfg.Clock().UnixMilli()
	s.dir = directory{
		list: make([]*tenantState, len(cfg.Tenants)),
		byID: make(map[string]*tenantState, len(cfg.Tenants)),
		gone: map[string]*tenantState{},
	}
	for i, t := range cfg.Tenants {
		ts := s.newTenantState(t, s.startMs)
		s.dir.list[i] = ts
		s.dir.byID[ts.lower] = ts
	}
	return s
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
	c.RequestsByTenant = make(map[string]int, len(s.stats.RequestsByTenant))
	for k, v := range s.stats.RequestsByTenant {
		c.RequestsByTenant[k] = v
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
	var tenant string // the SIEM request's tenant, spelled as configured
	if isSIEM(name) {
		tenant = s.canonicalTenant(r.Header.Get("X-Tenant-ID"))
	}

	fault, faulted := s.takeFault(name, tenant)
	if faulted {
		switch fault.Kind {
		case FaultRateLimit, FaultStatus:
			s.write(w, name, tenant, fault.response(now))
			return
		case FaultSlow:
			if !sleep(r.Context(), fault.Delay) {
				s.count(name, tenant, response{})
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
	s.write(w, name, tenant, resp)
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

// endpointName names the endpoint of a request's path. Under a region's
// host (regionPrefix) only the SIEM endpoints are served.
func endpointName(path string) string {
	region, rest, ok := splitRegion(path)
	if !ok {
		return plainEndpointName(path)
	}
	name := plainEndpointName(rest)
	if region == "" || !isSIEM(name) {
		return endpointUnknown
	}
	return name
}

func isSIEM(name string) bool { return name == EndpointEvents || name == EndpointAlerts }

func plainEndpointName(path string) string {
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

func (s *Server) write(w http.ResponseWriter, name, tenant string, resp response) {
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
	s.count(name, tenant, resp)
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
	if resp.release != nil {
		resp.release()
	}
}

// count adds a request to Stats; resp is zero for one that got no answer.
func (s *Server) count(name, tenant string, resp response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests[name]++
	if tenant != "" {
		s.stats.RequestsByTenant[tenant]++
	}
	if resp.status != 0 {
		s.stats.Statuses[resp.status]++
	}
	if resp.servedKey != "" {
		s.stats.ItemsServed[resp.servedKey] += resp.served
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
