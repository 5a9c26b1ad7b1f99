// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/sophoscentral"
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
