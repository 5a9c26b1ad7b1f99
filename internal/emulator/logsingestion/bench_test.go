package logsingestion

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

// benchEvents returns n Sophos-shaped events drawn from pools of hosts, users and addresses,
// so that they compress like a real estate's events rather than like copies.
func benchEvents(n int) []map[string]any {
	rng := rand.New(rand.NewPCG(1, 2))
	types := []string{
		"Event::Endpoint::Registered", "Event::Endpoint::Threat::Detected",
		"Event::Endpoint::UpdateSuccess", "Event::Endpoint::WebControlViolation",
		"Event::Endpoint::Application::Allowed", "Event::Endpoint::SavDisabled",
	}
	severities := []string{"low", "low", "low", "medium", "high"}
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	uuid := func() string {
		return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff,
			rng.Uint32()&0xfff, rng.Uint32()&0x3fff|0x8000, rng.Uint64()&0xffffffffffff)
	}
	endpoints := make([]string, 2000)
	for i := range endpoints {
		endpoints[i] = uuid()
	}

	out := make([]map[string]any, n)
	for i := range out {
		host := rng.IntN(len(endpoints))
		when := start.Add(time.Duration(i) * 137 * time.Millisecond)
		created := when.Add(time.Duration(rng.IntN(900)) * time.Millisecond)
		ip := fmt.Sprintf("10.%d.%d.%d", rng.IntN(8), rng.IntN(256), rng.IntN(256))
		out[i] = map[string]any{
			"when":          when.Format("2006-01-02T15:04:05.000Z"),
			"created_at":    created.Format("2006-01-02T15:04:05.000Z"),
			"id":            uuid(),
			"customer_id":   "816f36ee-dd2e-4ccd-bb12-cea766c28ade",
			"severity":      severities[rng.IntN(len(severities))],
			"source_info":   map[string]any{"ip": ip},
			"endpoint_type": []string{"computer", "server"}[rng.IntN(2)],
			"endpoint_id":   endpoints[host],
			"origin":        nil,
			"type":          types[rng.IntN(len(types))],
			"location":      fmt.Sprintf("WS-%05d", host),
			"source":        fmt.Sprintf("CORP\\user%04d", rng.IntN(800)),
			"group":         "PROTECTION",
			"name":          fmt.Sprintf("Update succeeded on WS-%05d", host),
			"user_id":       fmt.Sprintf("5ca22a0de5a7400deb1a%04x", rng.IntN(800)),
		}
	}
	return out
}

// benchBody packs events into one gzipped body just under the 1 MiB wire limit.
func benchBody(b *testing.B) (body []byte, rows int) {
	events := benchEvents(20000)
	lo, hi := 1, len(events)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if len(gzipBytes(b, events[:mid])) <= DefaultMaxBodyBytes {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return gzipBytes(b, events[:lo]), lo
}

func gzipBytes(b *testing.B, v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	return buf.Bytes()
}

// BenchmarkIngest measures one full ingestion request of about 1 MiB gzipped: through the
// handler alone, and over TLS from a client as the exporter sends it.
func BenchmarkIngest(b *testing.B) {
	body, rows := benchBody(b)

	b.Run("handler", func(b *testing.B) {
		emu, err := New(Config{OutputDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		defer func() { _ = emu.Close() }()
		tok := emu.issue(httptest.NewRequest(http.MethodPost, "/", nil), "https://monitor.azure.com")
		url := "/dataCollectionRules/" + DefaultDCRImmutableID + "/streams/" + eventsStream +
			"?api-version=2023-01-01"

		b.SetBytes(int64(len(body)))
		b.ResetTimer()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Content-Encoding", "gzip")
			rec := httptest.NewRecorder()
			emu.ServeHTTP(rec, req)
			if rec.Code != http.StatusNoContent {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(rows), "rows/req")
		st := emu.Stats()
		b.ReportMetric(float64(st.RawBytes[eventsStream])/float64(st.WireBytes[eventsStream]),
			"gzip-ratio")
	})

	b.Run("tls", func(b *testing.B) {
		emu, err := New(Config{})
		if err != nil {
			b.Fatal(err)
		}
		defer func() { _ = emu.Close() }()
		srv := httptest.NewTLSServer(emu)
		defer srv.Close()
		tok := emu.issue(httptest.NewRequest(http.MethodPost, "/", nil), "https://monitor.azure.com")
		url := srv.URL + "/dataCollectionRules/" + DefaultDCRImmutableID + "/streams/" +
			eventsStream + "?api-version=2023-01-01"
		client := srv.Client()

		b.SetBytes(int64(len(body)))
		b.ResetTimer()
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Content-Encoding", "gzip")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
