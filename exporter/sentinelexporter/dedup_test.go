package sentinelexporter

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/logsingestion"
	"github.com/otelcol-sophos/otelcol-sophos/internal/storageext/filestoragetest"
)

// countIDs returns how often each id arrived in a stream.
func countIDs(f *fixture, stream string) map[string]int {
	out := map[string]int{}
	for _, id := range ids(f, stream) {
		out[id]++
	}
	return out
}

func TestDeduplicateResentRecords(t *testing.T) {
	tests := []struct {
		name     string
		enabled  bool
		wantRows int
		wantDups int64
	}{
		{"on", true, 150, 100},
		{"off", false, 250, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, logsingestion.Config{})
			cfg := f.config()
			cfg.Deduplicate.Enabled = tt.enabled
			tel := componenttest.NewTelemetry()
			exp := startExporter(t, cfg, tel, nil)

			require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 100)))
			// A receiver hands over the same 100 again, then 50 more.
			require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 150)))
			require.NoError(t, exp.Shutdown(context.Background()))

			assert.Len(t, f.emu.Rows(eventsStream), tt.wantRows)
			assert.Len(t, countIDs(f, eventsStream), 150)
			if tt.enabled {
				assert.Equal(t, map[string]int64{eventsStream: tt.wantDups},
					sums(t, tel, "otelcol_sentinel_records_deduplicated", "stream"))
			}
		})
	}
}

func TestDeduplicateNeedsUID(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	exp := startExporter(t, f.config(), nil, nil)
	ld := sophosLogs(t, "events", 20)
	recs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := range recs.Len() {
		recs.At(i).Attributes().Remove("log.record.uid")
	}

	require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	require.NoError(t, exp.Shutdown(context.Background()))

	assert.Len(t, f.emu.Rows(eventsStream), 40, "records without log.record.uid are all sent")
}

func TestDeduplicateWithinBatch(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	exp := startExporter(t, f.config(), nil, nil)
	ld := sophosLogs(t, "events", 30)
	sophosLogsFrom(t, "events", 10, 30).ResourceLogs().MoveAndAppendTo(ld.ResourceLogs())

	require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	require.NoError(t, exp.Shutdown(context.Background()))

	assert.Equal(t, wantIDs("events", 0, 40), ids(f, eventsStream))
}

// Two batches in flight at once holding the same records (a queue replaying a batch while the
// receiver hands the page over again) send each record once.
func TestDeduplicateConcurrentBatches(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	release := make(chan struct{})
	f.setHook(func(_ http.ResponseWriter, _ *http.Request, n int) bool {
		if n == 1 {
			<-release // hold the first request until the second batch was built
		}
		return false
	})
	cfg := f.config()
	exp := startExporter(t, cfg, nil, nil)

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		assert.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 100)))
	}()
	require.Eventually(t, func() bool { return f.posts.Load() == 1 }, 10*time.Second, time.Millisecond)
	require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 120)))
	close(release)
	wg.Wait()
	require.NoError(t, exp.Shutdown(context.Background()))

	got := countIDs(f, eventsStream)
	assert.Len(t, got, 120)
	for id, n := range got {
		assert.Equal(t, 1, n, id)
	}
}

// A failed request's records are not held back by the ledger: the retry sends them.
func TestDeduplicateReleasesFailedRows(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	f.setHook(func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n != 1 {
			return false
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})
	exp := startExporter(t, f.config(), nil, nil)

	require.Error(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 50)))
	require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 50)))
	require.NoError(t, exp.Shutdown(context.Background()))

	assert.Equal(t, wantIDs("events", 0, 50), ids(f, eventsStream))
}

// The ledger lives beside the persistent queue: after a restart, records accepted before it
// are not sent again.
func TestDeduplicateSurvivesRestart(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	storageID := component.MustNewID("file_storage")
	dir := t.TempDir()
	cfg := f.config()
	queue := exporterhelper.NewDefaultQueueConfig()
	queue.StorageID = &storageID
	queue.Batch = configoptional.None[exporterhelper.BatchConfig]()
	cfg.QueueConfig = configoptional.Some(queue)

	tel := componenttest.NewTelemetry()
	run := func(from, n, wantRows int) {
		storage := filestoragetest.Start(t, storageID, dir)
		exp := startExporter(t, cfg, tel, hostWith{storageID: storage})
		require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogsFrom(t, "events", from, n)))
		require.Eventually(t, func() bool { return len(f.emu.Rows(eventsStream)) >= wantRows },
			10*time.Second, 5*time.Millisecond)
		require.NoError(t, exp.Shutdown(context.Background()))
		require.NoError(t, storage.Shutdown(context.Background()))
	}
	run(0, 200, 200)
	run(150, 100, 250) // 150..199 again, then 200..249

	assert.Equal(t, wantIDs("events", 0, 250), ids(f, eventsStream))
	assert.Equal(t, map[string]int64{eventsStream: 50},
		sums(t, tel, "otelcol_sentinel_records_deduplicated", "stream"))
}
