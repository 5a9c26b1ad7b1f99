package sophoscentral

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		check func(t *testing.T, r reply)
	}{
		{
			name:  "429 with Retry-After",
			fault: Fault{Kind: FaultRateLimit, RetryAfter: 1500 * time.Millisecond},
			check: func(t *testing.T, r reply) {
				assert.Equal(t, http.StatusTooManyRequests, r.status)
				assert.Equal(t, "2", r.header.Get("Retry-After"))
			},
		},
		{
			name:  "429 without Retry-After",
			fault: Fault{Kind: FaultRateLimit},
			check: func(t *testing.T, r reply) {
				assert.Equal(t, http.StatusTooManyRequests, r.status)
				assert.Empty(t, r.header.Get("Retry-After"))
			},
		},
		{
			name:  "503",
			fault: Fault{Kind: FaultStatus, Status: http.StatusServiceUnavailable},
			check: func(t *testing.T, r reply) {
				assert.Equal(t, http.StatusServiceUnavailable, r.status)
				body := r.json(t)
				assert.NotEmpty(t, body["error"])
				assert.NotEmpty(t, body["correlationId"])
			},
		},
		{
			name:  "500 by default",
			fault: Fault{Kind: FaultStatus},
			check: func(t *testing.T, r reply) { assert.Equal(t, http.StatusInternalServerError, r.status) },
		},
		{
			name:  "slow",
			fault: Fault{Kind: FaultSlow, Delay: 20 * time.Millisecond},
			check: func(t *testing.T, r reply) {
				assert.Equal(t, http.StatusOK, r.status)
				assert.Len(t, r.page(t).Items, 200)
			},
		},
		{
			name:  "truncated",
			fault: Fault{Kind: FaultTruncated},
			check: func(t *testing.T, r reply) {
				assert.Equal(t, http.StatusOK, r.status)
				assert.False(t, json.Valid(r.body))
				assert.True(t, strings.HasPrefix(string(r.body), `{"has_more":true`))
			},
		},
		{
			name:  "malformed",
			fault: Fault{Kind: FaultMalformed},
			check: func(t *testing.T, r reply) {
				assert.Equal(t, http.StatusOK, r.status)
				assert.False(t, json.Valid(r.body))
				assert.Contains(t, r.header.Get("Content-Type"), "text/html")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{EventsBacklog: 500})
			tok := f.token()
			tt.fault.Endpoint = "events"
			f.emu.AddFault(tt.fault)

			r, _ := f.siem("events", tok, DefaultTenantID, url.Values{})
			tt.check(t, r)
			assert.NotEmpty(t, r.header.Get("Date"))

			// The fault applied once; the same request now succeeds in full.
			r, p := f.siem("events", tok, DefaultTenantID, url.Values{})
			require.Equal(t, http.StatusOK, r.status)
			assertSameIDs(t, f.wantIDs("events", DefaultTenantID, 0, 200), pageIDs(p))
		})
	}
}

func TestFaultMatchingAndTimes(t *testing.T) {
	f := newFixture(t, Config{EventsBacklog: 10, AlertsBacklog: 10})
	tok := f.token()
	f.emu.AddFault(Fault{Endpoint: "alerts", Kind: FaultStatus, Status: 502, Times: 2})
	f.emu.AddFault(Fault{Kind: FaultRateLimit})

	var got []int
	for _, stream := range []string{"events", "alerts", "alerts", "alerts", "events"} {
		r, _ := f.siem(stream, tok, DefaultTenantID, url.Values{})
		got = append(got, r.status)
	}

	// The rate limit (any endpoint) waits its turn behind nothing for
	// events; alerts take the 502s first.
	assert.Equal(t, []int{429, 502, 502, 200, 200}, got)
	st := f.emu.Stats()
	assert.Equal(t, 2, st.Statuses[502])
	assert.Equal(t, 1, st.Statuses[429])
	assert.Equal(t, 2, st.Requests["events"])
	assert.Equal(t, 3, st.Requests["alerts"])
}

func TestFaultOnTokenEndpoint(t *testing.T) {
	f := newFixture(t, Config{})
	f.emu.AddFault(Fault{Endpoint: "token", Kind: FaultStatus, Status: 503})

	assert.Equal(t, http.StatusServiceUnavailable, f.postToken(goodForm()).status)
	assert.Equal(t, http.StatusOK, f.postToken(goodForm()).status)
}

func TestSlowFaultEndsWithTheRequest(t *testing.T) {
	f := newFixture(t, Config{EventsBacklog: 10})
	tok := f.token()
	f.emu.AddFault(Fault{Kind: FaultSlow, Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/siem/v1/events", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-Tenant-ID", DefaultTenantID)

	_, err = f.srv.Client().Do(req)

	require.ErrorIs(t, err, context.DeadlineExceeded)
	// The handler gives up too: the server's Close in Cleanup would block
	// for an hour otherwise.
	require.Eventually(t, func() bool { return f.emu.Stats().Requests["events"] == 1 },
		5*time.Second, 5*time.Millisecond)
}

func TestTruncatedPageLosesNothing(t *testing.T) {
	f := newFixture(t, Config{EventsBacklog: 600})
	tok := f.token()
	_, first := f.siem("events", tok, DefaultTenantID, url.Values{})
	f.emu.AddFault(Fault{Endpoint: "events", Kind: FaultTruncated})

	r, _ := f.siem("events", tok, DefaultTenantID, url.Values{"cursor": {first.NextCursor}})
	require.False(t, json.Valid(r.body))
	ids, _ := f.drain("events", tok, DefaultTenantID, url.Values{"cursor": {first.NextCursor}})

	assertSameIDs(t, f.wantIDs("events", DefaultTenantID, 200, 600), ids)
	assert.Equal(t, 600, f.emu.Stats().ItemsServed[DefaultTenantID+"/events"],
		"items of a truncated page are not counted as served")
}

func (r reply) page(t *testing.T) page {
	t.Helper()
	var p page
	require.NoError(t, json.Unmarshal(r.body, &p))
	return p
}

func pageIDs(p page) []string {
	var ids []string
	for _, it := range p.Items {
		ids = append(ids, it["id"].(string))
	}
	return ids
}

func TestFaultAimedAtOneTenant(t *testing.T) {
	tenants := manyTenants(2)
	a, b := tenants[0].ID, tenants[1].ID
	tests := []struct {
		name     string
		fault    Fault
		requests []string // "events", "alerts" of a tenant as tenant/stream, or an endpoint
		want     []int
	}{
		{
			name:  "one stream of one tenant",
			fault: Fault{Endpoint: "events", TenantID: strings.ToUpper(a), Kind: FaultStatus, Times: 2},
			requests: []string{
				b + "/events", a + "/alerts", a + "/events", b + "/events", a + "/events",
				a + "/events",
			},
			want: []int{200, 200, 500, 200, 500, 200},
		},
		{
			name:  "both streams of one tenant, not the other endpoints",
			fault: Fault{TenantID: b, Kind: FaultRateLimit, Times: 3},
			requests: []string{
				"whoami", "tenants", a + "/events", b + "/alerts", a + "/alerts", b + "/events",
				b + "/events", b + "/alerts",
			},
			want: []int{200, 200, 200, 429, 200, 429, 429, 200},
		},
		{
			name:     "a tenant fault on another endpoint never applies",
			fault:    Fault{Endpoint: "tenants", TenantID: a, Kind: FaultStatus},
			requests: []string{"tenants", a + "/events", "tenants"},
			want:     []int{200, 200, 200},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{
				Identity: "partner", Tenants: tenants, EventsBacklog: 5, AlertsBacklog: 5,
			})
			tok := f.token()
			f.emu.AddFault(tt.fault)

			var got []int
			perTenant := map[string]int{}
			for _, req := range tt.requests {
				tenant, stream, ok := strings.Cut(req, "/")
				if !ok {
					path := map[string]string{"whoami": "/whoami/v1", "tenants": "/partner/v1/tenants"}[req]
					r := f.get(path, tok, map[string]string{"X-Partner-ID": DefaultIdentityID})
					got = append(got, r.status)
					continue
				}
				r, _ := f.siem(stream, tok, tenant, url.Values{})
				got = append(got, r.status)
				perTenant[tenant]++
			}

			assert.Equal(t, tt.want, got)
			assert.Equal(t, perTenant, f.emu.Stats().RequestsByTenant,
				"requests are counted by tenant, faulted or not")
		})
	}
}
