package sentinelexporter

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelcol-sophos/otelcol-sophos/internal/dcr"
	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/logsingestion"
)

func TestExportSophosStreams(t *testing.T) {
	for _, compression := range []configcompression.Type{configcompression.TypeGzip, "none"} {
		t.Run(string(compression), func(t *testing.T) {
			f := newFixture(t, logsingestion.Config{})
			cfg := f.config()
			cfg.Compression = compression
			tel := componenttest.NewTelemetry()
			exp := startExporter(t, cfg, tel, nil)

			ld := sophosLogs(t, "events", 300)
			alerts := sophosLogs(t, "alerts", 40)
			alerts.ResourceLogs().MoveAndAppendTo(ld.ResourceLogs())
			require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
			require.NoError(t, exp.Shutdown(context.Background()))

			assert.Equal(t, wantIDs("events", 0, 300), ids(f, eventsStream))
			assert.Equal(t, wantIDs("alerts", 0, 40), ids(f, alertsStream))
			for _, rec := range f.emu.RequestLog() {
				assert.Equal(t, compression == configcompression.TypeGzip, rec.Gzip)
				assert.NotEmpty(t, rec.ClientRequestID)
			}

			event := f.emu.Rows(eventsStream)[0]
			assert.Equal(t, "2019-04-01T15:11:09.759Z", event["when"])
			assert.Equal(t, map[string]any{"ip": "10.1.39.32"}, event["source_info"])
			assert.Empty(t, f.emu.Stats().Dropped, "the exporter leaves undeclared columns out itself")

			assert.Equal(t, map[string]int64{eventsStream: 300, alertsStream: 40},
				sums(t, tel, "otelcol_sentinel_rows_sent", "stream"))
		})
	}
}

func TestExportStatuses(t *testing.T) {
	tests := []struct {
		name      string
		fault     *logsingestion.Fault
		emu       logsingestion.Config
		modify    func(*Config)
		permanent bool
		retry     bool
		contains  []string
	}{
		{name: "accepted"},
		{name: "endpoint with a trailing slash", modify: func(c *Config) { c.Endpoint += "/" }},
		{
			name:     "429 honours Retry-After",
			fault:    &logsingestion.Fault{Kind: logsingestion.FaultThrottle, RetryAfter: 7 * time.Second},
			retry:    true,
			contains: []string{"HTTP 429", "Throttle (7s)"},
		},
		{name: "500", fault: &logsingestion.Fault{Kind: logsingestion.FaultStatus, Status: 500}, retry: true},
		{name: "502", fault: &logsingestion.Fault{Kind: logsingestion.FaultStatus, Status: 502}, retry: true},
		{name: "503", fault: &logsingestion.Fault{Kind: logsingestion.FaultStatus, Status: 503}, retry: true},
		{name: "504", fault: &logsingestion.Fault{Kind: logsingestion.FaultStatus, Status: 504}, retry: true},
		{
			name:     "network error",
			fault:    &logsingestion.Fault{Kind: logsingestion.FaultDropConnection},
			retry:    true,
			contains: []string{"x-ms-client-request-id"},
		},
		{
			name:      "403 missing role",
			fault:     &logsingestion.Fault{Kind: logsingestion.FaultStatus, Status: 403},
			permanent: true,
			contains:  []string{"HTTP 403", "x-ms-client-request-id", "x-ms-request-id"},
		},
		{
			name:      "404 wrong DCR",
			modify:    func(c *Config) { c.DCRImmutableID = "dcr-ffffffffffffffffffffffffffffffff" },
			permanent: true,
			contains:  []string{"HTTP 404", `x-ms-error-code "InvalidDataCollectionRule`},
		},
		{
			name: "404 unknown stream",
			modify: func(c *Config) {
				c.StreamRoutes = nil
				c.StreamName = "Custom-Unknown_CL"
			},
			permanent: true,
			contains:  []string{"HTTP 404", "InvalidStream"},
		},
		{
			name: "400 schema",
			emu: logsingestion.Config{Streams: map[string]dcr.Stream{
				"Custom-Typed_CL": {Name: "Custom-Typed_CL", Columns: []dcr.Column{{Name: "when", Type: dcr.TypeBoolean}}},
			}},
			modify: func(c *Config) {
				// The exporter knows no schema for this stream and sends the body as it is.
				c.StreamRoutes = nil
				c.StreamName = "Custom-Typed_CL"
			},
			permanent: true,
			contains:  []string{"HTTP 400", "InvalidContent"},
		},
		{
			name:      "wrong client secret",
			modify:    func(c *Config) { c.Credential.ClientSecret = "wrong" },
			permanent: true,
			contains:  []string{"AADSTS7000215"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.emu)
			cfg := f.config()
			if tt.modify != nil {
				tt.modify(cfg)
			}
			exp := startExporter(t, cfg, nil, nil)
			defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
			if tt.fault != nil {
				f.emu.AddFault(*tt.fault)
			}

			err := exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 20))

			if !tt.permanent && !tt.retry {
				require.NoError(t, err)
				assert.Len(t, f.emu.Rows(eventsStream), 20)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.permanent, consumererror.IsPermanent(err), "permanent: %v", err)
			for _, c := range tt.contains {
				assert.Contains(t, err.Error(), c)
			}
			assert.NotContains(t, err.Error(), "emulator-secret")
			if tt.retry {
				var failed consumererror.Logs
				require.ErrorAs(t, err, &failed)
				assert.Equal(t, 20, failed.Data().LogRecordCount())
			}
		})
	}
}

func TestExportRetriesOnlyFailedRequests(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	// The second request of the batch fails once; the first was accepted and must not come again.
	f.setHook(func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n != 2 {
			return false
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})
	cfg := f.config()
	cfg.MaxRequestBytes = 8192
	fastRetry(cfg)
	exp := startExporter(t, cfg, nil, nil)

	require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 1500)))
	require.NoError(t, exp.Shutdown(context.Background()))

	assert.Equal(t, wantIDs("events", 0, 1500), ids(f, eventsStream), "every row once, in order")
	assert.Greater(t, f.posts.Load(), int64(3))
}

func TestExportReturnsOnlyUnsentRows(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	f.setHook(func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n < 3 {
			return false
		}
		w.WriteHeader(http.StatusInternalServerError)
		return true
	})
	cfg := f.config()
	cfg.MaxRequestBytes = 8192
	exp := startExporter(t, cfg, nil, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	err := exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 1500))

	var failed consumererror.Logs
	require.ErrorAs(t, err, &failed)
	sent := len(f.emu.Rows(eventsStream))
	require.Positive(t, sent)
	assert.Equal(t, int64(3), f.posts.Load(), "no request after the failed one")
	assert.Equal(t, 1500-sent, failed.Data().LogRecordCount())
	first := failed.Data().ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	uid, _ := first.Attributes().Get("log.record.uid")
	assert.Equal(t, wantIDs("events", sent, sent+1)[0], uid.Str())
}

func TestExportSplitsOn413(t *testing.T) {
	// Azure's limit is smaller than the exporter believes: requests are split until they fit.
	f := newFixture(t, logsingestion.Config{MaxBodyBytes: 6000})
	cfg := f.config()
	exp := startExporter(t, cfg, nil, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 500)))

	assert.Equal(t, wantIDs("events", 0, 500), ids(f, eventsStream))
	assert.Positive(t, f.emu.Stats().Statuses[http.StatusRequestEntityTooLarge])
}

func TestExportRowTooLarge(t *testing.T) {
	f := newFixture(t, logsingestion.Config{MaxBodyBytes: 300})
	cfg := f.config()
	cfg.Compression = "none"
	tel := componenttest.NewTelemetry()
	exp := startExporter(t, cfg, tel, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	err := exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 2))

	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err))
	assert.Equal(t, map[string]int64{eventsStream: 2},
		sums(t, tel, "otelcol_sentinel_rows_too_large", "stream"))
}

func TestExportRenewsExpiredToken(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	exp := startExporter(t, f.config(), nil, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 5)))
	f.emu.ExpireTokens()
	require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogsFrom(t, "events", 5, 5)))

	assert.Equal(t, 2, f.emu.Stats().TokensIssued)
	assert.Equal(t, 1, f.emu.Stats().Statuses[http.StatusUnauthorized])
	assert.Len(t, f.emu.Rows(eventsStream), 10)
}

func TestExportUnroutedRecords(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	tel := componenttest.NewTelemetry()
	exp := startExporter(t, f.config(), tel, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	ld := sophosLogs(t, "events", 3)
	ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(1).Attributes().PutStr("sophos.stream", "other")
	err := exp.ConsumeLogs(context.Background(), ld)

	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err))
	assert.Len(t, f.emu.Rows(eventsStream), 2)
	assert.Equal(t, map[string]int64{"": 1}, sums(t, tel, "otelcol_sentinel_records_unrouted", ""))
}

func TestExportCountsDroppedColumns(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	tel := componenttest.NewTelemetry()
	exp := startExporter(t, f.config(), tel, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	ld := sophosLogs(t, "events", 2)
	ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body().Map().PutStr("not_a_column", "x")
	require.NoError(t, exp.ConsumeLogs(context.Background(), ld))

	assert.Equal(t, map[string]int64{"not_a_column": 1},
		sums(t, tel, "otelcol_sentinel_columns_dropped", "column"))
}

func TestExportWaitsOutThrottling(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	f.emu.AddFault(logsingestion.Fault{Kind: logsingestion.FaultThrottle, RetryAfter: time.Second})
	cfg := f.config()
	fastRetry(cfg)
	tel := componenttest.NewTelemetry()
	exp := startExporter(t, cfg, tel, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 30)))

	assert.Equal(t, wantIDs("events", 0, 30), ids(f, eventsStream))
	m, err := tel.GetMetric("otelcol_sentinel_throttled_time")
	require.NoError(t, err)
	assert.InDelta(t, 1.0, m.Data.(metricdata.Sum[float64]).DataPoints[0].Value, 0)
}
