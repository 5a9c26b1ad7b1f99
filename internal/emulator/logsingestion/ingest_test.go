package logsingestion

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIngestSuccess(t *testing.T) {
	tests := []struct {
		name string
		gzip bool
	}{
		{name: "plain"},
		{name: "gzip", gzip: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			rows := []any{sampleEvent(0), sampleEvent(1), sampleEvent(2)}
			body := mustJSON(t, rows)
			headers := map[string]string{"x-ms-client-request-id": "c1d2e3f4-0000-4000-8000-000000000001"}
			if tt.gzip {
				body = gzipped(t, body)
				headers["Content-Encoding"] = "gzip"
			}

			resp, data := f.post(t, f.ingestURL(eventsStream), f.token(t), body, headers)
			require.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))
			assert.NotEmpty(t, resp.Header.Get("x-ms-request-id"))

			got := f.emu.Rows(eventsStream)
			require.Len(t, got, 3)
			assert.Equal(t, "host-b", got[1]["location"])
			assert.Equal(t, map[string]any{"ip": "10.1.39.32"}, got[0]["source_info"])
			assert.Contains(t, got[0], "origin")
			assert.NotContains(t, got[0], "not_declared")

			st := f.emu.Stats()
			assert.Equal(t, 1, st.Requests[eventsStream])
			assert.Equal(t, 3, st.Rows[eventsStream])
			assert.Equal(t, int64(len(body)), st.WireBytes[eventsStream])
			assert.Equal(t, len(body), st.MaxWireBytes)
			assert.Equal(t, 3, st.Dropped[eventsStream]["not_declared"])
			assert.Equal(t, 1, st.Statuses[http.StatusNoContent])

			log := f.emu.RequestLog()
			require.Len(t, log, 1)
			assert.Equal(t, "c1d2e3f4-0000-4000-8000-000000000001", log[0].ClientRequestID)
			assert.Equal(t, tt.gzip, log[0].Gzip)
		})
	}
}

func TestIngestErrors(t *testing.T) {
	f := newFixture(t, Config{MaxBodyBytes: 2048})
	tok := f.token(t)
	good := mustJSON(t, []any{sampleEvent(0)})
	big := mustJSON(t, []any{
		sampleEvent(0), sampleEvent(1), sampleEvent(2), sampleEvent(3),
		sampleEvent(4), sampleEvent(5), sampleEvent(6), sampleEvent(7),
	})
	require.Greater(t, len(big), 2048)
	base := f.srv.URL + "/dataCollectionRules/" + DefaultDCRImmutableID + "/streams/"

	tests := []struct {
		name     string
		url      string
		tok      string
		body     []byte
		headers  map[string]string
		status   int
		code     string
		message  string
		wantBody string
	}{
		{
			name: "no token", url: f.ingestURL(eventsStream), body: good,
			status: http.StatusUnauthorized, code: "InvalidToken",
		},
		{
			name: "unknown token", url: f.ingestURL(eventsStream), tok: "eyJ.not.ours", body: good,
			status: http.StatusUnauthorized, code: "InvalidToken",
		},
		{
			name: "no api-version", url: base + eventsStream, tok: tok, body: good,
			status: http.StatusBadRequest, code: "MissingApiVersionParameter",
		},
		{
			name: "unknown api-version", url: base + eventsStream + "?api-version=2020-01-01",
			tok: tok, body: good, status: http.StatusBadRequest, code: "InvalidApiVersionParameter",
		},
		{
			name: "wrong dcr", tok: tok, body: good,
			url:    f.srv.URL + "/dataCollectionRules/dcr-ffff/streams/" + eventsStream + "?api-version=2023-01-01",
			status: http.StatusNotFound, code: "InvalidDataCollectionRule",
		},
		{
			name: "undeclared stream", url: f.ingestURL("Custom-Other_CL"), tok: tok, body: good,
			status: http.StatusNotFound, code: "InvalidStream",
		},
		{
			name: "text content type", url: f.ingestURL(eventsStream), tok: tok, body: good,
			headers: map[string]string{"Content-Type": "text/plain"},
			status:  http.StatusUnsupportedMediaType, code: "UnsupportedMediaType",
		},
		{
			name: "brotli", url: f.ingestURL(eventsStream), tok: tok, body: good,
			headers: map[string]string{"Content-Encoding": "br"},
			status:  http.StatusUnsupportedMediaType, code: "UnsupportedContentEncoding",
		},
		{
			name: "too large", url: f.ingestURL(eventsStream), tok: tok, body: big,
			status: http.StatusRequestEntityTooLarge, code: "ContentLengthLimitExceeded",
			message: "Maximum allowed content length: 2048 bytes (0.001953125 MB). " +
				"Provided content length: " + itoa(len(big)) + " bytes.",
		},
		{
			name: "malformed JSON", url: f.ingestURL(eventsStream), tok: tok, body: []byte(`[{"id":`),
			status: http.StatusBadRequest, code: "InvalidContent",
		},
		{
			name: "not an array", url: f.ingestURL(eventsStream), tok: tok, body: []byte(`{"id":"x"}`),
			status: http.StatusBadRequest, code: "InvalidContent",
		},
		{
			name: "array of strings", url: f.ingestURL(eventsStream), tok: tok, body: []byte(`["x"]`),
			status: http.StatusBadRequest, code: "InvalidContent",
		},
		{
			name: "trailing data", url: f.ingestURL(eventsStream), tok: tok, body: []byte(`[] []`),
			status: http.StatusBadRequest, code: "InvalidContent",
		},
		{
			name: "bad gzip", url: f.ingestURL(eventsStream), tok: tok, body: good,
			headers: map[string]string{"Content-Encoding": "gzip"},
			status:  http.StatusBadRequest, code: "InvalidContent",
		},
		{
			name: "wrong type", url: f.ingestURL(eventsStream), tok: tok,
			body:   []byte(`[{"id":"a","when":"2026-12-01T09:11:09Z"},{"id":"b","when":"yesterday"}]`),
			status: http.StatusBadRequest, code: "InvalidContent",
			message: "Row 1: the value of column 'when' can not be converted to type " +
				"'datetime': \"yesterday\".",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.emu.Stats().Statuses[tt.status]

			resp, data := f.post(t, tt.url, tt.tok, tt.body, tt.headers)
			require.Equal(t, tt.status, resp.StatusCode, string(data))
			assert.Equal(t, tt.code, resp.Header.Get("x-ms-error-code"))
			assert.NotEmpty(t, resp.Header.Get("x-ms-request-id"))

			var doc struct {
				Error struct{ Code, Message string }
			}
			require.NoError(t, json.Unmarshal(data, &doc), string(data))
			assert.Equal(t, tt.code, doc.Error.Code)
			assert.NotEmpty(t, doc.Error.Message)
			if tt.message != "" {
				assert.Equal(t, tt.message, doc.Error.Message)
			}
			assert.Equal(t, before+1, f.emu.Stats().Statuses[tt.status])
		})
	}

	assert.Empty(t, f.emu.Rows(eventsStream), "no refused request may store rows")
	assert.Zero(t, f.emu.Stats().Rows[eventsStream])
}

func TestIngestDefaultSizeLimit(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.token(t)

	// 1,048,577 bytes: one over the limit, sent with and without a Content-Length.
	body := []byte(`[{"id":"` + strings.Repeat("x", DefaultMaxBodyBytes-10) + `"}]`)
	require.Equal(t, DefaultMaxBodyBytes+1, len(body))
	want := `{"error":{"code":"ContentLengthLimitExceeded","message":"Maximum allowed content ` +
		`length: 1048576 bytes (1 MB). Provided content length: 1048577 bytes."}}`

	for _, chunked := range []bool{false, true} {
		req, err := http.NewRequest(http.MethodPost, f.ingestURL(eventsStream), bytes.NewReader(body))
		require.NoError(t, err)
		if chunked {
			req.ContentLength = -1
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := f.srv.Client().Do(req)
		require.NoError(t, err)
		data, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
		assert.JSONEq(t, want, string(data))
	}

	// Exactly the limit passes.
	exact := append(bytes.Clone(body[:len(body)-4]), `"}]`...)
	require.Equal(t, DefaultMaxBodyBytes, len(exact))
	resp, data := f.post(t, f.ingestURL(eventsStream), tok, exact, nil)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))

	// The limit is on the wire: a gzipped body passes although it is larger decompressed.
	rows := make([]any, 4000)
	for i := range rows {
		rows[i] = sampleEvent(i)
	}
	raw := mustJSON(t, rows)
	require.Greater(t, len(raw), DefaultMaxBodyBytes)
	zipped := gzipped(t, raw)
	resp, data = f.post(t, f.ingestURL(eventsStream), tok, zipped,
		map[string]string{"Content-Encoding": "gzip"})
	assert.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))

	st := f.emu.Stats()
	assert.Equal(t, 4001, st.Rows[eventsStream])
	assert.Equal(t, int64(len(exact)+len(zipped)), st.WireBytes[eventsStream])
	assert.Equal(t, int64(len(exact)+len(raw)), st.RawBytes[eventsStream])
	assert.Equal(t, DefaultMaxBodyBytes, st.MaxWireBytes)
}

func itoa(n int) string { return strconv.Itoa(n) }
