package logsingestion

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func credential(t *testing.T, f *fixture, tenant, secret string) *azidentity.ClientSecretCredential {
	t.Helper()
	cred, err := azidentity.NewClientSecretCredential(tenant, DefaultClientID, secret,
		&azidentity.ClientSecretCredentialOptions{
			ClientOptions: azcore.ClientOptions{
				Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: f.srv.URL + "/"},
				Transport: f.srv.Client(),
			},
			DisableInstanceDiscovery: true,
		})
	require.NoError(t, err)
	return cred
}

func TestAzidentityRoundTrip(t *testing.T) {
	f := newFixture(t, Config{Clock: time.Now})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	cred := credential(t, f, DefaultTenantID, DefaultClientSecret)
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{monitorScope}})
	require.NoError(t, err)
	assert.NotEmpty(t, tok.Token)
	assert.WithinDuration(t, time.Now().Add(DefaultTokenTTL), tok.ExpiresOn, time.Minute)

	resp, body := f.post(t, f.ingestURL(eventsStream), tok.Token,
		mustJSON(t, []any{sampleEvent(0)}), nil)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode, string(body))
	assert.Equal(t, 1, f.emu.Stats().TokensIssued)
}

func TestAzidentityFailures(t *testing.T) {
	tests := []struct {
		name    string
		tenant  string
		secret  string
		wantErr string
	}{
		{name: "wrong secret", tenant: DefaultTenantID, secret: "nope", wantErr: "AADSTS7000215"},
		{
			name: "unknown tenant", tenant: "11111111-1111-1111-1111-111111111111",
			secret: DefaultClientSecret, wantErr: "AADSTS90002",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()

			cred := credential(t, f, tt.tenant, tt.secret)
			_, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{monitorScope}})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, err.Error(), DefaultClientSecret)
		})
	}
}

func TestTokenEndpoint(t *testing.T) {
	with := func(key, value string) url.Values {
		form := goodTokenForm()
		if value == "" {
			form.Del(key)
		} else {
			form.Set(key, value)
		}
		return form
	}
	tests := []struct {
		name      string
		tenant    string
		form      url.Values
		status    int
		wantError string
		wantCode  string
	}{
		{name: "good", form: goodTokenForm(), status: http.StatusOK},
		{
			name: "us government scope", form: with("scope", "https://monitor.azure.us//.default"),
			status: http.StatusOK,
		},
		{
			name: "china scope", form: with("scope", "https://monitor.azure.cn//.default"),
			status: http.StatusOK,
		},
		{
			name: "wrong secret", form: with("client_secret", "wrong"),
			status: http.StatusUnauthorized, wantError: "invalid_client", wantCode: "AADSTS7000215",
		},
		{
			name: "no secret", form: with("client_secret", ""),
			status: http.StatusUnauthorized, wantError: "invalid_client", wantCode: "AADSTS7000216",
		},
		{
			name: "unknown client", form: with("client_id", "other-app"),
			status: http.StatusBadRequest, wantError: "unauthorized_client", wantCode: "AADSTS700016",
		},
		{
			name: "unknown tenant", tenant: "22222222-2222-2222-2222-222222222222",
			form: goodTokenForm(), status: http.StatusBadRequest, wantError: "invalid_request",
			wantCode: "AADSTS90002",
		},
		{
			name: "other resource", form: with("scope", "https://management.azure.com//.default"),
			status: http.StatusBadRequest, wantError: "invalid_resource", wantCode: "AADSTS500011",
		},
		{
			name: "no scope", form: with("scope", ""),
			status: http.StatusBadRequest, wantError: "invalid_request", wantCode: "AADSTS900144",
		},
		{
			name: "wrong grant", form: with("grant_type", "password"),
			status: http.StatusBadRequest, wantError: "unsupported_grant_type", wantCode: "AADSTS70003",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			tenant := tt.tenant
			if tenant == "" {
				tenant = DefaultTenantID
			}
			status, body := f.tokenResponse(t, tenant, tt.form)
			require.Equal(t, tt.status, status, body)
			if tt.wantError == "" {
				assert.Equal(t, "Bearer", body["token_type"])
				assert.InDelta(t, 3600, body["expires_in"], 0)
				assert.NotEmpty(t, body["access_token"])
				assert.Equal(t, 1, f.emu.Stats().TokensIssued)
				return
			}
			assert.Equal(t, tt.wantError, body["error"])
			assert.Contains(t, body["error_description"], tt.wantCode)
			assert.NotContains(t, body["error_description"], DefaultClientSecret)
			assert.Equal(t, 0, f.emu.Stats().TokensIssued)
		})
	}
}

func TestOpenIDConfiguration(t *testing.T) {
	f := newFixture(t, Config{})

	resp, err := f.srv.Client().Get(f.srv.URL + "/" + DefaultTenantID +
		"/v2.0/.well-known/openid-configuration")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	resp, err = f.srv.Client().Get(f.srv.URL + "/not-a-tenant/v2.0/.well-known/openid-configuration")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestTokenExpiry(t *testing.T) {
	tests := []struct {
		name   string
		expire func(f *fixture)
	}{
		{name: "ttl passed", expire: func(f *fixture) { f.clock.Advance(DefaultTokenTTL) }},
		{name: "revoked", expire: func(f *fixture) { f.emu.ExpireTokens() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			body := mustJSON(t, []any{sampleEvent(0)})
			old := f.token(t)

			f.clock.Advance(DefaultTokenTTL - time.Second)
			resp, data := f.post(t, f.ingestURL(eventsStream), old, body, nil)
			require.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))

			tt.expire(f)
			resp, data = f.post(t, f.ingestURL(eventsStream), old, body, nil)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			assert.Equal(t, "InvalidToken", resp.Header.Get("x-ms-error-code"))
			assert.Contains(t, string(data), "expired")

			resp, data = f.post(t, f.ingestURL(eventsStream), f.token(t), body, nil)
			assert.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))
			assert.Len(t, f.emu.Rows(eventsStream), 2)
		})
	}
}

func TestTokenAudience(t *testing.T) {
	f := newFixture(t, Config{})
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	wrong := f.emu.issue(req, "https://management.azure.com")

	resp, data := f.post(t, f.ingestURL(eventsStream), wrong, []byte(`[]`), nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, string(data), "https://management.azure.com")
}

func TestClientAssertion(t *testing.T) {
	f := newFixture(t, Config{})
	enc := base64.RawURLEncoding
	assertion := func(iss string) string {
		return enc.EncodeToString([]byte(`{"alg":"PS256","typ":"JWT"}`)) + "." +
			enc.EncodeToString([]byte(`{"iss":"`+iss+`","sub":"`+iss+`"}`)) + ".c2ln"
	}
	tests := []struct {
		name      string
		assertion string
		status    int
	}{
		{name: "from the client", assertion: assertion(DefaultClientID), status: http.StatusOK},
		{name: "from another client", assertion: assertion("other"), status: http.StatusUnauthorized},
		{name: "not a JWT", assertion: "abc", status: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := goodTokenForm()
			form.Del("client_secret")
			form.Set("client_assertion_type", jwtBearer)
			form.Set("client_assertion", tt.assertion)
			status, body := f.tokenResponse(t, DefaultTenantID, form)
			assert.Equal(t, tt.status, status, body)
		})
	}
}
