package sophoscentral

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// BenchmarkPage1000 measures serving one 1000-item events page, the
// emulator's cost per page in benchmarks that drain large backlogs.
func BenchmarkPage1000(b *testing.B) {
	clock := newClock(testStart)
	s := New(Config{EventsBacklog: 200_000, Clock: clock.Now})
	tok := issueToken(b, s)
	cursors := make([]string, 0, 200)
	for i := range 200 {
		at := testStart.Add(-12*time.Hour + time.Duration(i)*3*time.Minute)
		cursors = append(cursors, s.CursorAt(DefaultTenantID, "events", at))
	}
	b.ReportAllocs()
	b.ResetTimer()
	var bytes int64
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(http.MethodGet,
			"/siem/v1/events?limit=1000&cursor="+url.QueryEscape(cursors[i%len(cursors)]), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("X-Tenant-ID", DefaultTenantID)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body.String())
		}
		bytes += int64(w.Body.Len())
	}
	b.ReportMetric(float64(bytes)/float64(b.N), "bytes/page")
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "items/s")
}

func issueToken(b *testing.B, s *Server) string {
	form := url.Values{
		"grant_type": {"client_credentials"}, "scope": {"token"},
		"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret},
	}
	req := httptest.NewRequest(http.MethodPost, "/api/v2/oauth2/token", stringsReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("token: %d", w.Code)
	}
	m := (reply{status: w.Code, body: w.Body.Bytes()})
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := jsonUnmarshal(m.body, &tok); err != nil {
		b.Fatal(err)
	}
	return tok.AccessToken
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
