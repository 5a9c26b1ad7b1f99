//go:build e2e

// Package e2e runs the built otelcol-sophos binary between the two emulators, as real
// processes, and checks what a user would see arrive in Sentinel. Run it with `make e2e`.
package e2e

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/logsingestion"
)

var (
	collectorBin = flag.String("collector", "../dist/otelcol-sophos", "the built collector")
	emulatorBin  = flag.String("emulator", "../bin/emulator", "the built emulator")
)

const (
	eventsStream = "Custom-SophosEPEvents_CL"
	alertsStream = "Custom-SophosEPAlerts_CL"
)

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// emulator is a running cmd/emulator process.
type emulator struct {
	cmd        *exec.Cmd
	out        *syncBuffer
	dir        string
	sophosAddr string
	ingestAddr string
	client     *http.Client
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func startEmulator(t testing.TB, args ...string) *emulator {
	t.Helper()
	e := &emulator{
		out:        &syncBuffer{},
		dir:        t.TempDir(),
		sophosAddr: freeAddr(t),
		ingestAddr: freeAddr(t),
	}
	all := append([]string{
		"-dir", e.dir, "-sophos-addr", e.sophosAddr, "-ingest-addr", e.ingestAddr,
		"-summary-interval", "0", "-events-rate", "0", "-alerts-rate", "0",
	}, args...)
	e.cmd = exec.Command(*emulatorBin, all...)
	e.cmd.Stdout, e.cmd.Stderr = e.out, e.out
	require.NoError(t, e.cmd.Start())
	t.Cleanup(func() { e.stop() })

	caPath := filepath.Join(e.dir, "ca.pem")
	require.Eventually(t, func() bool {
		pem, err := os.ReadFile(caPath)
		if err != nil || len(pem) == 0 {
			return false
		}
		conn, err := net.Dial("tcp", e.ingestAddr)
		if err != nil {
			return false
		}
		_ = conn.Close()
		pool := x509.NewCertPool()
		return pool.AppendCertsFromPEM(pem) && e.setClient(pool)
	}, 30*time.Second, 50*time.Millisecond, "emulator did not start: %s", e.out.String())
	return e
}

func (e *emulator) setClient(pool *x509.CertPool) bool {
	e.client = &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}
	return true
}

func (e *emulator) caFile() string { return filepath.Join(e.dir, "ca.pem") }

// stop ends the emulator with SIGTERM and returns what it printed, its summary included.
func (e *emulator) stop() string {
	if e.cmd.ProcessState == nil {
		_ = e.cmd.Process.Signal(syscall.SIGTERM)
		_ = e.cmd.Wait()
	}
	return e.out.String()
}

func (e *emulator) stats(t testing.TB) logsingestion.Stats {
	t.Helper()
	resp, err := e.client.Get("https://" + e.ingestAddr + "/stats")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var s logsingestion.Stats
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&s))
	return s
}

// advanceSophosClock moves the Sophos emulator's clock forward by d.
func (e *emulator) advanceSophosClock(t testing.TB, d time.Duration) {
	t.Helper()
	resp, err := e.client.Post("https://"+e.sophosAddr+"/_emulator/advance?by="+d.String(), "text/plain", nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

// items returns the items from..from+n-1 of a tenant's stream as the emulator serves them,
// decoded as encoding/json does, like the rows.
func (e *emulator) items(t testing.TB, tenantID, stream string, from, n int) []map[string]any {
	t.Helper()
	u := fmt.Sprintf("https://%s/_emulator/items?tenant=%s&stream=%s&from=%d&n=%d",
		e.sophosAddr, tenantID, stream, from, n)
	resp, err := e.client.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var items []map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&items))
	return items
}

// rows reads the rows the emulator accepted for stream from its JSON Lines file.
func (e *emulator) rows(t testing.TB, stream string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(e.dir, stream+".jsonl"))
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	defer f.Close()
	var rows []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var row map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &row), "a line of %s.jsonl is not JSON", stream)
		rows = append(rows, row)
	}
	require.NoError(t, sc.Err())
	return rows
}

// waitRows waits until the emulator has accepted at least want rows in each stream.
func (e *emulator) waitRows(t testing.TB, timeout time.Duration, want map[string]int) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		s := e.stats(t)
		done := true
		for stream, n := range want {
			if s.Rows[stream] < n {
				done = false
			}
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rows after %s: %v, want %v\nemulator:\n%s", timeout, s.Rows, want, e.out.String())
		}
		<-tick.C
	}
}

// collector is a running otelcol-sophos process.
type collector struct {
	cmd         *exec.Cmd
	out         *syncBuffer
	metricsAddr string
}

type collectorParams struct {
	Emulator      *emulator
	StorageDir    string
	MetricsAddr   string
	HealthAddr    string
	Extra         string // appended to the sophos receiver's settings
	ExporterExtra string // appended to the sentinel exporter's settings
}

func writeConfig(t testing.TB, p collectorParams) string {
	t.Helper()
	cfg := fmt.Sprintf(`
extensions:
  file_storage:
    directory: %[1]s
    create_directory: true
  health_check:
    endpoint: %[6]s
receivers:
  sophos:
    client_id: emulator-client-id
    client_secret: emulator-client-secret
    token_url: https://%[2]s/api/v2/oauth2/token
    global_endpoint: https://%[2]s
    storage: file_storage
    poll_interval: 1s
    backoff:
      initial_interval: 100ms
      max_interval: 2s
    tls:
      ca_file: %[4]s
%[7]s
exporters:
  sentinel:
    endpoint: https://%[3]s
    dcr_immutable_id: dcr-00000000000000000000000000000000
    stream_name: Custom-SophosEPEvents_CL
    stream_routes:
      - {attribute: sophos.stream, value: events, stream_name: Custom-SophosEPEvents_CL}
      - {attribute: sophos.stream, value: alerts, stream_name: Custom-SophosEPAlerts_CL}
    credential:
      type: client_secret
      tenant_id: 00000000-0000-0000-0000-0000000000aa
      client_id: emulator-app
      client_secret: emulator-secret
      authority_host: https://%[3]s/
    tls:
      ca_file: %[4]s
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 2s
      max_elapsed_time: 0
    sending_queue:
      storage: file_storage
%[8]s
service:
  extensions: [file_storage, health_check]
  pipelines:
    logs:
      receivers: [sophos]
      exporters: [sentinel]
  telemetry:
    metrics:
      level: detailed
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: %[5]s
`, p.StorageDir, p.Emulator.sophosAddr, p.Emulator.ingestAddr, p.Emulator.caFile(),
		portOf(p.MetricsAddr), p.HealthAddr, indent(p.Extra, "    "), indent(p.ExporterExtra, "    "))
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	return path
}

func indent(s, prefix string) string {
	if s == "" {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

func newCollectorParams(t testing.TB, e *emulator, storageDir string) collectorParams {
	return collectorParams{
		Emulator: e, StorageDir: storageDir,
		MetricsAddr: freeAddr(t), HealthAddr: freeAddr(t),
	}
}

func startCollector(t testing.TB, configPath, metricsAddr string, env ...string) *collector {
	t.Helper()
	c := &collector{out: &syncBuffer{}, metricsAddr: metricsAddr}
	c.cmd = exec.Command(*collectorBin, "--config", configPath)
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	require.NoError(t, c.cmd.Start())
	t.Cleanup(func() {
		c.kill()
		if t.Failed() {
			t.Logf("collector (pid %d) log, last lines:\n%s", c.cmd.Process.Pid, lastLines(c.out.String(), 40))
		}
	})
	return c
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (c *collector) kill() {
	if c.cmd.ProcessState == nil {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	}
}

// stop ends the collector as an operator would, with SIGTERM, and waits for it.
func (c *collector) stop(t testing.TB) {
	t.Helper()
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		c.kill()
		t.Fatalf("collector did not stop within 30s of SIGTERM; log:\n%s", c.out.String())
	}
}

// metric sums the Prometheus samples of the named metric (all label sets).
func (c *collector) metric(t testing.TB, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + c.metricsAddr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var sum float64
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, name) || strings.HasPrefix(line, "#") {
			continue
		}
		rest := line[len(name):]
		if rest != "" && rest[0] != '{' && rest[0] != ' ' {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err == nil {
			sum += v
		}
	}
	return sum
}

// usage is what the collector used in its life, once it has ended.
func (c *collector) usage(t testing.TB) *syscall.Rusage {
	t.Helper()
	require.NotNil(t, c.cmd.ProcessState, "the collector is still running")
	usage, ok := c.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	require.True(t, ok, "no resource usage for the collector")
	return usage
}

// peakRSSMiB is the running collector's resident-set high-water mark so far, from /proc.
func (c *collector) peakRSSMiB(t testing.TB) float64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, err := strconv.ParseFloat(strings.Fields(line)[1], 64)
			require.NoError(t, err)
			return kb / 1024
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// countIDs counts how often each Sophos item id arrived in rows.
func countIDs(rows []map[string]any) map[string]int {
	ids := make(map[string]int, len(rows))
	for _, r := range rows {
		id, _ := r["id"].(string)
		ids[id]++
	}
	return ids
}
