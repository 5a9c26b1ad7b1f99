package sophoscentral

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fromDate(t time.Time) url.Values {
	return url.Values{"from_date": {fmt.Sprint(t.Unix())}, "limit": {"1000"}}
}

func TestSIEMDrainsBacklogWithoutLossOrRepeat(t *testing.T) {
	for _, stream := range []string{"events", "alerts"} {
		t.Run(stream, func(t *testing.T) {
			f := newFixture(t, Config{EventsBacklog: 2500, AlertsBacklog: 2500})
			tok := f.token()

			ids, _ := f.drain(stream, tok, DefaultTenantID, fromDate(testStart.Add(-13*time.Hour)))

			assertSameIDs(t, f.wantIDs(stream, DefaultTenantID, 0, 2500), ids)
			assert.Equal(t, 2500, f.emu.Available(DefaultTenantID, stream))
			assert.Equal(t, 2500, f.emu.Stats().ItemsServed[DefaultTenantID+"/"+stream])
		})
	}
}

func TestSIEMPagesAndHasMore(t *testing.T) {
	f := newFixture(t, Config{EventsBacklog: 450})
	tok := f.token()
	q := url.Values{"from_date": {fmt.Sprint(testStart.Add(-13 * time.Hour).Unix())}}

	var sizes []int
	var more []bool
	for {
		r, p := f.siem("events", tok, DefaultTenantID, q)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		sizes = append(sizes, len(p.Items))
		more = append(more, p.HasMore)
		if !p.HasMore {
			break
		}
		q = url.Values{"cursor": {p.NextCursor}}
	}

	assert.Equal(t, []int{200, 200, 50}, sizes, "default limit is 200")
	assert.Equal(t, []bool{true, true, false}, more)
}

func TestSIEMCursorResumesAfterNewItems(t *testing.T) {
	f := newFixture(t, Config{EventsBacklog: 300, EventsPerSecond: 10})
	tok := f.token()
	ids, cur := f.drain("events", tok, DefaultTenantID, fromDate(testStart.Add(-13*time.Hour)))
	require.Len(t, ids, 300)

	// Nothing new yet: an empty page keeps the position.
	r, p := f.siem("events", tok, DefaultTenantID, url.Values{"cursor": {cur}})
	require.Equal(t, http.StatusOK, r.status)
	assert.Empty(t, p.Items)
	assert.False(t, p.HasMore)
	assert.NotEmpty(t, p.NextCursor)

	for round := range 3 {
		f.clock.Advance(150 * time.Second) // 1500 new items
		more, next := f.drain("events", tok, DefaultTenantID,
			url.Values{"cursor": {p.NextCursor}, "limit": {"1000"}})
		from := len(ids)
		ids = append(ids, more...)
		assertSameIDs(t, f.wantIDs("events", DefaultTenantID, from, len(ids)), more)
		assert.Len(t, more, 1500, "round %d", round)
		p.NextCursor = next
	}
	assert.Equal(t, f.emu.Available(DefaultTenantID, "events"), len(ids))
}

func TestSIEMItemsAreOrderedAndExist(t *testing.T) {
	f := newFixture(t, Config{EventsBacklog: 1000, EventsPerSecond: 5})
	f.clock.Advance(time.Minute)
	tok := f.token()

	ids, _ := f.drain("events", tok, DefaultTenantID, fromDate(testStart.Add(-13*time.Hour)))
	items := f.emu.Items(DefaultTenantID, "events", 0, len(ids))

	require.Len(t, ids, 1300)
	last := time.Time{}
	for _, it := range items {
		created, err := time.Parse(time.RFC3339, it["created_at"].(string))
		require.NoError(t, err)
		assert.False(t, created.Before(last), "created_at never decreases")
		assert.False(t, created.After(f.clock.Now()), "only items that exist are served")
		last = created
	}
}

func TestSIEMQueryValidation(t *testing.T) {
	tests := []struct {
		name  string
		query url.Values
		want  int
	}{
		{"limit 200", url.Values{"limit": {"200"}}, 200},
		{"limit 1000", url.Values{"limit": {"1000"}}, 200},
		{"limit 199", url.Values{"limit": {"199"}}, 400},
		{"limit 1001", url.Values{"limit": {"1001"}}, 400},
		{"limit not a number", url.Values{"limit": {"ten"}}, 400},
		{"from_date 23h59m ago", fromDate(testStart.Add(-24*time.Hour + time.Minute)), 200},
		{"from_date 24h01m ago", fromDate(testStart.Add(-24*time.Hour - time.Minute)), 400},
		{"from_date not a number", url.Values{"from_date": {"yesterday"}}, 400},
		{"garbage cursor", url.Values{"cursor": {"!!!"}}, 400},
		{"offset minutes", url.Values{"from_date_offset_minutes": {"5"}}, 200},
		{"negative offset minutes", url.Values{"from_date_offset_minutes": {"-5"}}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{EventsBacklog: 10})
			r, _ := f.siem("events", f.token(), DefaultTenantID, tt.query)
			assert.Equal(t, tt.want, r.status, "%s", r.body)
			if tt.want == http.StatusBadRequest {
				assert.NotEmpty(t, r.json(t)["message"])
			}
		})
	}
}

func TestSIEMCursorOfOtherStreamIsRefused(t *testing.T) {
	f := newFixture(t, Config{EventsBacklog: 10})
	tok := f.token()
	_, p := f.siem("events", tok, DefaultTenantID, url.Values{})
	r, _ := f.siem("alerts", tok, DefaultTenantID, url.Values{"cursor": {p.NextCursor}})
	assert.Equal(t, http.StatusBadRequest, r.status)
}

func TestSIEMStaleCursorIsSilentlyReset(t *testing.T) {
	f := newFixture(t, Config{EventsBacklog: 2000, BacklogSpan: 20 * time.Hour})
	// A cursor positioned 21h before start, then the clock moves 5h on:
	// the cursor is 26h old and the 2h of items between it and the
	// window's start are lost without an error.
	cur := f.emu.CursorAt(DefaultTenantID, "events", testStart.Add(-21*time.Hour))
	f.clock.Advance(5 * time.Hour)
	tok := f.token()

	ids, _ := f.drain("events", tok, DefaultTenantID, url.Values{"cursor": {cur}, "limit": {"1000"}})

	// Items are 36s apart from start-20h, item i at start-20h+(i+1)*36s; the
	// window starts at start-19h, where item 99 was created.
	first := 99
	assertSameIDs(t, f.wantIDs("events", DefaultTenantID, first, 2000), ids)
	assert.Equal(t, 1, f.emu.Stats().CursorResets)
}

func TestSIEMFreshCursorIsNotReset(t *testing.T) {
	f := newFixture(t, Config{EventsBacklog: 1000})
	tok := f.token()
	at := testStart.Add(-6 * time.Hour)
	cur := f.emu.CursorAt(DefaultTenantID, "events", at)

	ids, _ := f.drain("events", tok, DefaultTenantID, url.Values{"cursor": {cur}, "limit": {"1000"}})

	// Items are 43.2s apart over 12h: half of them are after start-6h.
	assertSameIDs(t, f.wantIDs("events", DefaultTenantID, 500, 1000), ids)
	assert.Zero(t, f.emu.Stats().CursorResets)
}

func TestSIEMExcludeTypes(t *testing.T) {
	f := newFixture(t, Config{EventsBacklog: 3000, AlertsBacklog: 300})
	tok := f.token()
	excluded := []string{"Event::Endpoint::UpdateSuccess", "Event::Endpoint::WebControlViolation"}
	q := fromDate(testStart.Add(-13 * time.Hour))
	q.Set("exclude_types", excluded[0]+","+excluded[1])

	var got []map[string]any
	for {
		r, p := f.siem("events", tok, DefaultTenantID, q)
		require.Equal(t, http.StatusOK, r.status)
		got = append(got, p.Items...)
		if !p.HasMore {
			break
		}
		q = url.Values{"cursor": {p.NextCursor}, "limit": {"1000"}, "exclude_types": q["exclude_types"]}
	}

	all := f.emu.Items(DefaultTenantID, "events", 0, 3000)
	var want []any
	for _, it := range all {
		if it["type"] != excluded[0] && it["type"] != excluded[1] {
			want = append(want, it["id"])
		}
	}
	var gotIDs []any
	for _, it := range got {
		gotIDs = append(gotIDs, it["id"])
	}
	assertSameIDs(t, want, gotIDs)
	assert.Less(t, len(want), 2700, "the excluded types are common")
}

func TestSIEMTenantChecks(t *testing.T) {
	tenants := manyTenants(3)
	tests := []struct {
		name     string
		identity string
		tenant   string
		want     int
	}{
		{"tenant reads itself", "tenant", tenants[0].ID, 200},
		{"tenant reads another tenant", "tenant", tenants[1].ID, 403},
		{"missing header", "tenant", "", 400},
		{"unknown tenant", "partner", "11111111-2222-4333-8444-555555555555", 403},
		{"partner reads any of its tenants", "partner", tenants[2].ID, 200},
		{"organization reads any of its tenants", "organization", tenants[1].ID, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{Identity: tt.identity, Tenants: tenants, EventsBacklog: 5})
			r, p := f.siem("events", f.token(), tt.tenant, url.Values{})
			require.Equal(t, tt.want, r.status, "%s", r.body)
			if tt.want == http.StatusOK {
				require.NotEmpty(t, p.Items)
				assert.Equal(t, tt.tenant, p.Items[0]["customer_id"])
			}
		})
	}
}

func TestTenantsHaveTheirOwnItems(t *testing.T) {
	tenants := manyTenants(2)
	f := newFixture(t, Config{Identity: "partner", Tenants: tenants, EventsBacklog: 10})
	a := f.emu.ItemID(tenants[0].ID, "events", 0)
	b := f.emu.ItemID(tenants[1].ID, "events", 0)
	assert.NotEqual(t, a, b)
	assert.NotEqual(t, a, f.emu.ItemID(tenants[0].ID, "alerts", 0))
	assert.Equal(t, a, New(Config{Tenants: tenants}).ItemID(tenants[0].ID, "events", 0),
		"ids are deterministic")
	assert.NotEqual(t, a, New(Config{Tenants: tenants, Seed: 1}).ItemID(tenants[0].ID, "events", 0),
		"the seed changes ids")
}

func TestDateHeaderFollowsTheClock(t *testing.T) {
	f := newFixture(t, Config{EventsBacklog: 5})
	f.clock.Advance(-3 * time.Hour) // an API clock behind the host's

	for _, r := range []reply{
		f.postToken(goodForm()),
		f.get("/whoami/v1", f.token(), nil),
		f.get("/siem/v1/events", "bad", nil),
		f.get("/nowhere", "", nil),
	} {
		got, err := http.ParseTime(r.header.Get("Date"))
		require.NoError(t, err)
		assert.Equal(t, f.clock.Now().UTC().Truncate(time.Second), got)
	}
}
