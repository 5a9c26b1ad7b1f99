package sophoscentral

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var testStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is an emulator behind an httptest server, with a clock.
type fixture struct {
	t     *testing.T
	emu   *Server
	srv   *httptest.Server
	clock *testClock
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	clock := newClock(testStart)
	if cfg.Clock == nil {
		cfg.Clock = clock.Now
	}
	emu := New(cfg)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &fixture{t: t, emu: emu, srv: srv, clock: clock}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

func (f *fixture) do(req *http.Request) reply {
	f.t.Helper()
	resp, err := f.srv.Client().Do(req)
	require.NoError(f.t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: body}
}

func (f *fixture) postToken(form url.Values) reply {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v2/oauth2/token",
		strings.NewReader(form.Encode()))
	require.NoError(f.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.do(req)
}

func goodForm() url.Values {
	return url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {DefaultClientID},
		"client_secret": {DefaultClientSecret},
		"scope":         {"token"},
	}
}

func (f *fixture) token() string {
	f.t.Helper()
	r := f.postToken(goodForm())
	require.Equal(f.t, http.StatusOK, r.status, "%s", r.body)
	return r.json(f.t)["access_token"].(string)
}

func (f *fixture) get(path, token string, header map[string]string) reply {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	require.NoError(f.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return f.do(req)
}

// page is one decoded SIEM response.
type page struct {
	HasMore    bool             `json:"has_more"`
	NextCursor string           `json:"next_cursor"`
	Items      []map[string]any `json:"items"`
}

// siem reads a page of the tenant's stream at the tenant's API host.
func (f *fixture) siem(stream, token, tenant string, q url.Values) (reply, page) {
	f.t.Helper()
	return f.siemAt(f.regionPath(tenant), stream, token, tenant, q)
}

// siemAt reads a page of the tenant's stream at the API host whose path
// prefix is host ("" for the base URL).
func (f *fixture) siemAt(host, stream, token, tenant string, q url.Values) (reply, page) {
	f.t.Helper()
	r := f.get(host+"/siem/v1/"+stream+"?"+q.Encode(), token, map[string]string{"X-Tenant-ID": tenant})
	var p page
	if r.status == http.StatusOK && json.Valid(r.body) {
		require.NoError(f.t, json.Unmarshal(r.body, &p), "body: %.200s", r.body)
	}
	return r, p
}

// regionPath is the path prefix of the tenant's API host as the tenant
// listing gives it; "" for a tenant credential, whose host is the base URL,
// and for a tenant the emulator never knew.
func (f *fixture) regionPath(tenant string) string {
	ts := f.emu.known(tenant)
	if ts == nil || f.emu.cfg.Identity == identityTenant {
		return ""
	}
	return regionPrefix + ts.DataRegion
}

// drain follows cursors from q until has_more is false and returns the ids
// read and the last cursor.
func (f *fixture) drain(stream, token, tenant string, q url.Values) ([]string, string) {
	f.t.Helper()
	var ids []string
	for range 10_000 {
		r, p := f.siem(stream, token, tenant, q)
		require.Equal(f.t, http.StatusOK, r.status, "%s", r.body)
		require.NotEmpty(f.t, p.NextCursor)
		for _, it := range p.Items {
			ids = append(ids, it["id"].(string))
		}
		q = url.Values{"cursor": {p.NextCursor}, "limit": q["limit"]}
		if !p.HasMore {
			return ids, p.NextCursor
		}
	}
	f.t.Fatal("has_more never became false")
	return nil, ""
}

func (f *fixture) wantIDs(stream, tenant string, from, to int) []string {
	var ids []string
	for i := from; i < to; i++ {
		ids = append(ids, f.emu.ItemID(tenant, stream, i))
	}
	return ids
}

// assertSameIDs compares id lists and reports only the first difference,
// not thousands of ids.
func assertSameIDs[T comparable](t *testing.T, want, got []T) {
	t.Helper()
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			t.Errorf("ids differ first at %d: want %v, got %v", i, want[i], got[i])
			return
		}
	}
	if len(want) != len(got) {
		t.Errorf("want %d ids, got %d", len(want), len(got))
	}
}
