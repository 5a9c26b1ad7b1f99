package sophoscentral

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParallelPollingOfTenantsAndStreams(t *testing.T) {
	tenants := manyTenants(3)
	f := newFixture(t, Config{
		Identity: "partner", Tenants: tenants,
		EventsBacklog: 1500, AlertsBacklog: 700, EventsPerSecond: 20, AlertsPerSecond: 5,
	})
	tok := f.token()
	f.emu.AddFault(Fault{Kind: FaultRateLimit, Times: 3})

	type result struct {
		tenant, stream string
		ids            []string
	}
	results := make(chan result, 6)
	var wg sync.WaitGroup
	for _, tn := range tenants {
		for _, stream := range []string{"events", "alerts"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results <- result{tn.ID, stream, pollAll(t, f, tok, tn.ID, stream)}
			}()
		}
	}
	// Counters and faults are used while the pollers run.
	for range 50 {
		_ = f.emu.Stats()
		f.clock.Advance(100 * time.Millisecond)
	}
	wg.Wait()
	close(results)

	for r := range results {
		want := f.wantIDs(r.stream, r.tenant, 0, len(r.ids))
		assertSameIDs(t, want, r.ids)
		assert.GreaterOrEqual(t, len(r.ids), map[string]int{"events": 1500, "alerts": 700}[r.stream])
	}
}

// pollAll reads a stream from 13h ago until a page says has_more=false,
// retrying on 429 like a client would.
func pollAll(t *testing.T, f *fixture, tok, tenant, stream string) []string {
	q := url.Values{"from_date": {"0"}, "limit": {"500"}}
	q.Set("from_date", itoa(testStart.Add(-13*time.Hour).Unix()))
	var ids []string
	for range 1000 {
		req, err := http.NewRequest(http.MethodGet,
			f.srv.URL+f.regionPath(tenant)+"/siem/v1/"+stream+"?"+q.Encode(), nil)
		if !assert.NoError(t, err) {
			return ids
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("X-Tenant-ID", tenant)
		resp, err := f.srv.Client().Do(req)
		if !assert.NoError(t, err) {
			return ids
		}
		var p page
		err = json.NewDecoder(resp.Body).Decode(&p)
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			continue
		}
		if !assert.Equal(t, http.StatusOK, resp.StatusCode) || !assert.NoError(t, err) {
			return ids
		}
		ids = append(ids, pageIDs(p)...)
		if !p.HasMore {
			return ids
		}
		q = url.Values{"cursor": {p.NextCursor}, "limit": {"500"}}
	}
	t.Error("has_more never became false")
	return ids
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestItemsMatchWhatTheAPIServes(t *testing.T) {
	for _, stream := range []string{"events", "alerts"} {
		t.Run(stream, func(t *testing.T) {
			f := newFixture(t, Config{EventsBacklog: 300, AlertsBacklog: 300})
			r, _ := f.siem(stream, f.token(), DefaultTenantID, fromDate(testStart.Add(-13*time.Hour)))
			require.Equal(t, http.StatusOK, r.status)
			var raw struct {
				Items []json.RawMessage `json:"items"`
			}
			require.NoError(t, json.Unmarshal(r.body, &raw))

			items := f.emu.Items(DefaultTenantID, stream, 0, len(raw.Items))

			require.Len(t, items, 300)
			for i, it := range raw.Items {
				assert.Equal(t, decodeItem(it), items[i])
			}
		})
	}
}

func TestNoCursorNorFromDateStarts12HoursAgo(t *testing.T) {
	f := newFixture(t, Config{EventsBacklog: 2000, BacklogSpan: 20 * time.Hour})

	ids, _ := f.drain("events", f.token(), DefaultTenantID, url.Values{"limit": {"1000"}})

	// Items 36s apart from start-20h: item 799 sits at start-12h.
	assertSameIDs(t, f.wantIDs("events", DefaultTenantID, 799, 2000), ids)
}

func TestItemShapesKeepTheSamples(t *testing.T) {
	s := New(Config{})
	items := s.Items(DefaultTenantID, "alerts", 0, 3000)
	shapes := map[string]bool{}
	for _, it := range items {
		data, ok := it["data"].(map[string]any)
		require.True(t, ok, "alerts carry a data object: %v", it["type"])
		assert.Equal(t, it["created_at"] != nil, true)
		if _, ok := data["core_remedy_items"]; ok {
			shapes["core_remedy_items"] = true
		}
		if _, ok := it["threat_cleanable"].(bool); ok {
			shapes["boolean"] = true
		}
		if v, ok := it["info"]; ok && v == nil {
			shapes["null"] = true
		}
		if ms, ok := data["created_at"].(int64); ok {
			created, err := time.Parse(time.RFC3339, it["created_at"].(string))
			require.NoError(t, err)
			assert.Equal(t, created.UnixMilli(), ms)
			shapes["epoch ms"] = true
		}
	}
	assert.Len(t, shapes, 4, "%v", shapes)

	events := s.Items(DefaultTenantID, "events", 0, 3000)
	keys := []string{
		"appCerts", "appSha256", "core_remedy_items", "ips_threat_data", "amsi_threat_data",
	}
	for _, key := range keys {
		found := false
		for _, it := range events {
			if _, ok := it[key]; ok {
				found = true
				break
			}
		}
		assert.True(t, found, "some events carry %s", key)
	}
}

func TestTenantChurnWhileServing(t *testing.T) {
	initial := manyTenants(20)
	added := make([]Tenant, 30)
	for i := range added {
		added[i] = Tenant{
			ID:         fmt.Sprintf("cccccccc-0000-4000-8000-%012d", i),
			DataRegion: []string{"us01", "de01"}[i%2],
		}
	}
	f := newFixture(t, Config{
		Identity: "partner", Tenants: initial, EventsBacklog: 3, TenantPageSize: 7,
	})
	tok := f.token()

	// Readers page the listing and read every listed tenant while the
	// tenants change; each change waits for a reader to have read a page.
	progress := make(chan struct{})
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for page := 1; ; page = page%4 + 1 {
				readListingPage(t, f, tok, page)
				select {
				case progress <- struct{}{}:
				case <-done:
					return
				}
			}
		}()
	}
	for i, tn := range added {
		<-progress
		require.True(t, f.emu.AddTenant(tn))
		// The first tenants present go, then the first of those added.
		var gone string
		if i < len(initial) {
			gone = initial[i].ID
		} else {
			gone = added[i-len(initial)].ID
		}
		require.True(t, f.emu.RemoveTenant(gone), "tenant %d", i)
	}
	close(done)
	wg.Wait()

	var want []string
	for _, tn := range added[10:] {
		want = append(want, tn.ID)
	}
	assert.Equal(t, want, f.listAll(tok, 7))
	assert.Len(t, f.emu.Tenants(), 20)
}

// readListingPage reads one page of the tenant listing and each tenant on it
// at its apiHost, checking that the page agrees with itself; a tenant may
// be removed between the two.
func readListingPage(t *testing.T, f *fixture, tok string, page int) {
	get := func(u string, header map[string]string) (int, map[string]any) {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if !assert.NoError(t, err) {
			return 0, nil
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := f.srv.Client().Do(req)
		if !assert.NoError(t, err) {
			return 0, nil
		}
		defer func() { _ = resp.Body.Close() }()
		var body map[string]any
		assert.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return resp.StatusCode, body
	}

	q := url.Values{"page": {fmt.Sprint(page)}, "pageSize": {"7"}, "pageTotal": {"true"}}
	status, body := get(f.srv.URL+"/partner/v1/tenants?"+q.Encode(),
		map[string]string{"X-Partner-ID": DefaultIdentityID})
	if !assert.Equal(t, http.StatusOK, status) {
		return
	}
	pages := body["pages"].(map[string]any)
	total, count := int(pages["total"].(float64)), int(pages["items"].(float64))
	assert.Equal(t, (count+6)/7, total, "pages.total agrees with pages.items")
	items := body["items"].([]any)
	assert.Equal(t, max(0, min(7, count-(page-1)*7)), len(items), "page %d of %d", page, total)
	seen := map[string]bool{}
	for _, it := range items {
		m := it.(map[string]any)
		id := m["id"].(string)
		assert.False(t, seen[id], "listed twice: %s", id)
		seen[id] = true
		status, _ := get(m["apiHost"].(string)+"/siem/v1/events",
			map[string]string{"X-Tenant-ID": id})
		assert.Contains(t, []int{http.StatusOK, http.StatusForbidden}, status)
	}
}
