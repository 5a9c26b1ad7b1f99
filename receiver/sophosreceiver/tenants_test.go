// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/sophoscentral"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/itemlog"
)

// manyTenants returns n tenants across four data regions.
func manyTenants(n int) []sophoscentral.Tenant {
	regions := []string{"eu01", "us01", "us03", "de01"}
	out := make([]sophoscentral.Tenant, n)
	for i := range out {
		out[i] = sophoscentral.Tenant{
			ID:         fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", i+1),
			Name:       fmt.Sprintf("Customer %03d", i+1),
			DataRegion: regions[i%len(regions)],
		}
	}
	return out
}

// Three collectors, shards 0, 1 and 2 of one partner account, poll every tenant, each
// tenant by exactly one of them.
func TestShardsCoverEveryTenantOnce(t *testing.T) {
	tenants := manyTenants(30)
	emu, url, _ := emulator(t, sophoscentral.Config{
		Identity: "partner", Tenants: tenants, EventsBacklog: 20,
	})
	recs := make([]*recorder, 3)
	harnesses := make([]*harness, 3)
	for i := range recs {
		cfg := testConfig(url)
		cfg.Streams = []string{"events"}
		cfg.Tenants.Shard = ShardConfig{Index: i, Count: 3}
		recs[i] = newRecorder()
		harnesses[i] = startReceiver(t, cfg, recs[i], componenttest.NewNopHost())
	}

	for _, tn := range tenants {
		require.Eventually(t, func() bool {
			n := 0
			for _, rec := range recs {
				n += rec.count(tn.ID, "events")
			}
			return n >= 20
		}, waitFor, 5*time.Millisecond, "tenant %s", tn.Name)
	}
	for _, h := range harnesses {
		h.stop(t)
	}

	polledBy := map[string][]int{}
	perShard := make([]int, 3)
	for i, rec := range recs {
		for _, tn := range tenants {
			if got := rec.got(tn.ID, "events"); len(got) > 0 {
				polledBy[tn.ID] = append(polledBy[tn.ID], i)
				perShard[i]++
				assert.Equal(t, wantIDs(emu, tn.ID, "events", 0, 20), got, "tenant %s", tn.Name)
			}
		}
	}
	for _, tn := range tenants {
		assert.Len(t, polledBy[tn.ID], 1, "tenant %s polled by shards %v", tn.Name, polledBy[tn.ID])
	}
	for i, h := range harnesses {
		assert.Positive(t, perShard[i], "shard %d polls some tenants", i)
		assert.Equal(t, float64(perShard[i]), h.sum(t, "otelcol_sophos_tenants", nil), "shard %d", i)
	}
}

// inFlight wraps the emulator and remembers the most tenants it saw asked at once.
type inFlight struct {
	next http.Handler
	mu   sync.Mutex
	now  map[string]int
	most int
}

func (f *inFlight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tenantID := r.Header.Get("X-Tenant-ID")
	if tenantID == "" {
		f.next.ServeHTTP(w, r)
		return
	}
	f.mu.Lock()
	f.now[tenantID]++
	f.most = max(f.most, len(f.now))
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		if f.now[tenantID]--; f.now[tenantID] == 0 {
			delete(f.now, tenantID)
		}
		f.mu.Unlock()
	}()
	f.next.ServeHTTP(w, r)
}

func TestMaxConcurrentTenants(t *testing.T) {
	tenants := manyTenants(12)
	emu := sophoscentral.New(sophoscentral.Config{
		Identity: "partner", Tenants: tenants, EventsBacklog: 1000, AlertsBacklog: 200,
		Clock: newFakeClock(time.Now().Truncate(time.Second)).Now,
	})
	// Slow answers, so that tenants overlap if anything lets them.
	for range 200 {
		emu.AddFault(sophoscentral.Fault{Endpoint: "events", Kind: sophoscentral.FaultSlow, Delay: 2 * time.Millisecond})
	}
	watch := &inFlight{next: emu, now: map[string]int{}}
	srv := httptest.NewServer(watch)
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	cfg.MaxConcurrentTenants = 3
	rec := newRecorder()
	startReceiver(t, cfg, rec, componenttest.NewNopHost())

	for _, tn := range tenants {
		waitItems(t, rec, emu, tn.ID, "events", 0, 1000)
		waitItems(t, rec, emu, tn.ID, "alerts", 0, 200)
	}
	watch.mu.Lock()
	defer watch.mu.Unlock()
	assert.LessOrEqual(t, watch.most, 3, "tenants asked at once")
	assert.Equal(t, 3, watch.most, "the slots were used")
}

func TestTenantMetricsLimit(t *testing.T) {
	tests := []struct {
		name      string
		limit     int
		wantLabel bool
	}{
		{"few tenants", 20, true},
		{"more tenants than the limit", 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tenants := manyTenants(3)
			emu, url, _ := emulator(t, sophoscentral.Config{
				Identity: "partner", Tenants: tenants, EventsBacklog: 10,
			})
			cfg := testConfig(url)
			cfg.Streams = []string{"events"}
			cfg.TenantMetricsLimit = tt.limit
			rec := newRecorder()
			h := startReceiver(t, cfg, rec, componenttest.NewNopHost())
			for _, tn := range tenants {
				waitItems(t, rec, emu, tn.ID, "events", 0, 10)
			}

			for _, tn := range tenants {
				got := h.sum(t, "otelcol_sophos_items_received",
					map[string]string{"stream": "events", "tenant": tn.ID})
				if tt.wantLabel {
					assert.Equal(t, 10.0, got, tn.Name)
				} else {
					assert.Zero(t, got, tn.Name)
				}
			}
			assert.Equal(t, 30.0, h.sum(t, "otelcol_sophos_items_received", map[string]string{"stream": "events"}))
		})
	}
}

// arrivals is a next consumer that keeps, call by call, which tenant's items came and how
// many, to judge the order in which tenants were served.
type arrivals struct {
	mu    sync.Mutex
	calls []arrival
	total map[string]int
	res   map[string]map[string]any
}

type arrival struct {
	tenant string
	items  int
}

func newArrivals() *arrivals {
	return &arrivals{total: map[string]int{}, res: map[string]map[string]any{}}
}

func (a *arrivals) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (a *arrivals) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range ld.ResourceLogs().Len() {
		rl := ld.ResourceLogs().At(i)
		res := rl.Resource().Attributes().AsRaw()
		id := res[itemlog.AttrTenantID].(string)
		n := 0
		for j := range rl.ScopeLogs().Len() {
			n += rl.ScopeLogs().At(j).LogRecords().Len()
		}
		a.calls = append(a.calls, arrival{tenant: id, items: n})
		a.total[id] += n
		a.res[id] = res
	}
	return nil
}

func (a *arrivals) count(id string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.total[id]
}

// 500 tenants across six data regions, one of them with a backlog five hundred times the
// others' and already draining when the others appear, and a single slot: every tenant is
// drained completely, each at its own region host, and the others do not wait for the large
// backlog to be drained.
func TestManyTenantsDrainedFairly(t *testing.T) {
	const small, big = 40, 20_000
	tenants := manyTenants(500)
	for i := range tenants {
		tenants[i].DataRegion = []string{"eu01", "us01", "us03", "de01", "ca01", "au01"}[i%6]
		tenants[i].EventsBacklog = small
	}
	tenants[0].EventsBacklog = big
	emu, url, _ := emulator(t, sophoscentral.Config{
		Identity: "partner", Tenants: tenants[:1], AlertsBacklog: sophoscentral.NoBacklog,
	})
	cfg := testConfig(url)
	cfg.Streams = []string{"events"}
	cfg.PageSize = 200
	cfg.MaxConcurrentTenants = 1
	cfg.PollInterval = time.Hour
	next := newArrivals()
	h := startReceiver(t, cfg, next, componenttest.NewNopHost(), func(r *sophosReceiver) {
		r.refreshEvery = 20 * time.Millisecond
		// 20 ms a request: the large backlog takes two seconds on its own.
		r.requestRate = 50
	})
	require.Eventually(t, func() bool { return next.count(tenants[0].ID) > 0 }, waitFor, time.Millisecond)
	for _, tn := range tenants[1:] {
		require.True(t, emu.AddTenant(tn))
	}

	for _, tn := range tenants {
		require.Eventually(t, func() bool { return next.count(tn.ID) >= tn.EventsBacklog },
			waitFor, 5*time.Millisecond, "%s: %d of %d", tn.Name, next.count(tn.ID), tn.EventsBacklog)
	}
	h.stop(t)

	next.mu.Lock()
	defer next.mu.Unlock()
	for _, tn := range tenants {
		assert.Equal(t, tn.EventsBacklog, next.total[tn.ID], "%s: every item once", tn.Name)
		assert.Equal(t, tn.DataRegion, next.res[tn.ID][itemlog.AttrDataRegion], tn.Name)
		assert.Equal(t, tn.Name, next.res[tn.ID][itemlog.AttrTenantName])
	}
	// The small tenants did not wait for the large backlog, and while they were being
	// drained, the large one had a turn or two of ten pages of 200.
	bigBefore, bigBetween, smallSeen := 0, 0, 0
	for _, c := range next.calls {
		switch {
		case c.tenant != tenants[0].ID:
			smallSeen++
		case smallSeen == 0:
			bigBefore += c.items
		case smallSeen < len(tenants)-1:
			bigBetween += c.items
		}
	}
	t.Logf("large tenant: %d items before the first small one, %d while they were drained", bigBefore, bigBetween)
	assert.Less(t, bigBefore, big, "the large backlog was not drained before the others")
	assert.LessOrEqual(t, bigBetween, 4000, "items of the large tenant while the others were drained")
	assert.Equal(t, float64(len(tenants)), h.sum(t, "otelcol_sophos_tenants", nil))
	assert.Zero(t, emu.Stats().Statuses[http.StatusForbidden], "every tenant asked at its region")
}

// Tenants that appear in the partner's listing are polled, and tenants that leave it are
// stopped, without a restart.
func TestTenantsAddedAndRemovedWhileRunning(t *testing.T) {
	tenants := manyTenants(4)
	emu, url, _ := emulator(t, sophoscentral.Config{
		Identity: "partner", Tenants: tenants[:3], EventsBacklog: 30,
	})
	cfg := testConfig(url)
	cfg.Streams = []string{"events"}
	rec := newRecorder()
	h := startReceiver(t, cfg, rec, componenttest.NewNopHost(),
		func(r *sophosReceiver) { r.refreshEvery = 20 * time.Millisecond })
	for _, tn := range tenants[:3] {
		waitItems(t, rec, emu, tn.ID, "events", 0, 30)
	}

	require.True(t, emu.AddTenant(tenants[3]))
	waitItems(t, rec, emu, tenants[3].ID, "events", 0, 30)

	require.True(t, emu.RemoveTenant(tenants[0].ID))
	require.Eventually(t, func() bool {
		return len(h.logs.FilterMessage("The tenants to poll changed").FilterField(
			zap.Strings("removed", []string{tenants[0].ID})).All()) == 1
	}, waitFor, 5*time.Millisecond)
	asked := emu.Stats().RequestsByTenant[tenants[0].ID]
	listings := emu.Stats().Requests["tenants"]
	require.Eventually(t, func() bool { return emu.Stats().Requests["tenants"] >= listings+3 },
		waitFor, 5*time.Millisecond, "more listings")
	assert.Equal(t, asked, emu.Stats().RequestsByTenant[tenants[0].ID], "a removed tenant is not asked")
	assert.Equal(t, 3.0, h.sum(t, "otelcol_sophos_tenants", nil))
}

// A tenant whose every call fails is backed off alone and reported; the other tenants are
// drained as if it were not there, though they share one slot with it.
func TestFailingTenantDoesNotHoldUpOthers(t *testing.T) {
	tenants := manyTenants(8)
	emu, url, _ := emulator(t, sophoscentral.Config{
		Identity: "partner", Tenants: tenants, EventsBacklog: 400,
	})
	failing := tenants[2].ID
	emu.AddFault(sophoscentral.Fault{
		Endpoint: "events", Kind: sophoscentral.FaultStatus, Status: 503, Times: 1_000_000,
		TenantID: failing,
	})
	cfg := testConfig(url)
	cfg.Streams = []string{"events"}
	cfg.MaxConcurrentTenants = 1
	rec := newRecorder()
	h := startReceiver(t, cfg, rec, componenttest.NewNopHost(), func(r *sophosReceiver) {
		// Long waits between the failing tenant's retries: it must not keep its slot meanwhile.
		r.backoff = backoff{base: 200 * time.Millisecond, max: time.Second}
	})

	for _, tn := range tenants {
		if tn.ID != failing {
			waitItems(t, rec, emu, tn.ID, "events", 0, 400)
		}
	}
	require.Eventually(t, func() bool {
		return h.sum(t, "otelcol_sophos_api_errors",
			map[string]string{"tenant": failing, "status": "503"}) >= 2
	}, waitFor, 5*time.Millisecond)
	assert.Zero(t, rec.count(failing, "events"))
	assert.Zero(t, h.sum(t, "otelcol_sophos_api_errors", map[string]string{"tenant": tenants[0].ID}))
	assert.NotEmpty(t, h.logs.FilterMessage("Cannot read the SIEM stream, retrying").FilterField(
		zap.String("tenant", failing)).All())
}
