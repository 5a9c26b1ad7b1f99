package logsingestion

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/require"
)

const (
	eventsStream = "Custom-SophosEPEvents_CL"
	alertsStream = "Custom-SophosEPAlerts_CL"
	monitorScope = "https://monitor.azure.com//.default"
)

// fakeClock is a settable Clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type fixture struct {
	emu   *Server
	srv   *httptest.Server
	clock *fakeClock
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	if cfg.Clock == nil {
		cfg.Clock = clock.Now
	}
	emu, err := New(cfg)
	require.NoError(t, err)
	srv := httptest.NewTLSServer(emu)
	t.Cleanup(func() {
		srv.Close()
		require.NoError(t, emu.Close())
	})
	return &fixture{emu: emu, srv: srv, clock: clock}
}

func (f *fixture) tokenResponse(t *testing.T, tenant string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := f.srv.Client().PostForm(f.srv.URL+"/"+tenant+"/oauth2/v2.0/token", form)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

func goodTokenForm() url.Values {
	return url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {DefaultClientID},
		"client_secret": {DefaultClientSecret},
		"scope":         {monitorScope},
	}
}

func (f *fixture) token(t *testing.T) string {
	t.Helper()
	status, body := f.tokenResponse(t, DefaultTenantID, goodTokenForm())
	require.Equal(t, http.StatusOK, status, body)
	return body["access_token"].(string)
}

func (f *fixture) ingestURL(stream string) string {
	return f.srv.URL + "/dataCollectionRules/" + DefaultDCRImmutableID + "/streams/" + stream +
		"?api-version=2023-01-01"
}

// post sends body to rawURL with a bearer token and JSON content type; headers override.
func (f *fixture) post(t *testing.T, rawURL, tok string, body []byte,
	headers map[string]string,
) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := f.srv.Client().Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, data
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return data
}

// sampleEvent is a Sophos SIEM event as the API returns it, plus one undeclared key.
func sampleEvent(i int) map[string]any {
	return map[string]any{
		"when":          "2026-12-01T09:11:09.759Z",
		"id":            "cbaff14f-a36b-46bd-8e83-6017ad79cd" + string(rune('a'+i%26)) + "f",
		"customer_id":   "816f36ee-dd2e-4ccd-bb12-cea766c28ade",
		"severity":      "low",
		"created_at":    "2026-12-01T09:11:09.984Z",
		"source_info":   map[string]any{"ip": "10.1.39.32"},
		"endpoint_type": "server",
		"endpoint_id":   "c80c2a87-42f2-49b2-bab7-5031b69cd83e",
		"origin":        nil,
		"type":          "Event::Endpoint::Registered",
		"location":      "host-" + string(rune('a'+i%26)),
		"source":        "n/a",
		"group":         "PROTECTION",
		"name":          "New server registered",
		"not_declared":  "dropped by Azure",
	}
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
