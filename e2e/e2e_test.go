//go:build e2e

package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-sophos/otelcol-sophos/internal/dcr"
)

// TestDelivery drains a backlog of two tenants and checks that every item arrived exactly
// once, with its fields intact and valid against Microsoft's DCR stream declarations.
func TestDelivery(t *testing.T) {
	const tenants, events, alerts = 2, 25_000, 2_500
	e := startEmulator(t, "-identity", "partner", "-tenants", fmt.Sprint(tenants),
		"-events-backlog", fmt.Sprint(events), "-alerts-backlog", fmt.Sprint(alerts))
	p := newCollectorParams(t, e, t.TempDir())
	c := startCollector(t, writeConfig(t, p), p.MetricsAddr)

	want := map[string]int{eventsStream: tenants * events, alertsStream: tenants * alerts}
	e.waitRows(t, 5*time.Minute, want)
	c.stop(t)

	declared := dcr.Sophos()
	for stream, n := range want {
		rows := e.rows(t, stream)
		ids := countIDs(rows)
		assert.Len(t, ids, n, "%s: distinct items", stream)
		assert.Len(t, rows, n, "%s: rows (a difference is duplicates)", stream)
		checkRowsValid(t, declared[stream], rows)
		checkFieldsIntact(t, e, stream, rows, tenants)
	}
	s := e.stats(t)
	t.Logf("delivered %v rows in %v requests; largest request %d bytes", s.Rows, s.Requests, s.MaxWireBytes)
}

// checkRowsValid checks each row against the stream declaration the way the table would.
func checkRowsValid(t *testing.T, decl dcr.Stream, rows []map[string]any) {
	t.Helper()
	bad := 0
	for _, row := range rows {
		for col, v := range row {
			typ, ok := decl.Lookup(col)
			if !ok || v == nil {
				bad += boolToInt(!ok)
				continue
			}
			if !valueFits(typ, v) {
				bad++
			}
		}
	}
	assert.Zero(t, bad, "%s: cells that do not fit the DCR declaration", decl.Name)
}

func valueFits(typ string, v any) bool {
	switch typ {
	case dcr.TypeString:
		_, ok := v.(string)
		return ok
	case dcr.TypeBoolean:
		_, ok := v.(bool)
		return ok
	case dcr.TypeDatetime:
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := time.Parse(time.RFC3339Nano, s)
		return err == nil
	case dcr.TypeInt, dcr.TypeLong, dcr.TypeReal:
		_, ok := v.(float64)
		return ok
	}
	return true
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkFieldsIntact asks the emulator for the items it served and compares every declared
// column with what arrived: values equal, times the same instant.
func checkFieldsIntact(t *testing.T, e *emulator, stream string, rows []map[string]any, tenants int) {
	t.Helper()
	byTenant := map[string]int{}
	for _, r := range rows {
		id, _ := r["customer_id"].(string)
		byTenant[id]++
	}
	require.Len(t, byTenant, tenants, "%s: tenants seen", stream)

	sophosStream := map[string]string{eventsStream: "events", alertsStream: "alerts"}[stream]
	got := make(map[string]map[string]any, len(rows))
	for _, r := range rows {
		got[r["id"].(string)] = r
	}
	var items []map[string]any
	for tenantID, n := range byTenant {
		for from := 0; from < n; from += 5000 {
			items = append(items, e.items(t, tenantID, sophosStream, from, min(5000, n-from))...)
		}
	}
	decl := dcr.Sophos()[stream]
	mismatches := 0
	for _, item := range items {
		row, ok := got[item["id"].(string)]
		if !assert.True(t, ok, "item %v missing", item["id"]) {
			return
		}
		for _, col := range decl.Columns {
			if sameValue(col.Type, item[col.Name], row[col.Name]) {
				continue
			}
			if mismatches < 5 {
				t.Errorf("%s %v column %s: sent %#v, arrived %#v",
					stream, item["id"], col.Name, item[col.Name], row[col.Name])
			}
			mismatches++
		}
	}
	assert.Zero(t, mismatches, "%s: cells changed on the way", stream)
}

// sameValue reports whether a value Sophos sent arrived unchanged in a column of type typ.
func sameValue(typ string, sent, arrived any) bool {
	if typ != dcr.TypeDatetime || sent == nil || arrived == nil {
		return assert.ObjectsAreEqualValues(sent, arrived)
	}
	s, okS := sent.(string)
	a, okA := arrived.(string)
	if !okS || !okA {
		return false
	}
	ts, errS := time.Parse(time.RFC3339Nano, s)
	ta, errA := time.Parse(time.RFC3339Nano, a)
	return errS == nil && errA == nil && ts.Equal(ta)
}

// TestCrashRecovery kills the collector with SIGKILL at random moments while it drains a
// backlog, restarts it on the same storage, and checks that every item arrived, with
// duplicates within one page per stream per crash.
func TestCrashRecovery(t *testing.T) {
	const events, alerts, crashes, pageSize = 100_000, 6_000, 6, 1000
	e := startEmulator(t, "-events-backlog", fmt.Sprint(events), "-alerts-backlog", fmt.Sprint(alerts))
	storage := t.TempDir()
	p := newCollectorParams(t, e, storage)
	// Requests of about 500 rows, fewer than a page: the rows of a request in flight at a crash
	// (sent, and taken by Azure, but not answered before the kill) are the duplicates nothing
	// can prevent, and here they stay under a page. Each batch of the queue is then many
	// requests long, so that crashes also land between two requests of one batch.
	p.ExporterExtra = "max_request_bytes: 65536"
	cfg := writeConfig(t, p)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))

	midDrain := 0
	for i := 0; i < crashes; i++ {
		before := e.stats(t).Rows[eventsStream]
		c := startCollector(t, cfg, p.MetricsAddr)
		if i%2 == 0 {
			// A random moment, so that crashes land in every phase: reading pages, queueing,
			// sending, storing positions.
			time.Sleep(time.Duration(300+rng.IntN(1700)) * time.Millisecond)
		} else {
			// The worst moment: just after Azure accepted a request, while the rest of its
			// batch is still being sent and the queue has not yet marked the batch done.
			e.waitRows(t, 2*time.Minute, map[string]int{eventsStream: min(before+1, events)})
		}
		c.kill()
		rows := e.stats(t).Rows
		if rows[eventsStream] < events || rows[alertsStream] < alerts {
			midDrain++
		}
		t.Logf("crash %d: killed after %d event rows, %d alert rows", i+1, rows[eventsStream], rows[alertsStream])
	}
	require.GreaterOrEqual(t, midDrain, 5, "crashes while the backlog was draining")
	c := startCollector(t, cfg, p.MetricsAddr)
	e.waitRows(t, 3*time.Minute, map[string]int{eventsStream: events, alertsStream: alerts})
	// Let anything still queued drain before judging duplicates.
	waitQuiet(t, e)
	c.stop(t)

	for stream, n := range map[string]int{eventsStream: events, alertsStream: alerts} {
		rows := e.rows(t, stream)
		ids := countIDs(rows)
		dups := len(rows) - len(ids)
		assert.Len(t, ids, n, "%s: every item arrived", stream)
		t.Logf("%s: %d items, %d rows, %d duplicates after %d crashes", stream, n, len(rows), dups, crashes)
		fmt.Printf("crash figures: %s items=%d rows=%d duplicates=%d crashes=%d\n",
			stream, n, len(rows), dups, crashes)
		assert.LessOrEqual(t, dups, crashes*pageSize, "%s: duplicates stay within one page per crash", stream)
	}
}

// waitQuiet waits until the emulator's row counts stop moving for two seconds.
func waitQuiet(t *testing.T, e *emulator) {
	t.Helper()
	last, stable := fmt.Sprint(e.stats(t).Rows), 0
	for stable < 10 {
		time.Sleep(200 * time.Millisecond) // polling an external process
		now := fmt.Sprint(e.stats(t).Rows)
		if now == last {
			stable++
		} else {
			stable, last = 0, now
		}
	}
}

// TestOutage runs through a Logs Ingestion outage (503s, then 429s) and Sophos 429 and 500
// bursts: nothing is lost, memory stays bounded and the collector catches up.
func TestOutage(t *testing.T) {
	const events, alerts = 20_000, 2_000
	e := startEmulator(t, "-events-backlog", fmt.Sprint(events), "-alerts-backlog", fmt.Sprint(alerts),
		"-fault", "ingest:503:40", "-fault", "ingest:429:20:1s",
		"-fault", "sophos/events:429:5", "-fault", "sophos/events:500:10", "-fault", "sophos/alerts:429:3:1s")
	p := newCollectorParams(t, e, t.TempDir())
	c := startCollector(t, writeConfig(t, p), p.MetricsAddr)

	e.waitRows(t, 4*time.Minute, map[string]int{eventsStream: events, alertsStream: alerts})
	waitQuiet(t, e)
	rss := c.peakRSSMiB(t)
	c.stop(t)

	s := e.stats(t)
	assert.Equal(t, 40, s.Statuses[503], "the 503 outage was served")
	assert.Equal(t, 20, s.Statuses[429], "the throttling was served")
	for stream, n := range map[string]int{eventsStream: events, alertsStream: alerts} {
		assert.Len(t, countIDs(e.rows(t, stream)), n, "%s: every item arrived", stream)
	}
	t.Logf("outage: peak RSS %.0f MiB; responses %v", rss, s.Statuses)
	assert.Less(t, rss, 400.0, "collector peak RSS in MiB")
}

// TestStalePosition stops the collector for more than a day: the stored position is older
// than Sophos keeps, so the collector warns with the size of the gap, counts it, and goes on.
func TestStalePosition(t *testing.T) {
	e := startEmulator(t, "-events-backlog", "3000", "-alerts-backlog", "300")
	p := newCollectorParams(t, e, t.TempDir())
	cfg := writeConfig(t, p)

	c := startCollector(t, cfg, p.MetricsAddr)
	e.waitRows(t, 2*time.Minute, map[string]int{eventsStream: 3000, alertsStream: 300})
	c.stop(t)

	e.advanceSophosClock(t, 26*time.Hour)
	c = startCollector(t, cfg, p.MetricsAddr)
	if !assert.Eventually(t, func() bool {
		return strings.Contains(c.out.String(), "older than the API's 24 hour window")
	}, time.Minute, 100*time.Millisecond) {
		t.Fatalf("no gap warning in the collector log:\n%s", c.out.String())
	}
	if !assert.Eventually(t, func() bool {
		return c.metric(t, "otelcol_sophos_gaps_detected") > 0
	}, time.Minute, 250*time.Millisecond) {
		t.Fatalf("gap metric not reported; log:\n%s", c.out.String())
	}
	require.NoError(t, c.cmd.Process.Signal(syscall.Signal(0)), "collector stopped after the gap")
	c.stop(t)
}

// TestBadConfiguration checks that a broken configuration stops the binary at start with a
// message that names the key at fault.
func TestBadConfiguration(t *testing.T) {
	e := startEmulator(t)
	tests := []struct {
		name    string
		edit    func(string) string
		env     []string
		wantKey string
	}{
		{
			name: "missing secret",
			edit: func(c string) string {
				return strings.Replace(c, "client_secret: emulator-client-secret", "client_secret: ${env:SOPHOS_SECRET_NOT_SET}", 1)
			},
			wantKey: "client_secret",
		},
		{
			name:    "unknown key",
			edit:    func(c string) string { return strings.Replace(c, "poll_interval: 1s", "poll_intervall: 1s", 1) },
			wantKey: "poll_intervall",
		},
		{
			name: "malformed endpoint",
			edit: func(c string) string {
				return strings.Replace(c, "endpoint: https://"+e.ingestAddr, "endpoint: htps//not a url", 1)
			},
			wantKey: "endpoint",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newCollectorParams(t, e, t.TempDir())
			path := writeConfig(t, p)
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			edited := tt.edit(string(raw))
			require.NotEqual(t, string(raw), edited, "the edit applied")
			bad := filepath.Join(t.TempDir(), "bad.yaml")
			require.NoError(t, os.WriteFile(bad, []byte(edited), 0o600))

			cmd := exec.Command(*collectorBin, "--config", bad)
			cmd.Env = append(os.Environ(), tt.env...)
			done := make(chan struct{})
			var out []byte
			go func() { out, err = cmd.CombinedOutput(); close(done) }()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("collector kept running with a bad configuration")
			}
			require.Error(t, err, "exit status")
			assert.NotZero(t, cmd.ProcessState.ExitCode())
			assert.Contains(t, string(out), tt.wantKey)
			assert.NotContains(t, string(out), "emulator-client-secret")
		})
	}
}

// TestShippedConfigurations checks that the configurations in config/ load and validate in
// the built collector, with the environment variables their comments name.
func TestShippedConfigurations(t *testing.T) {
	env := []string{
		"SOPHOS_CLIENT_ID=id", "SOPHOS_CLIENT_SECRET=secret",
		"AZURE_TENANT_ID=00000000-0000-0000-0000-0000000000aa", "AZURE_CLIENT_ID=app",
		"AZURE_CLIENT_SECRET=azure-secret",
		"SENTINEL_DCE_ENDPOINT=https://my-dce-abcd.westeurope-1.ingest.monitor.azure.com",
		"SENTINEL_DCR_ID=dcr-00000000000000000000000000000000",
		"OTELCOL_SOPHOS_STORAGE=" + t.TempDir(),
		"OTLP_ENDPOINT=localhost:4317", "OTLP_INSECURE=true",
		"SHARD_INDEX=2", "SHARD_COUNT=3",
	}
	tests := []struct {
		name, file string
		env        []string
		wantErr    string // "" when the configuration is valid
	}{
		{"demo.yaml", "demo.yaml", env, ""},
		{"sentinel.yaml", "sentinel.yaml", env, ""},
		{"fanout.yaml", "fanout.yaml", env, ""},
		{"sharded.yaml", "sharded.yaml", env, ""},
		{"sentinel.yaml without its secrets", "sentinel.yaml", nil, "client_secret: must be set"},
		{
			"sharded.yaml with an index beyond the count", "sharded.yaml",
			append(env, "SHARD_INDEX=3"), "tenants.shard.index",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(*collectorBin, "validate", "--config", filepath.Join("..", "config", tt.file))
			cmd.Env = append(os.Environ(), tt.env...)
			out, err := cmd.CombinedOutput()
			if tt.wantErr == "" {
				assert.NoError(t, err, "%s", out)
				return
			}
			require.Error(t, err)
			assert.Contains(t, string(out), tt.wantErr)
		})
	}
}
