// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/time/rate"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/sophoscentral"
	"github.com/otelcol-sophos/otelcol-sophos/internal/storageext/filestoragetest"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/cursor"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/itemlog"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/metadata"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/metadatatest"
)

// waitFor is how long a test waits for the receiver to get somewhere.
const waitFor = 30 * time.Second

var storageID = component.MustNewID("file_storage")

// fakeClock is the emulator's clock, moved only by the test.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// emulator starts a Sophos Central emulator on loopback with a fake clock.
func emulator(t *testing.T, cfg sophoscentral.Config) (*sophoscentral.Server, string, *fakeClock) {
	t.Helper()
	clock := newFakeClock(time.Now().Truncate(time.Second))
	if cfg.Clock == nil {
		cfg.Clock = clock.Now
	}
	if cfg.BacklogSpan == 0 {
		cfg.BacklogSpan = 6 * time.Hour
	}
	emu := sophoscentral.New(cfg)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv.URL, clock
}

func testConfig(url string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.ClientID = sophoscentral.DefaultClientID
	cfg.ClientSecret = sophoscentral.DefaultClientSecret
	cfg.TokenURL = url + "/api/v2/oauth2/token"
	cfg.GlobalEndpoint = url
	cfg.PollInterval = 10 * time.Millisecond
	cfg.PageSize = 200
	cfg.Timeout = 5 * time.Second
	return cfg
}

// storageHost is a component.Host holding one started file_storage extension.
type storageHost struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.exts }

// fileStorage starts the real file_storage extension on dir.
func fileStorage(t *testing.T, dir string) component.Host {
	t.Helper()
	ext := filestoragetest.Start(t, storageID, dir)
	t.Cleanup(func() { assert.NoError(t, ext.Shutdown(context.Background())) })
	return storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{storageID: ext}}
}

// harness is one receiver under test with its telemetry and logs.
type harness struct {
	r    *sophosReceiver
	tel  *componenttest.Telemetry
	logs *observer.ObservedLogs
}

// startReceiver starts a receiver with fast backoff and no request rate limit; tune, when
// given, changes more of its tunables before it starts.
func startReceiver(t *testing.T, cfg *Config, next consumer.Logs, host component.Host,
	tune ...func(*sophosReceiver),
) *harness {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { assert.NoError(t, tel.Shutdown(context.Background())) })
	core, logs := observer.New(zapcore.DebugLevel)
	set := metadatatest.NewSettings(tel)
	set.Logger = zap.New(core)

	r, err := newReceiver(set, cfg, next)
	require.NoError(t, err)
	r.backoff = backoff{base: time.Millisecond, max: 20 * time.Millisecond}
	r.requestRate = rate.Inf
	for _, f := range tune {
		f(r)
	}
	require.NoError(t, r.Start(context.Background(), host))
	h := &harness{r: r, tel: tel, logs: logs}
	t.Cleanup(func() { h.stop(t) })
	return h
}

func (h *harness) stop(t *testing.T) {
	if h.r == nil {
		return
	}
	require.NoError(t, h.r.Shutdown(context.Background()))
	h.r = nil
}

// sum adds up the data points of a metric whose attributes include attrs.
func (h *harness) sum(t *testing.T, name string, attrs map[string]string) float64 {
	t.Helper()
	m, err := h.tel.GetMetric(name)
	if err != nil {
		return 0
	}
	match := func(set attribute.Set) bool {
		for k, v := range attrs {
			if got, ok := set.Value(attribute.Key(k)); !ok || got.AsString() != v {
				return false
			}
		}
		return true
	}
	var total float64
	switch data := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, dp := range data.DataPoints {
			if match(dp.Attributes) {
				total += float64(dp.Value)
			}
		}
	case metricdata.Sum[float64]:
		for _, dp := range data.DataPoints {
			if match(dp.Attributes) {
				total += dp.Value
			}
		}
	}
	return total
}

// seedPosition stores a position as an earlier run of the receiver would have.
func seedPosition(t *testing.T, host component.Host, tenantID, stream string, pos cursor.Position) {
	t.Helper()
	ext := host.GetExtensions()[storageID].(storage.Extension)
	client, err := ext.GetClient(context.Background(), component.KindReceiver,
		component.NewID(metadata.Type), "")
	require.NoError(t, err)
	store := cursor.NewStore(client)
	require.NoError(t, store.Save(context.Background(), tenantID, stream, pos))
	require.NoError(t, store.Close(context.Background()))
}

// recorder is the next consumer: it keeps the ids it took, per tenant and stream, and can
// refuse calls.
type recorder struct {
	mu        sync.Mutex
	ids       map[string][]string // tenant/stream
	resources map[string]map[string]any
	records   []plog.LogRecord
	calls     int
	refuse    func(call int) error
	onCall    func(call int)
}

func newRecorder() *recorder {
	return &recorder{ids: map[string][]string{}, resources: map[string]map[string]any{}}
}

func (c *recorder) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (c *recorder) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.onCall != nil {
		c.onCall(c.calls)
	}
	if c.refuse != nil {
		if err := c.refuse(c.calls); err != nil {
			return err
		}
	}
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		res := rl.Resource().Attributes().AsRaw()
		tenantID := res[itemlog.AttrTenantID].(string)
		c.resources[tenantID] = res
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			recs := rl.ScopeLogs().At(j).LogRecords()
			for k := 0; k < recs.Len(); k++ {
				rec := recs.At(k)
				stream, _ := rec.Attributes().Get(itemlog.AttrStream)
				uid, _ := rec.Attributes().Get(itemlog.AttrUID)
				key := tenantID + "/" + stream.Str()
				c.ids[key] = append(c.ids[key], uid.Str())
				if len(c.records) < 10 {
					kept := plog.NewLogRecord()
					rec.CopyTo(kept)
					c.records = append(c.records, kept)
				}
			}
		}
	}
	return nil
}

func (c *recorder) count(tenantID, stream string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ids[tenantID+"/"+stream])
}

func (c *recorder) got(tenantID, stream string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.ids[tenantID+"/"+stream]...)
}

// wantIDs returns the emulator's ids of items from..to-1 of a stream.
func wantIDs(emu *sophoscentral.Server, tenantID, stream string, from, to int) []string {
	ids := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		ids = append(ids, emu.ItemID(tenantID, stream, i))
	}
	return ids
}

// waitItems waits until the recorder holds n items of a stream, then checks they are
// exactly the emulator's items first..first+n-1, in order: none lost, none repeated.
func waitItems(t *testing.T, rec *recorder, emu *sophoscentral.Server, tenantID, stream string,
	first, n int,
) {
	t.Helper()
	require.Eventually(t, func() bool { return rec.count(tenantID, stream) >= n }, waitFor,
		5*time.Millisecond, "%s/%s: %d of %d items", tenantID, stream, rec.count(tenantID, stream), n)
	assert.Equal(t, wantIDs(emu, tenantID, stream, first, first+n), rec.got(tenantID, stream))
}

func TestFirstRun(t *testing.T) {
	emu, url, _ := emulator(t, sophoscentral.Config{EventsBacklog: 450, AlertsBacklog: 230})
	tenantID := emu.Tenants()[0].ID
	rec := newRecorder()
	cfg := testConfig(url)
	cfg.Storage = &storageID
	h := startReceiver(t, cfg, rec, fileStorage(t, t.TempDir()))

	waitItems(t, rec, emu, tenantID, "events", 0, 450)
	waitItems(t, rec, emu, tenantID, "alerts", 0, 230)
	// The counters move just after the consumer took a page: wait for them as for the items.
	for stream, want := range map[string]float64{"events": 450, "alerts": 230} {
		require.Eventually(t, func() bool {
			return h.sum(t, "otelcol_sophos_items_received", map[string]string{"stream": stream}) == want
		}, waitFor, 5*time.Millisecond, stream)
	}
	assert.GreaterOrEqual(t, h.sum(t, "otelcol_sophos_pages", map[string]string{"stream": "events"}), 3.0)
	assert.Equal(t, 1.0, h.sum(t, "otelcol_sophos_token_requests", map[string]string{"reason": "initial"}))
	lag, err := h.tel.GetMetric("otelcol_sophos_position_lag")
	require.NoError(t, err)
	assert.Len(t, lag.Data.(metricdata.Gauge[float64]).DataPoints, 2, "one lag per stream")

	rec.mu.Lock()
	assert.Equal(t, map[string]any{itemlog.AttrTenantID: tenantID}, rec.resources[tenantID])
	first := rec.records[0]
	rec.mu.Unlock()
	assert.NotZero(t, first.Timestamp())
	assert.NotZero(t, first.ObservedTimestamp())
	assert.NotEmpty(t, first.SeverityText())
	body := first.Body().Map()
	for _, key := range []string{"id", "type", "created_at", "when", "customer_id"} {
		_, ok := body.Get(key)
		assert.True(t, ok, "body keeps %q", key)
	}

	h.stop(t)
	assert.Equal(t, 1, h.logs.FilterMessage("Polling Sophos Central").Len())
	assert.Equal(t, 1, h.logs.FilterMessage("Stopped polling Sophos Central").Len())
	assert.Zero(t, h.logs.FilterLevelExact(zapcore.WarnLevel).Len())
	for _, entry := range h.logs.All() {
		assert.NotContains(t, entry.Message, sophoscentral.DefaultClientSecret)
		for _, f := range entry.Context {
			assert.NotContains(t, f.String, sophoscentral.DefaultClientSecret)
		}
	}
}

func TestRestartResumesFromStoredPosition(t *testing.T) {
	emu, url, clock := emulator(t, sophoscentral.Config{
		EventsBacklog: 500, AlertsBacklog: 300, EventsPerSecond: 10, AlertsPerSecond: 5,
	})
	tenantID := emu.Tenants()[0].ID
	dir := t.TempDir()
	cfg := testConfig(url)
	cfg.Storage = &storageID

	first := newRecorder()
	h := startReceiver(t, cfg, first, fileStorage(t, dir))
	waitItems(t, first, emu, tenantID, "events", 0, 500)
	waitItems(t, first, emu, tenantID, "alerts", 0, 300)
	h.stop(t)

	// While the collector is down, the API gets 30 seconds older: 300 events, 150 alerts.
	clock.Advance(30 * time.Second)
	require.Equal(t, 800, emu.Available(tenantID, "events"))

	second := newRecorder()
	startReceiver(t, cfg, second, fileStorage(t, dir))
	waitItems(t, second, emu, tenantID, "events", 500, 300)
	waitItems(t, second, emu, tenantID, "alerts", 300, 150)
}

func TestInMemoryPositionWithoutStorage(t *testing.T) {
	emu, url, clock := emulator(t, sophoscentral.Config{EventsBacklog: 250, EventsPerSecond: 10})
	tenantID := emu.Tenants()[0].ID
	cfg := testConfig(url)
	cfg.Streams = []string{"events"}
	rec := newRecorder()
	startReceiver(t, cfg, rec, componenttest.NewNopHost())

	waitItems(t, rec, emu, tenantID, "events", 0, 250)
	clock.Advance(10 * time.Second)
	waitItems(t, rec, emu, tenantID, "events", 0, 350)
}

func TestConsumerRefusals(t *testing.T) {
	tests := []struct {
		name        string
		refuse      func(call int) error
		wantFirst   int // first item delivered
		wantDropped float64
	}{
		{
			name: "transient then recovers",
			refuse: func(call int) error {
				if call <= 4 {
					return errors.New("queue is full")
				}
				return nil
			},
		},
		{
			name: "permanent first page is skipped",
			refuse: func(call int) error {
				if call == 1 {
					return consumererror.NewPermanent(errors.New("bad data"))
				}
				return nil
			},
			wantFirst:   200,
			wantDropped: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu, url, _ := emulator(t, sophoscentral.Config{EventsBacklog: 600})
			tenantID := emu.Tenants()[0].ID
			cfg := testConfig(url)
			cfg.Streams = []string{"events"}
			cfg.Storage = &storageID
			rec := newRecorder()
			rec.refuse = tt.refuse
			h := startReceiver(t, cfg, rec, fileStorage(t, t.TempDir()))

			waitItems(t, rec, emu, tenantID, "events", tt.wantFirst, 600-tt.wantFirst)
			assert.Equal(t, tt.wantDropped,
				h.sum(t, "otelcol_sophos_items_dropped", map[string]string{"stream": "events"}))
			// A refused page is read once: retries hand over what was read.
			assert.Equal(t, 600, emu.Stats().ItemsServed[tenantID+"/events"])
		})
	}
}

func TestAPIFaults(t *testing.T) {
	tests := []struct {
		name       string
		fault      sophoscentral.Fault
		onFirst    bool   // the fault hits the first request (from_date) instead of the second (cursor)
		wantStatus string // in otelcol_sophos_api_errors
	}{
		{"429 with Retry-After", sophoscentral.Fault{Kind: sophoscentral.FaultRateLimit, RetryAfter: time.Second}, false, "429"},
		{"429 without Retry-After", sophoscentral.Fault{Kind: sophoscentral.FaultRateLimit, Times: 3}, false, "429"},
		{"500", sophoscentral.Fault{Kind: sophoscentral.FaultStatus, Status: 500, Times: 2}, false, "500"},
		{"503", sophoscentral.Fault{Kind: sophoscentral.FaultStatus, Status: 503}, false, "503"},
		{"400 for a cursor", sophoscentral.Fault{Kind: sophoscentral.FaultStatus, Status: 400}, false, "400"},
		{"400 for a from_date", sophoscentral.Fault{Kind: sophoscentral.FaultStatus, Status: 400}, true, "400"},
		{"slow", sophoscentral.Fault{Kind: sophoscentral.FaultSlow, Delay: time.Minute}, false, "network"},
		{"truncated", sophoscentral.Fault{Kind: sophoscentral.FaultTruncated, Times: 2}, false, "malformed"},
		{"malformed", sophoscentral.Fault{Kind: sophoscentral.FaultMalformed}, true, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu, url, _ := emulator(t, sophoscentral.Config{EventsBacklog: 500})
			tenantID := emu.Tenants()[0].ID
			tt.fault.Endpoint = "events"
			if !tt.onFirst {
				// A fault that waits no time lets the first page through.
				emu.AddFault(sophoscentral.Fault{Endpoint: "events", Kind: sophoscentral.FaultSlow})
			}
			emu.AddFault(tt.fault)
			cfg := testConfig(url)
			cfg.Streams = []string{"events"}
			cfg.Timeout = 300 * time.Millisecond
			rec := newRecorder()
			h := startReceiver(t, cfg, rec, componenttest.NewNopHost())

			waitItems(t, rec, emu, tenantID, "events", 0, 500)
			assert.GreaterOrEqual(t, h.sum(t, "otelcol_sophos_api_errors",
				map[string]string{"endpoint": "events", "status": tt.wantStatus}), 1.0)
		})
	}
}

func TestTokenExpiryWhilePaging(t *testing.T) {
	emu, url, _ := emulator(t, sophoscentral.Config{EventsBacklog: 1000})
	tenantID := emu.Tenants()[0].ID
	cfg := testConfig(url)
	cfg.Streams = []string{"events"}
	rec := newRecorder()
	rec.onCall = func(call int) {
		if call == 2 {
			emu.ExpireTokens()
		}
	}
	h := startReceiver(t, cfg, rec, componenttest.NewNopHost())

	waitItems(t, rec, emu, tenantID, "events", 0, 1000)
	assert.Equal(t, 1.0, h.sum(t, "otelcol_sophos_token_requests", map[string]string{"reason": "unauthorized"}))
	assert.Equal(t, 2, emu.Stats().TokensIssued)
	assert.Zero(t, h.sum(t, "otelcol_sophos_api_errors", nil), "a renewed token hides the 401")
}

func TestStaleStoredPosition(t *testing.T) {
	emu, url, clock := emulator(t, sophoscentral.Config{EventsBacklog: 300})
	tenantID := emu.Tenants()[0].ID
	dir := t.TempDir()
	host := fileStorage(t, dir)

	// A position saved 30 hours ago by the API's clock: 6 hours of it are beyond the window.
	savedAt := clock.Now().Add(-30 * time.Hour)
	seedPosition(t, host, tenantID, "events", cursor.Position{
		Cursor:        emu.CursorAt(tenantID, "events", savedAt),
		SavedAt:       savedAt,
		LastCreatedAt: savedAt.Add(-time.Second),
	})

	cfg := testConfig(url)
	cfg.Streams = []string{"events"}
	cfg.Storage = &storageID
	rec := newRecorder()
	h := startReceiver(t, cfg, rec, host)

	waitItems(t, rec, emu, tenantID, "events", 0, 300)
	assert.Equal(t, 1.0, h.sum(t, "otelcol_sophos_gaps_detected", map[string]string{"stream": "events"}))
	gap := h.sum(t, "otelcol_sophos_gap_duration", map[string]string{"stream": "events"})
	assert.InDelta(t, (6*time.Hour + time.Second).Seconds(), gap, 5)
	warnings := h.logs.FilterMessageSnippet("older than the API's 24 hour window").All()
	require.Len(t, warnings, 1)
	assert.Equal(t, zapcore.WarnLevel, warnings[0].Level)
	assert.Equal(t, 1, emu.Stats().CursorResets)
}

func TestPartnerWithThreeTenants(t *testing.T) {
	tenants := []sophoscentral.Tenant{
		{ID: "aaaaaaaa-0000-4000-8000-000000000001", Name: "Alpha", DataRegion: "eu01"},
		{ID: "aaaaaaaa-0000-4000-8000-000000000002", Name: "Beta", DataRegion: "us03"},
		{ID: "aaaaaaaa-0000-4000-8000-000000000003", Name: "Gamma", DataRegion: "de01"},
	}
	emu, url, _ := emulator(t, sophoscentral.Config{
		Identity: "partner", Tenants: tenants, TenantPageSize: 2,
		EventsBacklog: 220, AlertsBacklog: 40,
	})
	cfg := testConfig(url)
	cfg.Storage = &storageID
	rec := newRecorder()
	startReceiver(t, cfg, rec, fileStorage(t, t.TempDir()))

	for _, tn := range tenants {
		waitItems(t, rec, emu, tn.ID, "events", 0, 220)
		waitItems(t, rec, emu, tn.ID, "alerts", 0, 40)
		rec.mu.Lock()
		assert.Equal(t, map[string]any{
			itemlog.AttrTenantID:   tn.ID,
			itemlog.AttrTenantName: tn.Name,
			itemlog.AttrDataRegion: tn.DataRegion,
		}, rec.resources[tn.ID])
		rec.mu.Unlock()
	}
	assert.Equal(t, 2, emu.Stats().Requests["tenants"], "three tenants on pages of two")
}

func TestTenantSelection(t *testing.T) {
	tenants := []sophoscentral.Tenant{
		{ID: "bbbbbbbb-0000-4000-8000-000000000001"},
		{ID: "bbbbbbbb-0000-4000-8000-000000000002"},
		{ID: "bbbbbbbb-0000-4000-8000-000000000003"},
	}
	tests := []struct {
		name   string
		change func(*Config)
		want   []int // indexes of the tenants polled
	}{
		{"exclude", func(c *Config) { c.Tenants.Exclude = []string{tenants[1].ID} }, []int{0, 2}},
		{"include", func(c *Config) { c.Tenants.Include = []string{tenants[2].ID} }, []int{2}},
		{"tenant_id", func(c *Config) { c.TenantID = tenants[0].ID }, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu, url, _ := emulator(t, sophoscentral.Config{
				Identity: "organization", Tenants: tenants, EventsBacklog: 10,
			})
			cfg := testConfig(url)
			cfg.Streams = []string{"events"}
			tt.change(cfg)
			rec := newRecorder()
			startReceiver(t, cfg, rec, componenttest.NewNopHost())

			for _, i := range tt.want {
				waitItems(t, rec, emu, tenants[i].ID, "events", 0, 10)
			}
			served := emu.Stats().ItemsServed
			for i, tn := range tenants {
				if !slices.Contains(tt.want, i) {
					assert.Zero(t, served[tn.ID+"/events"], "tenant %d", i)
				}
			}
		})
	}
}

func TestExplicitTenantSkipsWhoami(t *testing.T) {
	emu, url, _ := emulator(t, sophoscentral.Config{EventsBacklog: 50})
	tenantID := emu.Tenants()[0].ID
	cfg := testConfig(url)
	cfg.Streams = []string{"events"}
	cfg.TenantID = tenantID
	cfg.APIHost = url
	rec := newRecorder()
	startReceiver(t, cfg, rec, componenttest.NewNopHost())

	waitItems(t, rec, emu, tenantID, "events", 0, 50)
	assert.Zero(t, emu.Stats().Requests["whoami"])
}

func TestStartPositionByTheAPIsClock(t *testing.T) {
	tests := []struct {
		name string
		skew time.Duration // how far the API's clock is ahead of the local one
	}{
		{"API clock ahead", 3 * time.Hour},
		{"API clock behind", -3 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock(time.Now().Add(tt.skew).Truncate(time.Second))
			emu, url, _ := emulator(t, sophoscentral.Config{
				EventsBacklog: 300, BacklogSpan: 23*time.Hour + 30*time.Minute, Clock: clock.Now,
			})
			tenantID := emu.Tenants()[0].ID
			cfg := testConfig(url)
			cfg.Streams = []string{"events"}
			cfg.InitialLookback = 24 * time.Hour
			rec := newRecorder()
			startReceiver(t, cfg, rec, componenttest.NewNopHost())

			// The backlog reaches 23h30m back by the API's clock: all of it, without a 400.
			waitItems(t, rec, emu, tenantID, "events", 0, 300)
			assert.Zero(t, emu.Stats().Statuses[400])
		})
	}
}

// notStorage is an extension that keeps nothing.
type notStorage struct {
	component.StartFunc
	component.ShutdownFunc
}

func TestStartErrors(t *testing.T) {
	nop := componenttest.NewNopHost()
	tests := []struct {
		name    string
		host    component.Host
		wantErr string
	}{
		{"storage extension missing", nop, `storage: extension "file_storage" not found`},
		{
			"not a storage extension",
			storageHost{Host: nop, exts: map[component.ID]component.Component{storageID: notStorage{}}},
			`storage: extension "file_storage" is not a storage extension`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig("http://127.0.0.1:9")
			cfg.Storage = &storageID
			r, err := newReceiver(metadatatest.NewSettings(componenttest.NewTelemetry()), cfg, newRecorder())
			require.NoError(t, err)
			assert.EqualError(t, r.Start(context.Background(), tt.host), tt.wantErr)
			assert.NoError(t, r.Shutdown(context.Background()))
		})
	}
}

func TestBadCredentialsKeepRetrying(t *testing.T) {
	_, url, _ := emulator(t, sophoscentral.Config{EventsBacklog: 10})
	cfg := testConfig(url)
	cfg.ClientSecret = "not-the-secret"
	h := startReceiver(t, cfg, newRecorder(), componenttest.NewNopHost())

	require.Eventually(t, func() bool {
		return h.sum(t, "otelcol_sophos_api_errors", map[string]string{"endpoint": "token", "status": "401"}) >= 3
	}, waitFor, 5*time.Millisecond)
	h.stop(t)
	warnings := h.logs.FilterMessage("Cannot find the Sophos tenants to poll, retrying").All()
	require.NotEmpty(t, warnings)
	for _, w := range warnings {
		assert.NotContains(t, w.ContextMap()["error"], "not-the-secret")
	}
}

func TestShutdownWhileWaiting(t *testing.T) {
	tests := []struct {
		name  string
		fault sophoscentral.Fault
	}{
		{"Retry-After of an hour", sophoscentral.Fault{Endpoint: "events", Kind: sophoscentral.FaultRateLimit, RetryAfter: time.Hour}},
		{"a request that hangs", sophoscentral.Fault{Endpoint: "events", Kind: sophoscentral.FaultSlow, Delay: time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := sophoscentral.New(sophoscentral.Config{EventsBacklog: 10})
			emu.AddFault(tt.fault)
			var asked atomic.Bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/siem/") {
					asked.Store(true)
				}
				emu.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			cfg := testConfig(srv.URL)
			cfg.Streams = []string{"events"}
			cfg.Timeout = time.Hour
			h := startReceiver(t, cfg, newRecorder(), componenttest.NewNopHost())
			require.Eventually(t, asked.Load, waitFor, 5*time.Millisecond)

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			assert.NoError(t, h.r.Shutdown(ctx))
			h.r = nil
		})
	}
}

func TestExcludeTypes(t *testing.T) {
	emu, url, _ := emulator(t, sophoscentral.Config{EventsBacklog: 400})
	tenantID := emu.Tenants()[0].ID
	items := emu.Items(tenantID, "events", 0, 400)
	excluded := items[0]["type"].(string)
	var want []string
	for _, it := range items {
		if it["type"] != excluded {
			want = append(want, it["id"].(string))
		}
	}
	require.Less(t, len(want), 400)

	cfg := testConfig(url)
	cfg.Streams = []string{"events"}
	cfg.ExcludeTypes = []string{excluded}
	cfg.FromDateOffset = 5 * time.Minute
	rec := newRecorder()
	startReceiver(t, cfg, rec, componenttest.NewNopHost())

	require.Eventually(t, func() bool { return rec.count(tenantID, "events") >= len(want) }, waitFor, 5*time.Millisecond)
	assert.Equal(t, want, rec.got(tenantID, "events"))
}

func TestTokenRenewedBeforeItExpires(t *testing.T) {
	emu, url, _ := emulator(t, sophoscentral.Config{EventsBacklog: 10, TokenTTL: 2 * time.Second})
	tenantID := emu.Tenants()[0].ID
	cfg := testConfig(url)
	cfg.Streams = []string{"events"}
	rec := newRecorder()
	h := startReceiver(t, cfg, rec, componenttest.NewNopHost())

	waitItems(t, rec, emu, tenantID, "events", 0, 10)
	require.Eventually(t, func() bool {
		return h.sum(t, "otelcol_sophos_token_requests", map[string]string{"reason": "expiring"}) >= 1
	}, waitFor, 10*time.Millisecond)
	assert.Zero(t, h.sum(t, "otelcol_sophos_token_requests", map[string]string{"reason": "unauthorized"}))
}
