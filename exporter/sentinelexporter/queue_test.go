package sentinelexporter

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/logsingestion"
	"github.com/otelcol-sophos/otelcol-sophos/internal/storageext/filestoragetest"
)

func TestPersistentQueueSurvivesRestart(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	var refuse atomic.Bool
	refuse.Store(true)
	f.setHook(func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		if !refuse.Load() {
			return false
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})

	storageID := component.MustNewID("file_storage")
	dir := t.TempDir()
	cfg := f.config()
	fastRetry(cfg)
	cfg.RetryConfig.MaxElapsedTime = 0 // retry until shut down
	queue := exporterhelper.NewDefaultQueueConfig()
	queue.StorageID = &storageID
	queue.Batch = configoptional.None[exporterhelper.BatchConfig]()
	cfg.QueueConfig = configoptional.Some(queue)

	// First run: Azure refuses everything; the exporter is shut down with the batch queued.
	storage := filestoragetest.Start(t, storageID, dir)
	exp := startExporter(t, cfg, nil, hostWith{storageID: storage})
	require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 50)))
	require.Eventually(t, func() bool { return f.posts.Load() >= 2 }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, exp.Shutdown(context.Background()))
	require.NoError(t, storage.Shutdown(context.Background()))
	assert.Empty(t, f.emu.Rows(eventsStream))

	// Second run on the same directory: Azure accepts, and the queued rows arrive.
	refuse.Store(false)
	storage = filestoragetest.Start(t, storageID, dir)
	exp = startExporter(t, cfg, nil, hostWith{storageID: storage})
	require.Eventually(t, func() bool { return len(f.emu.Rows(eventsStream)) >= 50 },
		10*time.Second, 5*time.Millisecond)
	require.NoError(t, exp.Shutdown(context.Background()))
	require.NoError(t, storage.Shutdown(context.Background()))

	assert.Equal(t, wantIDs("events", 0, 50), ids(f, eventsStream))
}
