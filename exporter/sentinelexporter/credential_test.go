package sentinelexporter

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/configoptional"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/logsingestion"
)

// writeCertificate writes a self-signed certificate and its key as one PEM file.
func writeCertificate(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sentinel exporter test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)

	path := filepath.Join(t.TempDir(), "cert.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	data = append(data, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

func TestExportWithClientCertificate(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	cfg := f.config()
	cfg.Credential.Type = CredentialClientCertificate
	cfg.Credential.ClientSecret = ""
	cfg.Credential.CertificateFile = writeCertificate(t)
	exp := startExporter(t, cfg, nil, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 3)))

	assert.Len(t, f.emu.Rows(eventsStream), 3)
}

func TestExportWithWorkloadIdentity(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(clientAssertion(t)), 0o600))
	cfg := f.config()
	cfg.Credential = CredentialConfig{
		Type: CredentialWorkloadIdentity, TenantID: logsingestion.DefaultTenantID,
		ClientID: logsingestion.DefaultClientID, TokenFile: tokenFile,
		Cloud: CloudPublic, AuthorityHost: f.srv.URL + "/",
	}
	exp := startExporter(t, cfg, nil, nil)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 3)))

	assert.Len(t, f.emu.Rows(eventsStream), 3)
}

// clientAssertion returns an unsigned JWT whose iss and sub are the emulator's client id, the
// shape of a federated token.
func clientAssertion(t *testing.T) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return strings.TrimRight(b64(b), "=")
	}
	now := time.Now().Unix()
	return enc(map[string]any{"alg": "none", "typ": "JWT"}) + "." + enc(map[string]any{
		"iss": logsingestion.DefaultClientID, "sub": logsingestion.DefaultClientID,
		"aud": "api://AzureADTokenExchange", "iat": now, "exp": now + 3600,
	}) + ".c2ln"
}

// bearerAuth is an auth extension that signs requests with a token it got itself.
type bearerAuth struct {
	component.StartFunc
	component.ShutdownFunc
	token string
}

func (a *bearerAuth) RoundTripper(base http.RoundTripper) (http.RoundTripper, error) {
	return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+a.token)
		return base.RoundTrip(r)
	}), nil
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestExportWithAuthExtension(t *testing.T) {
	f := newFixture(t, logsingestion.Config{})
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {logsingestion.DefaultClientID},
		"client_secret": {logsingestion.DefaultClientSecret},
		"scope":         {"https://monitor.azure.com//.default"},
	}
	resp, err := f.srv.Client().PostForm(f.srv.URL+"/"+logsingestion.DefaultTenantID+"/oauth2/v2.0/token", form)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))

	authID := component.MustNewID("bearer")
	cfg := f.config()
	cfg.Credential = CredentialConfig{}
	cfg.Auth = configoptional.Some(configauth.Config{AuthenticatorID: authID})
	exp := startExporter(t, cfg, nil, hostWith{authID: &bearerAuth{token: tok.AccessToken}})
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 3)))

	assert.Len(t, f.emu.Rows(eventsStream), 3)
	assert.Equal(t, 1, f.emu.Stats().TokensIssued)
}

func b64(b []byte) string { return base64.URLEncoding.EncodeToString(b) }

func TestExportSovereignClouds(t *testing.T) {
	for _, cloud := range []string{CloudUSGovernment, CloudChina} {
		t.Run(cloud, func(t *testing.T) {
			f := newFixture(t, logsingestion.Config{})
			cfg := f.config()
			cfg.Credential.Cloud = cloud
			exp := startExporter(t, cfg, nil, nil)
			defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

			require.NoError(t, exp.ConsumeLogs(context.Background(), sophosLogs(t, "events", 2)))

			assert.Len(t, f.emu.Rows(eventsStream), 2)
		})
	}
}
