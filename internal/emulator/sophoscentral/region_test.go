package sophoscentral

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSIEMAtRegionHosts(t *testing.T) {
	tenants := []Tenant{
		{ID: "eeeeeeee-0000-4000-8000-000000000001", DataRegion: "eu01"},
		{ID: "eeeeeeee-0000-4000-8000-000000000002", DataRegion: "us03"},
	}
	tests := []struct {
		name     string
		identity string
		tenant   Tenant
		host     string // path prefix of the API host asked
		want     int
	}{
		{"partner at the tenant's region", "partner", tenants[1], "/region/us03", 200},
		{"organization at the tenant's region", "organization", tenants[0], "/region/eu01", 200},
		{"region in another case", "partner", tenants[1], "/region/US03", 200},
		{"partner at another region", "partner", tenants[1], "/region/eu01", 403},
		{"partner at the base URL", "partner", tenants[0], "", 403},
		{"partner at an unknown region", "partner", tenants[0], "/region/xx99", 403},
		{"tenant credential at the base URL", "tenant", tenants[0], "", 200},
		{"tenant credential at its region", "tenant", tenants[0], "/region/eu01", 200},
		{"tenant credential at another region", "tenant", tenants[0], "/region/us03", 403},
		{"no region named", "partner", tenants[0], "/region/", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{Identity: tt.identity, Tenants: tenants, EventsBacklog: 5})

			r, p := f.siemAt(tt.host, "alerts", f.token(), tt.tenant.ID, url.Values{})

			require.Equal(t, tt.want, r.status, "%s", r.body)
			switch tt.want {
			case http.StatusOK:
				assert.NotEmpty(t, p.NextCursor)
			case http.StatusForbidden:
				body := r.json(t)
				assert.Equal(t, "forbidden", body["error"])
				assert.Contains(t, body["message"], tt.tenant.ID)
				assert.NotEmpty(t, body["correlationId"])
			}
			st := f.emu.Stats()
			if tt.want == http.StatusNotFound {
				assert.Equal(t, 1, st.Requests[endpointUnknown])
				return
			}
			assert.Equal(t, map[string]int{"token": 1, "alerts": 1}, st.Requests,
				"a region host counts as the same endpoint")
		})
	}
}

func TestRegionHostsServeOnlyTheSIEMAPI(t *testing.T) {
	for _, path := range []string{"/region/eu01/whoami/v1", "/region/eu01/partner/v1/tenants"} {
		t.Run(path, func(t *testing.T) {
			f := newFixture(t, Config{Identity: "partner"})
			r := f.get(path, f.token(), map[string]string{"X-Partner-ID": DefaultIdentityID})
			assert.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
		})
	}
}

func TestSplitRegion(t *testing.T) {
	tests := []struct {
		path, region, rest string
		ok                 bool
	}{
		{"/siem/v1/events", "", "/siem/v1/events", false},
		{"/region/eu01/siem/v1/events", "eu01", "/siem/v1/events", true},
		{"/region/eu01", "eu01", "/", true},
		{"/region//siem/v1/events", "", "/siem/v1/events", true},
		{"/regional/eu01/siem/v1/events", "", "/regional/eu01/siem/v1/events", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			region, rest, ok := splitRegion(tt.path)
			assert.Equal(t, tt.region, region)
			assert.Equal(t, tt.rest, rest)
			assert.Equal(t, tt.ok, ok)
		})
	}
}
