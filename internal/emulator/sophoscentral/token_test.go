package sophoscentral

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestToken(t *testing.T) {
	tests := []struct {
		name     string
		change   func(url.Values)
		wantCode int
		wantErr  string
	}{
		{name: "good credentials", change: func(url.Values) {}, wantCode: http.StatusOK},
		{
			name:     "wrong secret",
			change:   func(v url.Values) { v.Set("client_secret", "nope") },
			wantCode: http.StatusUnauthorized, wantErr: "oauth.invalid_client_secret",
		},
		{
			name:     "unknown client",
			change:   func(v url.Values) { v.Set("client_id", "someone-else") },
			wantCode: http.StatusUnauthorized, wantErr: "oauth.client_app_does_not_exist",
		},
		{
			name:     "missing scope",
			change:   func(v url.Values) { v.Del("scope") },
			wantCode: http.StatusBadRequest, wantErr: "oauth.invalid_scope",
		},
		{
			name:     "wrong grant",
			change:   func(v url.Values) { v.Set("grant_type", "password") },
			wantCode: http.StatusBadRequest, wantErr: "oauth.unsupported_grant_type",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{TokenTTL: 30 * time.Minute})
			form := goodForm()
			tt.change(form)

			r := f.postToken(form)

			require.Equal(t, tt.wantCode, r.status, "%s", r.body)
			body := r.json(t)
			if tt.wantErr != "" {
				assert.Equal(t, tt.wantErr, body["errorCode"])
				assert.NotContains(t, string(r.body), DefaultClientSecret)
				return
			}
			assert.NotEmpty(t, body["access_token"])
			assert.Equal(t, "bearer", body["token_type"])
			assert.EqualValues(t, 1800, body["expires_in"])
			assert.Equal(t, "success", body["errorCode"])
			assert.Equal(t, 1, f.emu.Stats().TokensIssued)
		})
	}
}

func TestTokenBasicAuth(t *testing.T) {
	f := newFixture(t, Config{})
	form := goodForm()
	form.Del("client_id")
	form.Del("client_secret")
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v2/oauth2/token",
		stringsReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(DefaultClientID, DefaultClientSecret)

	r := f.do(req)

	assert.Equal(t, http.StatusOK, r.status, "%s", r.body)
}

func TestTokenExpiry(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration
		expire  bool
		want    int
	}{
		{name: "fresh token", want: http.StatusOK},
		{name: "just before expiry", advance: 59 * time.Minute, want: http.StatusOK},
		{name: "after expiry", advance: time.Hour, want: http.StatusUnauthorized},
		{name: "expired by ExpireTokens", expire: true, want: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			tok := f.token()
			f.clock.Advance(tt.advance)
			if tt.expire {
				f.emu.ExpireTokens()
			}

			r := f.get("/whoami/v1", tok, nil)

			assert.Equal(t, tt.want, r.status, "%s", r.body)
			// A new token always works.
			assert.Equal(t, http.StatusOK, f.get("/whoami/v1", f.token(), nil).status)
		})
	}
}

func TestMissingTokenIs401(t *testing.T) {
	f := newFixture(t, Config{})
	paths := []string{"/whoami/v1", "/partner/v1/tenants", "/siem/v1/events", "/siem/v1/alerts"}
	for _, path := range paths {
		assert.Equal(t, http.StatusUnauthorized, f.get(path, "", nil).status, path)
		assert.Equal(t, http.StatusUnauthorized, f.get(path, "forged", nil).status, path)
	}
}
