package logsingestion

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusFaults(t *testing.T) {
	tests := []struct {
		name       string
		fault      Fault
		status     int
		code       string
		retryAfter string
	}{
		{
			name: "throttle", fault: Fault{Kind: FaultThrottle, Times: 2, RetryAfter: 7 * time.Second},
			status: http.StatusTooManyRequests, code: "TooManyRequests", retryAfter: "7",
		},
		{
			name: "throttle rounds up", fault: Fault{
				Kind: FaultThrottle, Times: 2,
				RetryAfter: 1500 * time.Millisecond,
			},
			status: http.StatusTooManyRequests, code: "TooManyRequests", retryAfter: "2",
		},
		{
			name: "500", fault: Fault{Kind: FaultStatus, Times: 2, Status: 500},
			status: http.StatusInternalServerError, code: "InternalServerError",
		},
		{
			name: "503 default", fault: Fault{Kind: FaultStatus, Times: 2},
			status: http.StatusServiceUnavailable, code: "ServiceUnavailable",
		},
		{
			name: "503 with retry-after", fault: Fault{
				Kind: FaultStatus, Times: 2, Status: 503,
				RetryAfter: 3 * time.Second,
			},
			status: http.StatusServiceUnavailable, code: "ServiceUnavailable", retryAfter: "3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			tok := f.token(t)
			body := mustJSON(t, []any{sampleEvent(0)})
			tt.fault.Stream = eventsStream
			f.emu.AddFault(tt.fault)
			assert.Equal(t, 2, f.emu.PendingFaults())

			// Another stream is not affected.
			resp, data := f.post(t, f.ingestURL(alertsStream), tok, []byte(`[]`), nil)
			require.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))

			for range 2 {
				resp, data := f.post(t, f.ingestURL(eventsStream), tok, body, nil)
				require.Equal(t, tt.status, resp.StatusCode, string(data))
				assert.Equal(t, tt.code, resp.Header.Get("x-ms-error-code"))
				assert.Equal(t, tt.retryAfter, resp.Header.Get("Retry-After"))
				assert.Contains(t, string(data), `"code":"`+tt.code+`"`)
			}
			assert.Empty(t, f.emu.Rows(eventsStream))

			resp, data = f.post(t, f.ingestURL(eventsStream), tok, body, nil)
			require.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))
			assert.Len(t, f.emu.Rows(eventsStream), 1)
			assert.Equal(t, 2, f.emu.Stats().Statuses[tt.status])
			assert.Zero(t, f.emu.PendingFaults())
		})
	}
}

func TestFaultsApplyInOrder(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.token(t)
	f.emu.AddFault(Fault{Kind: FaultThrottle})
	f.emu.AddFault(Fault{Kind: FaultStatus, Status: 502})

	var got []int
	for range 3 {
		resp, _ := f.post(t, f.ingestURL(alertsStream), tok, []byte(`[]`), nil)
		got = append(got, resp.StatusCode)
	}
	assert.Equal(t, []int{429, 502, 204}, got)

	f.emu.AddFault(Fault{Kind: FaultThrottle, Times: 5})
	f.emu.ClearFaults()
	resp, _ := f.post(t, f.ingestURL(alertsStream), tok, []byte(`[]`), nil)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
}

func TestFaultsSkipRefusedRequests(t *testing.T) {
	f := newFixture(t, Config{})
	f.emu.AddFault(Fault{Kind: FaultThrottle})

	// A request without a token is refused before faults apply, and does not use one up.
	resp, _ := f.post(t, f.ingestURL(eventsStream), "", []byte(`[]`), nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, 1, f.emu.PendingFaults())
}

func TestSlowFault(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.token(t)
	body := mustJSON(t, []any{sampleEvent(0)})

	f.emu.AddFault(Fault{Kind: FaultSlow, Delay: 20 * time.Millisecond})
	resp, data := f.post(t, f.ingestURL(eventsStream), tok, body, nil)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))
	assert.Len(t, f.emu.Rows(eventsStream), 1)

	// A client that gives up while the emulator waits gets nothing stored.
	f.emu.AddFault(Fault{Kind: FaultSlow, Delay: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.ingestURL(eventsStream),
		bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	_, err = f.srv.Client().Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	require.Eventually(t, func() bool { return f.emu.Stats().Statuses[0] == 1 },
		10*time.Second, 5*time.Millisecond)
	assert.Len(t, f.emu.Rows(eventsStream), 1)
}

func TestDropConnectionFault(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.token(t)
	body := mustJSON(t, []any{sampleEvent(0), sampleEvent(1)})
	f.emu.AddFault(Fault{Kind: FaultDropConnection})

	req, err := http.NewRequest(http.MethodPost, f.ingestURL(eventsStream), bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := f.srv.Client().Do(req)
	if resp != nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err, "the client must see a network error")

	// The rows arrived although the client could not know: a retry duplicates them.
	assert.Len(t, f.emu.Rows(eventsStream), 2)
	resp, data := f.post(t, f.ingestURL(eventsStream), tok, body, nil)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))
	assert.Len(t, f.emu.Rows(eventsStream), 4)

	st := f.emu.Stats()
	assert.Equal(t, 4, st.Rows[eventsStream])
	assert.Equal(t, 1, st.Statuses[0])
	assert.Equal(t, 1, st.Statuses[http.StatusNoContent])
	assert.Zero(t, f.emu.RequestLog()[0].Status)
}

func TestDropConnectionFaultHTTP2(t *testing.T) {
	emu, err := New(Config{})
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(emu)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	f := &fixture{emu: emu, srv: srv}
	tok := f.token(t)
	body := mustJSON(t, []any{sampleEvent(0)})
	emu.AddFault(Fault{Kind: FaultDropConnection})

	req, err := http.NewRequest(http.MethodPost, f.ingestURL(eventsStream), bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := srv.Client().Do(req)
	if resp != nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err, "an HTTP/2 stream reset must reach the client as an error")
	assert.Len(t, emu.Rows(eventsStream), 1)

	resp, data := f.post(t, f.ingestURL(eventsStream), tok, body, nil)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))
	assert.Equal(t, "HTTP/2.0", resp.Proto)
}
