package sentinelexporter

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/ledger"
	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/metadata"
	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/packer"
	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/logsingestion"
	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/sophoscentral"
)

const benchEvents = 100_000

var benchLogs = sync.OnceValue(func() plog.Logs {
	emu := sophoscentral.New(sophoscentral.Config{})
	tenant := emu.Tenants()[0]
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("sophos.tenant.id", tenant.ID)
	sl := rl.ScopeLogs().AppendEmpty()
	for _, item := range emu.Items(tenant.ID, "events", 0, benchEvents) {
		rec := sl.LogRecords().AppendEmpty()
		if err := rec.Body().SetEmptyMap().FromRaw(item); err != nil {
			panic(err)
		}
		rec.Attributes().PutStr("sophos.stream", "events")
	}
	return ld
})

// benchLogsWithUID are benchLogs with the log.record.uid the sophos receiver sets.
var benchLogsWithUID = sync.OnceValue(func() plog.Logs {
	ld := plog.NewLogs()
	benchLogs().CopyTo(ld)
	recs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := range recs.Len() {
		id, _ := recs.At(i).Body().Map().Get("id")
		recs.At(i).Attributes().PutStr("log.record.uid", id.Str())
	}
	return ld
})

// BenchmarkRowsAndPacking measures what the exporter does with 100,000 Sophos events before
// the network: routing, row building with schema coercion, JSON encoding and gzip packing.
// MB/s is row JSON per second; requests/op and wireKiB/req say how well the requests fill.
func BenchmarkRowsAndPacking(b *testing.B) {
	for _, level := range []int{1, defaultGzipLevel, 5, 6} {
		b.Run(fmt.Sprintf("gzip-%d", level), func(b *testing.B) {
			benchmarkPacking(b, true, level)
		})
	}
	b.Run("none", func(b *testing.B) { benchmarkPacking(b, false, 0) })
	b.Run(fmt.Sprintf("gzip-%d-deduplicate", defaultGzipLevel), func(b *testing.B) {
		benchmarkPacking(b, true, defaultGzipLevel)
	})
}

func benchmarkPacking(b *testing.B, gzip bool, level int) {
	ld := benchLogs()
	cfg := createDefaultConfig().(*Config)
	cfg.StreamRoutes = []StreamRoute{{Attribute: "sophos.stream", Value: "events", StreamName: eventsStream}}
	exp, err := newExporter(cfg, exportertest.NewNopSettings(metadata.Type))
	require.NoError(b, err)
	dedup := strings.HasSuffix(b.Name(), "-deduplicate")
	if dedup {
		// Every record is claimed, and each request's keys accepted as if Azure took them; a
		// fresh ledger each round, so that nothing is left out.
		ld = benchLogsWithUID()
	}
	p, err := packer.New(gzip, level)
	require.NoError(b, err)

	var requests, wire, raw, maxWire int
	b.ReportAllocs()
	cpuStart := cpuTime()
	for b.Loop() {
		requests, wire, raw, maxWire = 0, 0, 0, 0
		if dedup {
			exp.ledger, err = ledger.Open(context.Background(), nil, cfg.Deduplicate.Window)
			require.NoError(b, err)
		}
		batch := exp.buildBatch(context.Background(), ld)
		s := batch.streams[0]
		err := p.Pack(&s.rows, 0, s.rows.Len(), MaxRequestBytes, func(r packer.Request) error {
			exp.remember(context.Background(), s, r)
			requests++
			wire += len(r.Body)
			raw += r.RawBytes
			maxWire = max(maxWire, len(r.Body))
			return nil
		})
		require.NoError(b, err)
		batch.release()
	}
	cpu := cpuTime() - cpuStart
	b.SetBytes(int64(raw))
	b.ReportMetric(float64(raw)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(wire)/float64(requests)/1024, "wireKiB/req")
	b.ReportMetric(float64(maxWire), "maxWireBytes")
	b.ReportMetric(float64(raw)/float64(wire), "ratio")
}

// cpuTime returns the CPU time this process used so far, user and system: with other work on
// the machine, throughput per CPU-second is steadier than per second of wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkExportToEmulator sends the 100,000 events through the exporter to the Logs
// Ingestion emulator over TLS, as in production but on loopback. The emulator's own decoding
// shares the CPU, so its MB/s says little; requests/op and maxWireBytes are what Azure would see.
func BenchmarkExportToEmulator(b *testing.B) {
	ld := benchLogs()
	f := newFixture(b, logsingestion.Config{})
	cfg := f.config()
	cfg.StreamRoutes = []StreamRoute{{Attribute: "sophos.stream", Value: "events", StreamName: eventsStream}}
	exp := startExporter(b, cfg, nil, nil)
	defer func() { require.NoError(b, exp.Shutdown(context.Background())) }()

	for b.Loop() {
		require.NoError(b, exp.ConsumeLogs(context.Background(), ld))
	}
	stats := f.emu.Stats()
	b.SetBytes(stats.RawBytes[eventsStream] / int64(b.N))
	b.ReportMetric(float64(stats.Requests[eventsStream])/float64(b.N), "requests/op")
	b.ReportMetric(float64(stats.MaxWireBytes), "maxWireBytes")
	b.ReportMetric(float64(stats.WireBytes[eventsStream])/float64(stats.Requests[eventsStream])/1024, "wireKiB/req")
}
