package sophoscentral

import (
	"strings"
	"time"
)

// Default values of Config.
const (
	DefaultClientID     = "emulator-client-id"
	DefaultClientSecret = "emulator-client-secret"
	DefaultIdentityID   = "5ac55058-622d-4929-8e5d-8ff554f312fe"
	DefaultTenantID     = "11f104c5-cc4a-4a9f-bb9c-632c936dfb9f"
)

const (
	window          = 24 * time.Hour
	defaultStart    = 12 * time.Hour
	maxBacklogSpan  = window - time.Minute
	defaultTokenTTL = time.Hour
)

// Config sets what the emulator serves. The zero value is a tenant
// credential of one tenant with nothing in its streams.
type Config struct {
	// ClientID and ClientSecret are the only credentials the token endpoint
	// accepts; defaults DefaultClientID and DefaultClientSecret.
	ClientID, ClientSecret string
	// TokenTTL is how long an access token lives (expires_in); default 1h.
	TokenTTL time.Duration
	// Identity is the credential's kind: "tenant" (default), "partner" or
	// "organization".
	Identity string
	// IdentityID is the id whoami returns for a partner or organization;
	// default DefaultIdentityID. A tenant identity is Tenants[0].
	IdentityID string
	// Tenants are the tenants the credential reaches at start; default one
	// tenant. AddTenant and RemoveTenant change them while the emulator
	// serves.
	Tenants []Tenant
	// TenantPageSize is the largest pageSize the tenant listing honours;
	// default 100.
	TenantPageSize int
	// EventsBacklog and AlertsBacklog are the items of each tenant present
	// at start, spread evenly over BacklogSpan before start, unless the
	// Tenant sets its own.
	EventsBacklog, AlertsBacklog int
	// BacklogSpan is how far before start the backlog reaches; default 12h,
	// at most 24h minus a minute.
	BacklogSpan time.Duration
	// EventsPerSecond and AlertsPerSecond are the rates, per tenant, at
	// which new items are created after start; 0 means none.
	EventsPerSecond, AlertsPerSecond float64
	// Clock is the API's clock, sent in the Date header; default time.Now.
	Clock func() time.Time
	// Seed makes the generated items differ between emulators.
	Seed int64
}

// Tenant is one Sophos Central tenant.
type Tenant struct {
	ID, Name   string
	DataRegion string // e.g. "eu01"
	// EventsBacklog and AlertsBacklog are the tenant's own backlogs: its
	// items present at start, or when AddTenant added it, spread over
	// Config.BacklogSpan before that moment. 0 means Config.EventsBacklog
	// and Config.AlertsBacklog; NoBacklog (any negative value) means none.
	EventsBacklog, AlertsBacklog int
}

// NoBacklog, as Tenant.EventsBacklog or Tenant.AlertsBacklog, gives a tenant
// no backlog in that stream whatever Config says.
const NoBacklog = -1

// backlogOf resolves a tenant's own backlog against Config's.
func backlogOf(own, def int) int {
	switch {
	case own < 0:
		return 0
	case own == 0:
		return def
	}
	return own
}

func (c Config) withDefaults() Config {
	if c.ClientID == "" {
		c.ClientID = DefaultClientID
	}
	if c.ClientSecret == "" {
		c.ClientSecret = DefaultClientSecret
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = defaultTokenTTL
	}
	c.Identity = strings.ToLower(c.Identity)
	if c.Identity == "" {
		c.Identity = identityTenant
	}
	if len(c.Tenants) == 0 {
		id := DefaultTenantID
		if c.Identity == identityTenant && c.IdentityID != "" {
			id = c.IdentityID
		}
		c.Tenants = []Tenant{{ID: id, Name: "Emulated Tenant", DataRegion: "eu01"}}
	}
	if c.IdentityID == "" {
		c.IdentityID = DefaultIdentityID
	}
	c.Tenants = append([]Tenant(nil), c.Tenants...)
	for i := range c.Tenants {
		c.Tenants[i] = c.Tenants[i].withDefaults()
	}
	if c.TenantPageSize <= 0 {
		c.TenantPageSize = 100
	}
	if c.BacklogSpan <= 0 {
		c.BacklogSpan = defaultStart
	}
	c.BacklogSpan = min(c.BacklogSpan, maxBacklogSpan)
	c.EventsBacklog = max(c.EventsBacklog, 0)
	c.AlertsBacklog = max(c.AlertsBacklog, 0)
	c.EventsPerSecond = max(c.EventsPerSecond, 0)
	c.AlertsPerSecond = max(c.AlertsPerSecond, 0)
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c
}

func (t Tenant) withDefaults() Tenant {
	if t.DataRegion == "" {
		t.DataRegion = "eu01"
	}
	if t.Name == "" {
		t.Name = "Tenant " + t.ID[:min(8, len(t.ID))]
	}
	return t
}

const (
	identityTenant       = "tenant"
	identityPartner      = "partner"
	identityOrganization = "organization"
)

// dataGeography maps a data region to the country Sophos names for it.
func dataGeography(region string) string {
	switch {
	case strings.HasPrefix(region, "eu01"):
		return "IE"
	case strings.HasPrefix(region, "eu"):
		return "DE"
	case strings.HasPrefix(region, "us"):
		return "US"
	case strings.HasPrefix(region, "ca"):
		return "CA"
	case strings.HasPrefix(region, "au"):
		return "AU"
	case strings.HasPrefix(region, "jp"):
		return "JP"
	case strings.HasPrefix(region, "in"):
		return "IN"
	case strings.HasPrefix(region, "br"):
		return "BR"
	}
	return "US"
}
