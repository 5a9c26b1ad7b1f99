package sentinelexporter

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/metadatatest"
	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/logsingestion"
)

const (
	eventsStream = "Custom-SophosEPEvents_CL"
	alertsStream = "Custom-SophosEPAlerts_CL"
)

// fixture is the emulator behind a TLS server, with a CA file the exporter trusts.
type fixture struct {
	emu    *logsingestion.Server
	srv    *httptest.Server
	caFile string
	// hook, when set, may answer an ingestion request instead of the emulator.
	hook atomic.Pointer[func(w http.ResponseWriter, r *http.Request, n int) bool]
	// posts counts ingestion requests that reached the server.
	posts atomic.Int64
}

func newFixture(t testing.TB, cfg logsingestion.Config) *fixture {
	t.Helper()
	emu, err := logsingestion.New(cfg)
	require.NoError(t, err)
	f := &fixture{emu: emu}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/dataCollectionRules/") {
			n := int(f.posts.Add(1))
			if h := f.hook.Load(); h != nil && (*h)(w, r, n) {
				return
			}
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		f.srv.Close()
		require.NoError(t, emu.Close())
	})

	f.caFile = filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
	require.NoError(t, os.WriteFile(f.caFile, pemBytes, 0o600))
	return f
}

// setHook makes h answer ingestion requests while it returns true.
func (f *fixture) setHook(h func(w http.ResponseWriter, r *http.Request, n int) bool) {
	f.hook.Store(&h)
}

// config returns an exporter config that sends to the emulator with a client secret, without
// queue and retry so that ConsumeLogs returns what pushLogs returned.
func (f *fixture) config() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = f.srv.URL
	cfg.TLS.CAFile = f.caFile
	cfg.DCRImmutableID = logsingestion.DefaultDCRImmutableID
	cfg.StreamRoutes = []StreamRoute{
		{Attribute: "sophos.stream", Value: "events", StreamName: eventsStream},
		{Attribute: "sophos.stream", Value: "alerts", StreamName: alertsStream},
	}
	cfg.Credential = CredentialConfig{
		Type:          CredentialClientSecret,
		TenantID:      logsingestion.DefaultTenantID,
		ClientID:      logsingestion.DefaultClientID,
		ClientSecret:  logsingestion.DefaultClientSecret,
		Cloud:         CloudPublic,
		AuthorityHost: f.srv.URL + "/",
	}
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.Enabled = false
	return cfg
}

func fastRetry(cfg *Config) {
	cfg.RetryConfig.Enabled = true
	cfg.RetryConfig.InitialInterval = 5 * time.Millisecond
	cfg.RetryConfig.MaxInterval = 20 * time.Millisecond
	cfg.RetryConfig.RandomizationFactor = 0
	cfg.RetryConfig.MaxElapsedTime = 20 * time.Second
}

// startExporter creates and starts a sentinel exporter; tel, when not nil, receives its metrics.
func startExporter(t testing.TB, cfg *Config, tel *componenttest.Telemetry, host component.Host) exporter.Logs {
	t.Helper()
	require.NoError(t, cfg.Validate())
	set := metadatatest.NewSettings(componenttest.NewTelemetry())
	if tel != nil {
		set = metadatatest.NewSettings(tel)
	}
	if host == nil {
		host = componenttest.NewNopHost()
	}
	exp, err := NewFactory().CreateLogs(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), host))
	return exp
}

// sample items of the Sophos SIEM API, from the project's test fixtures.
func sampleItems(t *testing.T, stream string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sophos", stream, "sophos-siem-integration.json"))
	require.NoError(t, err)
	var items []map[string]any
	require.NoError(t, json.Unmarshal(data, &items))
	return items
}

// sophosLogs returns n records shaped as the sophos receiver makes them, ids "<stream>-<i>".
func sophosLogs(t *testing.T, stream string, n int) plog.Logs {
	t.Helper()
	return sophosLogsFrom(t, stream, 0, n)
}

// sophosLogsFrom returns the records of sophosLogs numbered from to from+n-1.
func sophosLogsFrom(t *testing.T, stream string, from, n int) plog.Logs {
	t.Helper()
	items := sampleItems(t, stream)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("sophos.tenant.id", "816f36ee-dd2e-4ccd-bb12-cea766c28ade")
	sl := rl.ScopeLogs().AppendEmpty()
	rnd := rand.New(rand.NewPCG(uint64(n), 7))
	for i := from; i < from+n; i++ {
		rec := sl.LogRecords().AppendEmpty()
		require.NoError(t, rec.Body().SetEmptyMap().FromRaw(items[i%len(items)]))
		id := fmt.Sprintf("%s-%06d", stream, i)
		rec.Body().Map().PutStr("id", id)
		rec.Body().Map().PutStr("name", fmt.Sprintf("item %d on host-%d", i, i%97))
		// Random text, so that rows compress about as much as real ones do.
		rec.Body().Map().PutStr("location", fmt.Sprintf("%016x%016x", rnd.Uint64(), rnd.Uint64()))
		rec.Attributes().PutStr("sophos.stream", stream)
		rec.Attributes().PutStr("log.record.uid", id)
	}
	return ld
}

// ids returns the id column of the rows the emulator stored for a stream.
func ids(f *fixture, stream string) []string {
	var out []string
	for _, r := range f.emu.Rows(stream) {
		id, _ := r["id"].(string)
		out = append(out, id)
	}
	return out
}

func wantIDs(stream string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s-%06d", stream, i))
	}
	return out
}

// hostWith is a host that offers the given extensions.
type hostWith map[component.ID]component.Component

func (h hostWith) GetExtensions() map[component.ID]component.Component { return h }

// sums returns the values of a counter by the value of one attribute ("" for none).
func sums(t *testing.T, tel *componenttest.Telemetry, name, attr string) map[string]int64 {
	t.Helper()
	m, err := tel.GetMetric(name)
	require.NoError(t, err)
	out := map[string]int64{}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		v, _ := dp.Attributes.Value(attribute.Key(attr))
		out[v.String()] += dp.Value
	}
	return out
}
