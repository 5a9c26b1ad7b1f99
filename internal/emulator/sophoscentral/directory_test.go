package sophoscentral

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func TestWhoami(t *testing.T) {
	tests := []struct {
		identity   string
		wantID     string
		dataRegion bool
	}{
		{identity: "", wantID: DefaultTenantID, dataRegion: true},
		{identity: "tenant", wantID: DefaultTenantID, dataRegion: true},
		{identity: "partner", wantID: DefaultIdentityID},
		{identity: "organization", wantID: DefaultIdentityID},
	}
	for _, tt := range tests {
		t.Run("identity "+tt.identity, func(t *testing.T) {
			f := newFixture(t, Config{Identity: tt.identity})

			r := f.get("/whoami/v1", f.token(), nil)

			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			body := r.json(t)
			assert.Equal(t, tt.wantID, body["id"])
			want := tt.identity
			if want == "" {
				want = "tenant"
			}
			assert.Equal(t, want, body["idType"])
			hosts := body["apiHosts"].(map[string]any)
			assert.Equal(t, f.srv.URL, hosts["global"])
			if tt.dataRegion {
				assert.Equal(t, f.srv.URL, hosts["dataRegion"])
			} else {
				assert.NotContains(t, hosts, "dataRegion")
			}
		})
	}
}

func manyTenants(n int) []Tenant {
	out := make([]Tenant, n)
	for i := range out {
		out[i] = Tenant{
			ID:         fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			Name:       fmt.Sprintf("Customer %d", i),
			DataRegion: []string{"eu01", "us03", "eu02"}[i%3],
		}
	}
	return out
}

func TestTenantListingPages(t *testing.T) {
	for _, kind := range []string{"partner", "organization"} {
		t.Run(kind, func(t *testing.T) {
			tenants := manyTenants(7)
			f := newFixture(t, Config{Identity: kind, Tenants: tenants, TenantPageSize: 3})
			tok := f.token()
			header := map[string]string{"X-Partner-ID": DefaultIdentityID}
			if kind == "organization" {
				header = map[string]string{"X-Organization-ID": DefaultIdentityID}
			}

			var got []string
			for p := 1; p <= 4; p++ {
				q := url.Values{"page": {fmt.Sprint(p)}, "pageSize": {"100"}, "pageTotal": {"true"}}
				r := f.get("/"+kind+"/v1/tenants?"+q.Encode(), tok, header)
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				body := r.json(t)
				pages := body["pages"].(map[string]any)
				assert.EqualValues(t, p, pages["current"])
				assert.EqualValues(t, 3, pages["size"])
				assert.EqualValues(t, 3, pages["total"])
				assert.EqualValues(t, 7, pages["items"])
				for _, it := range body["items"].([]any) {
					m := it.(map[string]any)
					got = append(got, m["id"].(string))
					assert.NotEmpty(t, m["dataRegion"])
					assert.Equal(t, f.srv.URL+"/region/"+m["dataRegion"].(string), m["apiHost"])
					assert.NotEmpty(t, m["name"])
				}
			}
			var want []string
			for _, tn := range tenants {
				want = append(want, tn.ID)
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestTenantListingRefusals(t *testing.T) {
	partnerHeader := map[string]string{"X-Partner-ID": DefaultIdentityID}
	orgHeader := map[string]string{"X-Organization-ID": DefaultIdentityID}
	tests := []struct {
		name     string
		identity string
		path     string
		header   map[string]string
		want     int
	}{
		{"tenant credential", "tenant", "/partner/v1/tenants", partnerHeader, 403},
		{"partner on organization path", "partner", "/organization/v1/tenants", orgHeader, 403},
		{"missing partner header", "partner", "/partner/v1/tenants", nil, 400},
		{"wrong partner id", "partner", "/partner/v1/tenants", map[string]string{"X-Partner-ID": "x"}, 403},
		{"bad page", "partner", "/partner/v1/tenants?page=0", partnerHeader, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{Identity: tt.identity})
			r := f.get(tt.path, f.token(), tt.header)
			assert.Equal(t, tt.want, r.status, "%s", r.body)
		})
	}
}
