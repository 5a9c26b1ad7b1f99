package logsingestion

import (
	"net/http"
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
