// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver

import (
	"bytes"
	"context"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"golang.org/x/time/rate"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/sophoscentral"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/metadata"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"
)

const drainItems = 100_000

// counter is a next consumer that only counts.
type counter struct {
	n    atomic.Int64
	done chan struct{}
	want int64
}

func (*counter) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (c *counter) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	if c.n.Add(int64(ld.LogRecordCount())) == c.want {
		close(c.done)
	}
	return nil
}

// drain starts r, waits until next has counted all it wants, and returns the CPU the
// process used meanwhile and its largest heap. The benchmark timer runs only while it drains.
func drain(b *testing.B, r *sophosReceiver, next *counter) (time.Duration, uint64) {
	b.Helper()
	runtime.GC()
	heap := sampleHeap()
	start := processCPU()
	b.StartTimer()

	if err := r.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	select {
	case <-next.done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("drained %d of %d items", next.n.Load(), next.want)
	}

	b.StopTimer()
	return processCPU() - start, heap.done()
}

// heapPeak samples the heap until stopped and returns the largest sample. It reads
// runtime/metrics, which unlike runtime.ReadMemStats does not stop the world.
type heapPeak struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

func sampleHeap() *heapPeak {
	h := &heapPeak{stop: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(sample)
			h.peak = max(h.peak, sample[0].Value.Uint64())
			select {
			case <-h.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapPeak) done() uint64 {
	close(h.stop)
	h.wg.Wait()
	return h.peak
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDrainBacklog runs the whole receiver against the emulator on loopback until it
// has delivered a backlog of 100,000 events, pages of 1,000, into a counting consumer.
// cpu-ns/item counts the whole process, the emulator included; the http-only case does the
// same paging without the receiver, so the difference is what the receiver costs.
func BenchmarkDrainBacklog(b *testing.B) {
	b.Run("receiver", func(b *testing.B) {
		b.ReportAllocs()
		var cpu time.Duration
		var peak uint64
		for b.Loop() {
			b.StopTimer()
			emu := sophoscentral.New(sophoscentral.Config{EventsBacklog: drainItems})
			srv := httptest.NewServer(emu)
			cfg := testConfig(srv.URL)
			cfg.Streams = []string{"events"}
			cfg.PageSize = 1000
			cfg.PollInterval = time.Hour
			next := &counter{done: make(chan struct{}), want: drainItems}
			r, err := newReceiver(receivertest.NewNopSettings(metadata.Type), cfg, next)
			if err != nil {
				b.Fatal(err)
			}
			r.requestRate = rate.Inf
			used, heap := drain(b, r, next)
			cpu += used
			peak = max(peak, heap)
			if err := r.Shutdown(context.Background()); err != nil {
				b.Fatal(err)
			}
			srv.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*drainItems), "ns/item")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*drainItems), "cpu-ns/item")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	})

	b.Run("http-only", func(b *testing.B) {
		var cpu time.Duration
		for b.Loop() {
			b.StopTimer()
			emu := sophoscentral.New(sophoscentral.Config{EventsBacklog: drainItems})
			srv := httptest.NewServer(emu)
			client := sophosapi.NewClient(sophosapi.Config{
				ClientID: sophoscentral.DefaultClientID, ClientSecret: sophoscentral.DefaultClientSecret,
				TokenURL: srv.URL + "/api/v2/oauth2/token", GlobalEndpoint: srv.URL,
			}, srv.Client(), sophosapi.Options{})
			tenantID := emu.Tenants()[0].ID
			start := processCPU()
			b.StartTimer()

			req := sophosapi.PageRequest{
				APIHost: srv.URL, TenantID: tenantID, Stream: "events", Limit: 1000,
				FromDate: time.Now().Add(-23 * time.Hour),
			}
			var body bytes.Buffer
			for pages := 0; pages < drainItems/1000; pages++ {
				if _, err := client.SIEMPage(context.Background(), req, &body); err != nil {
					b.Fatal(err)
				}
				req.Cursor = nextCursor(b, body.Bytes())
			}

			b.StopTimer()
			cpu += processCPU() - start
			srv.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*drainItems), "ns/item")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*drainItems), "cpu-ns/item")
	})
}

// nextCursor finds next_cursor without decoding the page, as cheaply as the emulator sends it
// at the start of the body.
func nextCursor(b *testing.B, body []byte) string {
	const key = `"next_cursor":"`
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		b.Fatal("no next_cursor")
	}
	rest := body[i+len(key):]
	return string(rest[:bytes.IndexByte(rest, '"')])
}

// BenchmarkDrainTenants drains a partner account of 500 tenants with 900 events and 100 alerts
// each, at the defaults users get: 10 tenants at once, 10 requests per second per tenant.
// cpu-s counts the whole process, the emulator included; heap-KB/tenant is what the
// receiver holds per tenant once they are drained and waiting for their next poll, and
// peak-heap-MB the whole process's largest heap, the emulator's pools included.
func BenchmarkDrainTenants(b *testing.B) {
	const tenants, events, alerts = 500, 900, 100
	var cpu time.Duration
	var perTenant, peak float64
	for b.Loop() {
		b.StopTimer()
		emu := sophoscentral.New(sophoscentral.Config{
			Identity: "partner", Tenants: manyTenants(tenants),
			EventsBacklog: events, AlertsBacklog: alerts,
		})
		srv := httptest.NewServer(emu)
		cfg := testConfig(srv.URL)
		cfg.PageSize = 1000
		cfg.PollInterval = time.Hour
		next := &counter{done: make(chan struct{}), want: tenants * (events + alerts)}
		r, err := newReceiver(receivertest.NewNopSettings(metadata.Type), cfg, next)
		if err != nil {
			b.Fatal(err)
		}
		// The emulator builds each tenant's pools of hosts and users on first use; build
		// them now, so that the heap measured after the drain is the receiver's.
		for _, tn := range emu.Tenants() {
			emu.Items(tn.ID, "events", 0, 1)
		}
		runtime.GC()
		before := heapInUse()
		used, heap := drain(b, r, next)
		cpu += used
		peak = max(peak, float64(heap))
		runtime.GC()
		perTenant = float64(heapInUse()-before) / tenants
		if err := r.Shutdown(context.Background()); err != nil {
			b.Fatal(err)
		}
		srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(perTenant/1024, "heap-KB/tenant")
	b.ReportMetric(peak/(1<<20), "peak-heap-MB")
}

func heapInUse() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}
