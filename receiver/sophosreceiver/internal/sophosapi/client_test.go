// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testID     = "test-client-id"
	testSecret = "test-client-secret-do-not-log"
)

// fakeSophos is a small Sophos Central: a token endpoint and whatever API handler a test
// gives it, which sees only requests with a valid token.
type fakeSophos struct {
	mu        sync.Mutex
	tokens    int
	valid     map[string]bool
	expiresIn int
	date      time.Time // sent in Date when set
	forms     []map[string]string
	api       http.HandlerFunc
}

func newFakeSophos(t *testing.T, api http.HandlerFunc) (*fakeSophos, *Client) {
	t.Helper()
	f := &fakeSophos{valid: map[string]bool{}, expiresIn: 3600, api: api}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := NewClient(Config{
		ClientID:       testID,
		ClientSecret:   testSecret,
		TokenURL:       srv.URL + "/api/v2/oauth2/token",
		GlobalEndpoint: srv.URL,
	}, srv.Client(), Options{})
	return f, c
}

func (f *fakeSophos) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if !f.date.IsZero() {
		w.Header().Set("Date", f.date.UTC().Format(http.TimeFormat))
	}
	if r.URL.Path == "/api/v2/oauth2/token" {
		defer f.mu.Unlock()
		_ = r.ParseForm()
		form := map[string]string{}
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
		f.forms = append(f.forms, form)
		if form["client_secret"] != testSecret {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errorCode":"oauth.invalid_client_secret","message":"Invalid client secret"}`))
			return
		}
		f.tokens++
		tok := "token-" + strconv.Itoa(f.tokens)
		f.valid[tok] = true
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": tok, "token_type": "bearer", "expires_in": f.expiresIn,
			"errorCode": "success", "message": "OK",
		})
		return
	}
	ok := len(r.Header.Get("Authorization")) > 7 && f.valid[r.Header.Get("Authorization")[7:]]
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"Unauthorized","message":"token expired"}`))
		return
	}
	f.api(w, r)
}

func (f *fakeSophos) expireAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.valid = map[string]bool{}
}

func TestTokenRequest(t *testing.T) {
	f, c := newFakeSophos(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"id":"t1","idType":"tenant","apiHosts":{"global":"g","dataRegion":"d"}}`))
	})
	var reasons []string
	c.tokens.onRequest = func(reason string) { reasons = append(reasons, reason) }

	_, err := c.Whoami(context.Background())
	require.NoError(t, err)
	_, err = c.Whoami(context.Background())
	require.NoError(t, err)

	// One token for both calls, asked with form fields as Sophos wants them.
	require.Len(t, f.forms, 1)
	assert.Equal(t, map[string]string{
		"grant_type":    "client_credentials",
		"client_id":     testID,
		"client_secret": testSecret,
		"scope":         "token",
	}, f.forms[0])
	assert.Equal(t, []string{TokenInitial}, reasons)
}

func TestTokenRenewedBeforeExpiry(t *testing.T) {
	f, c := newFakeSophos(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"id":"t1","idType":"tenant"}`))
	})
	now := time.Now()
	c.tokens.now = func() time.Time { return now }
	var reasons []string
	c.tokens.onRequest = func(reason string) { reasons = append(reasons, reason) }

	require.NoError(t, c.EnsureToken(context.Background()))
	// oauth2 sets the expiry by the real clock: move the test's clock to near it.
	now = c.tokens.tok.Expiry.Add(-renewBefore - 2*time.Second)
	require.NoError(t, c.EnsureToken(context.Background()))
	assert.Equal(t, 1, f.tokens)
	now = c.tokens.tok.Expiry.Add(-renewBefore)
	require.NoError(t, c.EnsureToken(context.Background()))
	assert.Equal(t, 2, f.tokens)
	assert.Equal(t, []string{TokenInitial, TokenExpiring}, reasons)

	// A token living a minute is renewed after three quarters of it, not at every call.
	f.mu.Lock()
	f.expiresIn = 60
	f.mu.Unlock()
	now = time.Now()
	c.tokens.tok = nil
	require.NoError(t, c.EnsureToken(context.Background()))
	now = now.Add(44 * time.Second)
	require.NoError(t, c.EnsureToken(context.Background()))
	assert.Equal(t, 3, f.tokens)
	now = now.Add(2 * time.Second)
	require.NoError(t, c.EnsureToken(context.Background()))
	assert.Equal(t, 4, f.tokens)
}

func TestUnauthorizedRenewsOnce(t *testing.T) {
	calls := 0
	f, c := newFakeSophos(t, func(w http.ResponseWriter, _ *http.Request) {
		calls++
		_, _ = w.Write([]byte(`{"id":"t1","idType":"tenant"}`))
	})
	var reasons []string
	c.tokens.onRequest = func(reason string) { reasons = append(reasons, reason) }
	require.NoError(t, c.EnsureToken(context.Background()))
	f.expireAll()

	_, err := c.Whoami(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, calls)
	assert.Equal(t, []string{TokenInitial, TokenUnauthorized}, reasons)

	// A 401 that a new token does not cure is returned, after one renewal only.
	f.api = func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }
	_, err = c.Whoami(context.Background())
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	assert.Equal(t, 3, f.tokens)
}

func TestBadCredentials(t *testing.T) {
	_, c := newFakeSophos(t, nil)
	c.tokens.conf.ClientSecret = "wrong-secret-do-not-log"

	err := c.EnsureToken(context.Background())
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "token", apiErr.Endpoint)
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	assert.Equal(t, "oauth.invalid_client_secret", apiErr.Code)
	assert.NotContains(t, err.Error(), "wrong-secret-do-not-log")
	assert.NotContains(t, err.Error(), testSecret)
}

func TestErrors(t *testing.T) {
	date := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    Error
		malform bool
	}{
		{
			name: "429 with Retry-After seconds",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(http.StatusTooManyRequests)
			},
			want: Error{Endpoint: "whoami", StatusCode: 429, RetryAfter: 7 * time.Second, Date: date},
		},
		{
			name: "429 without Retry-After",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusTooManyRequests)
			},
			want: Error{Endpoint: "whoami", StatusCode: 429, Date: date},
		},
		{
			name: "500 with a Sophos error body",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"error":"InternalServerError","message":"Something went wrong"}`))
			},
			want: Error{
				Endpoint: "whoami", StatusCode: 500, Date: date,
				Code: "InternalServerError", Message: "Something went wrong",
			},
		},
		{
			name: "200 with HTML",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte(`<html>maintenance</html>`))
			},
			malform: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFakeSophos(t, tt.handler)
			f.date = date
			_, err := c.Whoami(context.Background())
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			if tt.malform {
				assert.True(t, IsMalformed(err))
				assert.Equal(t, "malformed", apiErr.StatusLabel())
				return
			}
			assert.Equal(t, tt.want, *apiErr)
			assert.Equal(t, strconv.Itoa(tt.want.StatusCode), apiErr.StatusLabel())
		})
	}
}

func TestNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := NewClient(Config{
		ClientID: testID, ClientSecret: testSecret, TokenURL: url + "/token",
		GlobalEndpoint: url,
	}, http.DefaultClient, Options{})

	err := c.EnsureToken(context.Background())
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "network", apiErr.StatusLabel())
	assert.NotContains(t, err.Error(), testSecret)
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-3", 0},
		{"120", 2 * time.Minute},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"soon", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, parseRetryAfter(tt.in, now))
		})
	}
}

func TestClockLearnsTheAPIsTime(t *testing.T) {
	f, c := newFakeSophos(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"id":"t1","idType":"tenant"}`))
	})
	assert.False(t, c.Clock().Known())
	f.date = time.Now().Add(2 * time.Hour)

	require.NoError(t, c.EnsureToken(context.Background()))
	assert.True(t, c.Clock().Known())
	assert.InDelta(t, (2 * time.Hour).Seconds(), c.Clock().Offset().Seconds(), 2)
	assert.WithinDuration(t, time.Now().Add(2*time.Hour), c.Clock().Now(), 2*time.Second)
}

func TestWhoami(t *testing.T) {
	_, c := newFakeSophos(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/whoami/v1", r.URL.Path)
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		_, _ = w.Write([]byte(`{"id":"11f104c5","idType":"tenant",
			"apiHosts":{"global":"https://api.central.sophos.com","dataRegion":"https://api-eu02.central.sophos.com"}}`))
	})
	id, err := c.Whoami(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Identity{
		ID: "11f104c5", Type: IdentityTenant,
		GlobalHost: "https://api.central.sophos.com", DataRegionHost: "https://api-eu02.central.sophos.com",
	}, id)
}

func TestTenantsPaging(t *testing.T) {
	tests := []struct {
		idType, path, header string
	}{
		{IdentityPartner, "/partner/v1/tenants", "X-Partner-ID"},
		{IdentityOrganization, "/organization/v1/tenants", "X-Organization-ID"},
	}
	for _, tt := range tests {
		t.Run(tt.idType, func(t *testing.T) {
			var pages []string
			_, c := newFakeSophos(t, func(w http.ResponseWriter, r *http.Request) {
				assert.Equal(t, tt.path, r.URL.Path)
				assert.Equal(t, "p-1", r.Header.Get(tt.header))
				q := r.URL.Query()
				assert.Equal(t, "100", q.Get("pageSize"))
				assert.Equal(t, "true", q.Get("pageTotal"))
				page := q.Get("page")
				pages = append(pages, page)
				_ = json.NewEncoder(w).Encode(map[string]any{
					"pages": map[string]any{"current": len(pages), "total": 2},
					"items": []map[string]any{{
						"id": "tenant-" + page, "name": "Tenant " + page,
						"dataRegion": "eu0" + page, "apiHost": "https://api-eu0" + page + ".central.sophos.com",
						"status": "active",
					}},
				})
			})
			tenants, err := c.Tenants(context.Background(), Identity{ID: "p-1", Type: tt.idType, GlobalHost: c.global})
			require.NoError(t, err)
			assert.Equal(t, []string{"1", "2"}, pages)
			assert.Equal(t, []Tenant{
				{ID: "tenant-1", Name: "Tenant 1", DataRegion: "eu01", APIHost: "https://api-eu01.central.sophos.com"},
				{ID: "tenant-2", Name: "Tenant 2", DataRegion: "eu02", APIHost: "https://api-eu02.central.sophos.com"},
			}, tenants)
		})
	}

	_, c := newFakeSophos(t, nil)
	_, err := c.Tenants(context.Background(), Identity{ID: "t", Type: IdentityTenant})
	assert.Error(t, err)
}

func TestSIEMPage(t *testing.T) {
	from := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		req   PageRequest
		query map[string]string
	}{
		{
			name: "events from a date",
			req: PageRequest{
				Stream: "events", TenantID: "t1", Limit: 1000, FromDate: from,
				ExcludeTypes: []string{"A", "B"}, FromDateOffset: 5 * time.Minute,
			},
			query: map[string]string{
				"limit": "1000", "from_date": strconv.FormatInt(from.Unix(), 10),
				"exclude_types": "A,B", "from_date_offset_minutes": "5",
			},
		},
		{
			name:  "alerts from a cursor, exclude_types is for events only",
			req:   PageRequest{Stream: "alerts", TenantID: "t1", Limit: 200, Cursor: "c==", FromDate: from, ExcludeTypes: []string{"A"}},
			query: map[string]string{"limit": "200", "cursor": "c=="},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"has_more":false,"next_cursor":"n","items":[]}`
			_, c := newFakeSophos(t, func(w http.ResponseWriter, r *http.Request) {
				assert.Equal(t, "/siem/v1/"+tt.req.Stream, r.URL.Path)
				assert.Equal(t, "t1", r.Header.Get("X-Tenant-ID"))
				got := map[string]string{}
				for k := range r.URL.Query() {
					got[k] = r.URL.Query().Get(k)
				}
				assert.Equal(t, tt.query, got)
				_, _ = w.Write([]byte(body))
			})
			tt.req.APIHost = c.global
			var buf bytes.Buffer
			date, err := c.SIEMPage(context.Background(), tt.req, &buf)
			require.NoError(t, err)
			assert.False(t, date.IsZero())
			assert.Equal(t, body, buf.String())
		})
	}
}

func TestErrorMessages(t *testing.T) {
	assert.Equal(t, "sophos events: HTTP 429", (&Error{Endpoint: "events", StatusCode: 429}).Error())
	assert.Equal(t, "sophos events: HTTP 400 badRequest: from_date too old",
		(&Error{Endpoint: "events", StatusCode: 400, Code: "badRequest", Message: "from_date too old"}).Error())
	err := &Error{Endpoint: "whoami", Err: errors.New("connection refused")}
	assert.Equal(t, "sophos whoami: connection refused", err.Error())
	assert.Equal(t, "network", err.StatusLabel())
}
