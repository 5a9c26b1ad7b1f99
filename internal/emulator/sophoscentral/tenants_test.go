package sophoscentral

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTenantsHaveTheirOwnBacklogs(t *testing.T) {
	tenants := manyTenants(4)
	tenants[1].EventsBacklog, tenants[1].AlertsBacklog = 2500, 7
	tenants[2].EventsBacklog, tenants[2].AlertsBacklog = NoBacklog, NoBacklog
	tenants[3].AlertsBacklog = 1200
	tests := []struct {
		name   string
		tenant Tenant
		stream string
		want   int
	}{
		{"zero value uses Config's events", tenants[0], "events", 300},
		{"zero value uses Config's alerts", tenants[0], "alerts", 50},
		{"own events", tenants[1], "events", 2500},
		{"own alerts", tenants[1], "alerts", 7},
		{"no events", tenants[2], "events", 0},
		{"no alerts", tenants[2], "alerts", 0},
		{"Config's events beside own alerts", tenants[3], "events", 300},
		{"own alerts beside Config's events", tenants[3], "alerts", 1200},
	}
	f := newFixture(t, Config{
		Identity: "partner", Tenants: tenants, EventsBacklog: 300, AlertsBacklog: 50,
	})
	tok := f.token()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, stream, want := tt.tenant.ID, tt.stream, tt.want

			ids, _ := f.drain(stream, tok, id, fromDate(testStart.Add(-13*time.Hour)))

			assertSameIDs(t, f.wantIDs(stream, id, 0, want), ids)
			assert.Equal(t, want, f.emu.Available(id, stream))
			assert.Equal(t, want, f.emu.Backlog(id, stream))
			assert.Equal(t, want, f.emu.Stats().ItemsServed[id+"/"+stream])
			if want > 0 {
				// The tenant's last backlog item was created at start.
				last := f.emu.Items(id, stream, want-1, 1)
				require.Len(t, last, 1)
				assert.Equal(t, ids[want-1], last[0]["id"])
				assert.Equal(t, testStart.Format(timeLayout), last[0]["created_at"])
			}
			// The backlog is spread over the 12 hours before start: half of
			// it lies after start-6h.
			cur := f.emu.CursorAt(id, stream, testStart.Add(-6*time.Hour))
			rest, _ := f.drain(stream, tok, id, url.Values{"cursor": {cur}, "limit": {"1000"}})
			assertSameIDs(t, f.wantIDs(stream, id, want/2, want), rest)
		})
	}
}

func TestTenantsAddedAndRemovedWhileServing(t *testing.T) {
	tenants := manyTenants(3)
	f := newFixture(t, Config{Identity: "partner", Tenants: tenants, EventsBacklog: 400})
	tok := f.token()
	gone := tenants[0]
	q := fromDate(testStart.Add(-13 * time.Hour))
	q.Set("limit", "200")
	_, first := f.siem("events", tok, gone.ID, q)
	require.Len(t, first.Items, 200)

	require.True(t, f.emu.RemoveTenant(strings.ToUpper(gone.ID)), "ids in any case")
	assert.False(t, f.emu.RemoveTenant(gone.ID), "removed already")

	r, _ := f.siem("events", tok, gone.ID, url.Values{"cursor": {first.NextCursor}})
	assert.Equal(t, http.StatusForbidden, r.status, "a removed tenant is refused")
	assert.NotEmpty(t, r.json(t)["message"])
	assert.Equal(t, []string{tenants[1].ID, tenants[2].ID}, f.listAll(tok, 100))

	f.clock.Advance(30 * time.Minute)
	added := Tenant{
		ID: "22222222-0000-4000-8000-000000000001", Name: "Newcomer", DataRegion: "us03",
		EventsBacklog: 250,
	}
	require.True(t, f.emu.AddTenant(added))
	assert.False(t, f.emu.AddTenant(added), "reached already")
	assert.False(t, f.emu.AddTenant(Tenant{}), "no id")
	assert.Equal(t, []string{tenants[1].ID, tenants[2].ID, added.ID}, f.listAll(tok, 100))

	// The newcomer's backlog lies in the 12 hours before it was added.
	ids, _ := f.drain("events", tok, added.ID, fromDate(f.clock.Now().Add(-13*time.Hour)))
	assertSameIDs(t, f.wantIDs("events", added.ID, 0, 250), ids)
	assert.Equal(t, 250, f.emu.Available(added.ID, "events"))
	cur := f.emu.CursorAt(added.ID, "events", f.clock.Now().Add(-6*time.Hour))
	ids, _ = f.drain("events", tok, added.ID, url.Values{"cursor": {cur}})
	assertSameIDs(t, f.wantIDs("events", added.ID, 125, 250), ids)

	// A tenant that comes back has the items it had.
	back := gone
	back.Name = "Renamed"
	require.True(t, f.emu.AddTenant(back))
	ids, _ = f.drain("events", tok, gone.ID, url.Values{"cursor": {first.NextCursor}})
	assertSameIDs(t, f.wantIDs("events", gone.ID, 200, 400), ids)
	assert.Equal(t, []string{tenants[1].ID, tenants[2].ID, added.ID, gone.ID}, f.listAll(tok, 2))
	got := f.emu.Tenants()
	require.Len(t, got, 4)
	assert.Equal(t, "Renamed", got[3].Name)
	assert.Equal(t, added, got[2])
}

func TestPartnerWith500TenantsAcrossRegions(t *testing.T) {
	regions := []string{"eu01", "eu02", "us01", "us03", "de01", "ca01"}
	tenants := make([]Tenant, 500)
	for i := range tenants {
		tenants[i] = Tenant{
			ID:         fmt.Sprintf("50000000-0000-4000-8000-%012d", i),
			DataRegion: regions[i%len(regions)],
		}
		if i%100 == 7 {
			tenants[i].EventsBacklog = 300
		}
	}
	f := newFixture(t, Config{Identity: "partner", Tenants: tenants})
	tok := f.token()

	listed := f.listTenants(tok, 100)

	require.Len(t, listed, 500)
	byRegion := map[string]int{}
	for i, lt := range listed {
		assert.Equal(t, tenants[i].ID, lt.id)
		assert.Equal(t, f.srv.URL+"/region/"+lt.region, lt.apiHost)
		byRegion[lt.region]++
	}
	assert.Len(t, byRegion, len(regions))
	for _, r := range regions {
		assert.InDelta(t, 500/len(regions), byRegion[r], 1, "tenants in %s", r)
	}

	// Every tenant is read at the apiHost the listing gave it.
	for _, lt := range listed {
		host := strings.TrimPrefix(lt.apiHost, f.srv.URL)
		r, p := f.siemAt(host, "events", tok, lt.id, fromDate(testStart.Add(-13*time.Hour)))
		require.Equal(t, http.StatusOK, r.status, "%s at %s: %s", lt.id, lt.apiHost, r.body)
		assert.Len(t, p.Items, backlogOf(tenants[lt.index].EventsBacklog, 0))
	}
	st := f.emu.Stats()
	assert.Len(t, st.RequestsByTenant, 500, "every tenant was polled")
	for _, tn := range tenants {
		assert.Equal(t, 1, st.RequestsByTenant[tn.ID])
	}
	assert.Equal(t, 500, st.Requests["events"], "region hosts count as the same endpoint")
	assert.Equal(t, 5, st.Requests["tenants"])
}

// listedTenant is one tenant of the tenant listing.
type listedTenant struct {
	index               int
	id, region, apiHost string
}

// listTenants pages the partner's tenant listing to its end.
func (f *fixture) listTenants(tok string, size int) []listedTenant {
	f.t.Helper()
	var out []listedTenant
	for p := 1; p <= 1000; p++ {
		q := url.Values{"page": {fmt.Sprint(p)}, "pageSize": {fmt.Sprint(size)}, "pageTotal": {"true"}}
		r := f.get("/partner/v1/tenants?"+q.Encode(), tok,
			map[string]string{"X-Partner-ID": DefaultIdentityID})
		require.Equal(f.t, http.StatusOK, r.status, "%s", r.body)
		body := r.json(f.t)
		for _, it := range body["items"].([]any) {
			m := it.(map[string]any)
			out = append(out, listedTenant{
				index: len(out), id: m["id"].(string),
				region: m["dataRegion"].(string), apiHost: m["apiHost"].(string),
			})
		}
		pages := body["pages"].(map[string]any)
		if float64(p) >= pages["total"].(float64) {
			require.EqualValues(f.t, len(out), pages["items"])
			return out
		}
	}
	f.t.Fatal("the listing never ended")
	return nil
}

func (f *fixture) listAll(tok string, size int) []string {
	f.t.Helper()
	var ids []string
	for _, lt := range f.listTenants(tok, size) {
		ids = append(ids, lt.id)
	}
	return ids
}
