package sophoscentral

import (
	"strings"
	"sync"
)

// tenantState is a tenant as the emulator serves it: the Tenant and where
// the items of its streams lie in time. It is never changed once made, so a
// request may keep using it after the directory's lock is released.
type tenantState struct {
	Tenant
	lower                string // lower-case id, the directory's key
	events, alerts       timeline
	eventsKey, alertsKey uint64 // itemKey of each stream
}

func (ts *tenantState) timeline(stream string) timeline {
	if stream == EndpointAlerts {
		return ts.alerts
	}
	return ts.events
}

func (ts *tenantState) key(stream string) uint64 {
	if stream == EndpointAlerts {
		return ts.alertsKey
	}
	return ts.eventsKey
}

// directory holds the tenants the credential reaches, which AddTenant and
// RemoveTenant change while the emulator serves.
type directory struct {
	mu   sync.RWMutex
	list []*tenantState          // listing order; replaced on change, never changed in place
	byID map[string]*tenantState // lower-case id -> tenant the credential reaches
	gone map[string]*tenantState // lower-case id -> removed tenant, kept for its items
}

// newTenantState places t's items in time around startMs: its backlog
// before, new items at Config's rates after.
func (s *Server) newTenantState(t Tenant, startMs int64) *tenantState {
	span := s.cfg.BacklogSpan.Milliseconds()
	return &tenantState{
		Tenant: t,
		lower:  strings.ToLower(t.ID),
		events: timeline{
			startMs: startMs, spanMs: span,
			backlog: backlogOf(t.EventsBacklog, s.cfg.EventsBacklog),
			rate:    s.cfg.EventsPerSecond,
		},
		alerts: timeline{
			startMs: startMs, spanMs: span,
			backlog: backlogOf(t.AlertsBacklog, s.cfg.AlertsBacklog),
			rate:    s.cfg.AlertsPerSecond,
		},
		eventsKey: itemKey(s.cfg.Seed, t.ID, EndpointEvents),
		alertsKey: itemKey(s.cfg.Seed, t.ID, EndpointAlerts),
	}
}

// reachable returns the tenant of id (in any case) that the credential
// reaches now, or nil.
func (s *Server) reachable(id string) *tenantState {
	s.dir.mu.RLock()
	defer s.dir.mu.RUnlock()
	return s.dir.byID[strings.ToLower(id)]
}

// known returns the tenant of id (in any case), reachable or removed, or nil.
func (s *Server) known(id string) *tenantState {
	lower := strings.ToLower(id)
	s.dir.mu.RLock()
	defer s.dir.mu.RUnlock()
	if ts, ok := s.dir.byID[lower]; ok {
		return ts
	}
	return s.dir.gone[lower]
}

// state returns the tenant of id, or for an id never reached one with
// Config's backlogs from the emulator's start, so that Items and the other
// helpers answer for any id.
func (s *Server) state(id string) *tenantState {
	if ts := s.known(id); ts != nil {
		return ts
	}
	return s.newTenantState(Tenant{ID: id}, s.startMs)
}

// canonicalTenant spells a known tenant id as configured, as the SIEM
// handler does with X-Tenant-ID, so that items match whatever the case.
func (s *Server) canonicalTenant(id string) string {
	if ts := s.known(id); ts != nil {
		return ts.ID
	}
	return id
}

// tenantList returns the reachable tenants in listing order. The slice is
// shared: callers must not change it.
func (s *Server) tenantList() []*tenantState {
	s.dir.mu.RLock()
	defer s.dir.mu.RUnlock()
	return s.dir.list
}

// Tenants returns the tenants the emulated credential reaches now, in the
// order of the tenant listing.
func (s *Server) Tenants() []Tenant {
	list := s.tenantList()
	out := make([]Tenant, len(list))
	for i, ts := range list {
		out[i] = ts.Tenant
	}
	return out
}

// AddTenant makes the credential reach t from now on, as when a partner
// takes on a customer: t is listed after the other tenants and its SIEM
// streams can be read (by a partner or organization credential; a tenant
// credential reaches only its own tenant). Its backlogs, as set in t or in
// Config, lie in the BacklogSpan before the call and new items follow at
// Config's rates, as for the tenants present at start. A tenant removed
// earlier comes back with the items it had, as if it had never left: t's
// name and data region replace the former ones, its backlogs are ignored.
// AddTenant reports whether t was added: not when t.ID is empty or a tenant
// of that id (in any case) is reached already.
func (s *Server) AddTenant(t Tenant) bool {
	if t.ID == "" {
		return false
	}
	t = t.withDefaults()
	lower := strings.ToLower(t.ID)
	nowMs := s.cfg.Clock().UnixMilli()

	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	if _, ok := s.dir.byID[lower]; ok {
		return false
	}
	ts := s.dir.gone[lower]
	if ts == nil {
		ts = s.newTenantState(t, nowMs)
	} else {
		back := *ts
		back.Name, back.DataRegion = t.Name, t.DataRegion
		ts = &back
		delete(s.dir.gone, lower)
	}
	s.dir.byID[lower] = ts
	s.dir.list = append(s.dir.list[:len(s.dir.list):len(s.dir.list)], ts)
	return true
}

// RemoveTenant makes the credential lose the tenant of id (in any case): it
// leaves the tenant listing at once and its SIEM requests get 403, as Sophos
// answers for a tenant the credential can no longer reach. Items, ItemID,
// Available and CursorAt still answer for it. RemoveTenant reports whether
// the tenant was reached.
func (s *Server) RemoveTenant(id string) bool {
	lower := strings.ToLower(id)
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	ts, ok := s.dir.byID[lower]
	if !ok {
		return false
	}
	delete(s.dir.byID, lower)
	s.dir.gone[lower] = ts
	list := make([]*tenantState, 0, len(s.dir.list))
	for _, other := range s.dir.list {
		if other.lower != lower {
			list = append(list, other)
		}
	}
	s.dir.list = list
	// The estate is rebuilt, the same, if the tenant's items are asked for
	// again; a partner that churns tenants keeps memory small.
	s.pools.Delete(ts.ID)
	return true
}
