// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package itemlog

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// realPage builds a SIEM page of n items cycled from the real samples, each with its own id.
// The Datadog samples carry an "endpoint" object that Datadog added and the SIEM API does
// not send; enriched keeps it, to show the cost of items twice as large.
func realPage(tb testing.TB, stream string, n int, enriched bool) []byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "..", "testdata", "sophos", stream, "*.json"))
	require.NoError(tb, err)
	var samples []map[string]any
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(tb, err)
		var items []map[string]any
		require.NoError(tb, json.Unmarshal(raw, &items))
		samples = append(samples, items...)
	}
	items := make([]map[string]any, n)
	for i := range items {
		item := map[string]any{}
		for k, v := range samples[i%len(samples)] {
			item[k] = v
		}
		if !enriched {
			delete(item, "endpoint")
		}
		item["id"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		item["created_at"] = time.Date(2026, 12, 3, 0, 0, i, 0, time.UTC).Format("2006-01-02T15:04:05.000Z")
		items[i] = item
	}
	body, err := json.Marshal(map[string]any{"has_more": true, "next_cursor": "c", "items": items})
	require.NoError(tb, err)
	return body
}

// BenchmarkPageToLogs measures turning one page of 1,000 real items into log records.
func BenchmarkPageToLogs(b *testing.B) {
	for _, stream := range []string{"events", "alerts"} {
		body := realPage(b, stream, 1000, false)
		enriched := realPage(b, stream, 1000, true)
		b.Run(stream+"/streaming", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				recs := plog.NewLogRecordSlice()
				if _, err := DecodePage(body, stream, time.Now(), recs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/item")
			b.ReportMetric(float64(cpu.stop().Nanoseconds())/float64(b.N*1000), "cpu-ns/item")
		})
		b.Run(stream+"/streaming-enriched", func(b *testing.B) {
			b.SetBytes(int64(len(enriched)))
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				recs := plog.NewLogRecordSlice()
				if _, err := DecodePage(enriched, stream, time.Now(), recs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/item")
			b.ReportMetric(float64(cpu.stop().Nanoseconds())/float64(b.N*1000), "cpu-ns/item")
		})
		// The obvious alternative, kept to show what the streaming decoder saves.
		b.Run(stream+"/unmarshal+FromRaw", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var page struct {
					HasMore    bool             `json:"has_more"`
					NextCursor string           `json:"next_cursor"`
					Items      []map[string]any `json:"items"`
				}
				if err := json.Unmarshal(body, &page); err != nil {
					b.Fatal(err)
				}
				recs := plog.NewLogRecordSlice()
				for _, item := range page.Items {
					rec := recs.AppendEmpty()
					if err := rec.Body().SetEmptyMap().FromRaw(item); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/item")
		})
	}
}

// cpuTimer measures the CPU time of the whole process, garbage collection included, which
// on a shared machine says more than the wall clock.
type cpuTimer struct{ start time.Duration }

func startCPU() cpuTimer { return cpuTimer{start: processCPU()} }

func (c cpuTimer) stop() time.Duration { return processCPU() - c.start }

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
