//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkCollectorDrain drains a backlog of 200,000 events through the built collector, from
// the Sophos Central emulator to the Logs Ingestion emulator, and reports what an operator
// would size a machine by: items per second, CPU seconds of the collector per million items,
// its peak RSS, and the requests Azure would see. The receiver keeps to 10 requests per
// second per stream, as Microsoft's connector does, so one tenant drains at most 10,000 items
// a second: items/s shows that limit, cpu-s/M-items what the collector costs.
func BenchmarkCollectorDrain(b *testing.B) {
	const events = 200_000
	for b.Loop() {
		e := startEmulator(b, "-events-backlog", fmt.Sprint(events), "-alerts-backlog", "0")
		p := newCollectorParams(b, e, b.TempDir())
		cfg := writeConfig(b, p)

		start := time.Now()
		c := startCollector(b, cfg, p.MetricsAddr)
		e.waitRows(b, 5*time.Minute, map[string]int{eventsStream: events})
		elapsed := time.Since(start)
		c.stop(b)

		usage := c.usage(b)
		cpu := time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
		s := e.stats(b)
		requests := s.Requests[eventsStream]

		b.ReportMetric(float64(events)/elapsed.Seconds(), "items/s")
		b.ReportMetric(cpu.Seconds()/(events/1e6), "cpu-s/M-items")
		b.ReportMetric(float64(usage.Maxrss)/1024, "peak-RSS-MiB")
		b.ReportMetric(float64(requests), "requests")
		b.ReportMetric(float64(s.WireBytes[eventsStream])/float64(requests), "bytes/request")
		b.ReportMetric(float64(s.RawBytes[eventsStream])/float64(s.WireBytes[eventsStream]), "gzip-ratio")
	}
}
