package logsingestion

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONLines(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	f := newFixture(t, Config{OutputDir: dir})
	tok := f.token(t)

	// Both files exist before any row arrives, so a person can tail them.
	for _, stream := range []string{eventsStream, alertsStream} {
		_, err := os.Stat(filepath.Join(dir, stream+".jsonl"))
		require.NoError(t, err)
	}

	pretty, err := json.MarshalIndent([]any{sampleEvent(0), sampleEvent(1)}, "", "  ")
	require.NoError(t, err)
	resp, data := f.post(t, f.ingestURL(eventsStream), tok, pretty, nil)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))
	resp, data = f.post(t, f.ingestURL(eventsStream), tok, gzipped(t, mustJSON(t, []any{sampleEvent(2)})),
		map[string]string{"Content-Encoding": "gzip"})
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))

	// Lines are readable while the server runs: each request is flushed.
	lines := readLines(t, filepath.Join(dir, eventsStream+".jsonl"))
	require.Len(t, lines, 3)
	for i, line := range lines {
		var row map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &row), line)
		assert.Equal(t, fmt.Sprintf("host-%c", 'a'+i), row["location"])
		assert.NotContains(t, row, "not_declared")
		assert.Equal(t, f.emu.Rows(eventsStream)[i], row)
	}
	assert.Empty(t, readLines(t, filepath.Join(dir, alertsStream+".jsonl")))
}

func TestJSONLinesAppend(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		f := newFixture(t, Config{OutputDir: dir})
		resp, data := f.post(t, f.ingestURL(alertsStream), f.token(t),
			[]byte(`[{"id":"a1","severity":"high","threat_cleanable":false}]`), nil)
		require.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))
		require.NoError(t, f.emu.Close())
	}
	assert.Equal(t, []string{
		`{"severity":"high","id":"a1","threat_cleanable":false}`,
		`{"severity":"high","id":"a1","threat_cleanable":false}`,
	}, readLines(t, filepath.Join(dir, alertsStream+".jsonl")), "declared order, appended")
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	file, err := os.Open(path)
	require.NoError(t, err)
	defer func() { _ = file.Close() }()
	var lines []string
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	require.NoError(t, sc.Err())
	return lines
}

func TestStatsEndpoint(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.token(t)
	f.post(t, f.ingestURL(eventsStream), tok, mustJSON(t, []any{sampleEvent(0)}), nil)
	f.post(t, f.ingestURL(alertsStream), "", []byte(`[]`), nil)

	resp, err := f.srv.Client().Get(f.srv.URL + "/stats")
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var got Stats
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))

	assert.Equal(t, f.emu.Stats(), got)
	assert.Equal(t, map[int]int{204: 1, 401: 1}, got.Statuses)
	assert.Equal(t, map[string]int{eventsStream: 1, alertsStream: 1}, got.Requests)
	assert.Equal(t, 1, got.TokensIssued)
}

func TestUnknownPath(t *testing.T) {
	f := newFixture(t, Config{})
	resp, err := f.srv.Client().Get(f.srv.URL + "/nothing/here")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestConcurrentIngest(t *testing.T) {
	f := newFixture(t, Config{OutputDir: t.TempDir()})
	tok := f.token(t)
	const workers, requests, rowsPer = 8, 10, 5
	rows := make([]any, rowsPer)
	for i := range rows {
		rows[i] = sampleEvent(i)
	}
	body := gzipped(t, mustJSON(t, rows))

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range requests {
				req, err := http.NewRequest(http.MethodPost, f.ingestURL(eventsStream),
					bytesReader(body))
				if !assert.NoError(t, err) {
					return
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Content-Encoding", "gzip")
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := f.srv.Client().Do(req)
				if !assert.NoError(t, err) {
					return
				}
				_ = resp.Body.Close()
				assert.Equal(t, http.StatusNoContent, resp.StatusCode)
			}
		})
	}
	wg.Wait()

	total := workers * requests * rowsPer
	assert.Equal(t, total, f.emu.RowCount(eventsStream))
	assert.Equal(t, total, f.emu.Stats().Rows[eventsStream])
	assert.Equal(t, total, f.emu.Stats().Dropped[eventsStream]["not_declared"])
	assert.Len(t, readLines(t, filepath.Join(f.emu.Config().OutputDir, eventsStream+".jsonl")), total)
}
