package sentinelexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	if err := sub.Unmarshal(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

func TestLoadConfig(t *testing.T) {
	storage := component.MustNewID("file_storage")
	tests := []struct {
		name string
		want func() *Config
	}{
		{
			name: "",
			want: func() *Config {
				cfg := createDefaultConfig().(*Config)
				cfg.Endpoint = "https://my-dce-abcd.westeurope-1.ingest.monitor.azure.com"
				cfg.DCRImmutableID = "dcr-00000000000000000000000000000000"
				cfg.StreamName = "Custom-SophosEPEvents_CL"
				cfg.Credential = CredentialConfig{
					Type: CredentialClientSecret, TenantID: "00000000-0000-0000-0000-0000000000aa",
					ClientID: "app", ClientSecret: "secret", Cloud: CloudPublic,
				}
				return cfg
			},
		},
		{
			name: "full",
			want: func() *Config {
				cfg := createDefaultConfig().(*Config)
				cfg.Endpoint = "https://my-dcr-abcd.westeurope-1.ingest.monitor.azure.com"
				cfg.DCRImmutableID = "dcr-11111111111111111111111111111111"
				cfg.StreamName = "Custom-SophosEPEvents_CL"
				cfg.StreamRoutes = []StreamRoute{
					{Attribute: "sophos.stream", Value: "events", StreamName: "Custom-SophosEPEvents_CL"},
					{Attribute: "sophos.stream", Value: "alerts", StreamName: "Custom-SophosEPAlerts_CL"},
				}
				cfg.Credential = CredentialConfig{
					Type: CredentialClientCertificate, TenantID: "00000000-0000-0000-0000-0000000000aa",
					ClientID: "app", CertificateFile: "/etc/otelcol/cert.pem", CertificatePassword: "pw",
					Cloud: CloudUSGovernment, AuthorityHost: "https://login.example.test/",
				}
				cfg.SchemaFile = "testdata/dcr.json"
				cfg.Compression = "none"
				cfg.MaxRequestBytes = 500_000
				cfg.TimeoutConfig.Timeout = 10 * time.Second
				cfg.ClientConfig.Timeout = 10 * time.Second
				cfg.TLS.CAFile = "/etc/otelcol/ca.pem"
				queue := defaultQueueConfig()
				queue.StorageID = &storage
				queue.QueueSize = 500
				cfg.QueueConfig = configoptional.Some(queue)
				cfg.RetryConfig.MaxElapsedTime = time.Minute
				return cfg
			},
		},
		{
			name: "auth",
			want: func() *Config {
				cfg := createDefaultConfig().(*Config)
				cfg.Endpoint = "https://my-dce-abcd.westeurope-1.ingest.monitor.azure.com"
				cfg.DCRImmutableID = "dcr-00000000000000000000000000000000"
				cfg.StreamName = "Microsoft-CommonSecurityLog"
				cfg.Auth = configoptional.Some(configauth.Config{
					AuthenticatorID: component.MustNewID("oauth2client"),
				})
				return cfg
			},
		},
		{
			name: "managed_user",
			want: func() *Config {
				cfg := createDefaultConfig().(*Config)
				cfg.Endpoint = "https://my-dce-abcd.westeurope-1.ingest.monitor.azure.com"
				cfg.DCRImmutableID = "dcr-00000000000000000000000000000000"
				cfg.StreamName = "Custom-SophosEPEvents_CL"
				cfg.Credential = CredentialConfig{
					Type: CredentialManagedIdentity, ClientID: "22222222-2222-2222-2222-222222222222",
					Cloud: CloudPublic,
				}
				return cfg
			},
		},
		{
			name: "workload",
			want: func() *Config {
				cfg := createDefaultConfig().(*Config)
				cfg.Endpoint = "https://my-dce-abcd.westeurope-1.ingest.monitor.azure.com"
				cfg.DCRImmutableID = "dcr-00000000000000000000000000000000"
				cfg.StreamName = "Custom-SophosEPEvents_CL"
				cfg.Credential = CredentialConfig{Type: CredentialWorkloadIdentity, Cloud: CloudChina}
				return cfg
			},
		},
	}
	for _, tt := range tests {
		t.Run(component.NewIDWithName(metadata.Type, tt.name).String(), func(t *testing.T) {
			cfg, err := loadConfig(t, tt.name)
			require.NoError(t, err)
			assert.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want(), cfg)
		})
	}
}

func TestLoadConfigRejectsUnknownKeys(t *testing.T) {
	_, err := loadConfig(t, "unknown_key")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "streams")
}

func TestDefaultConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.Equal(t, configcompression.TypeGzip, cfg.Compression)
	assert.Equal(t, MaxRequestBytes, cfg.MaxRequestBytes)
	assert.Equal(t, 30*time.Second, cfg.TimeoutConfig.Timeout)
	assert.True(t, cfg.QueueConfig.HasValue())
	assert.True(t, cfg.RetryConfig.Enabled)
}

func TestValidate(t *testing.T) {
	valid := func() *Config {
		cfg := createDefaultConfig().(*Config)
		cfg.Endpoint = "https://dce.example.test"
		cfg.DCRImmutableID = "dcr-0"
		cfg.StreamName = "Custom-SophosEPEvents_CL"
		cfg.Credential = CredentialConfig{
			Type: CredentialClientSecret, TenantID: "t", ClientID: "c", ClientSecret: "s",
			Cloud: CloudPublic,
		}
		return cfg
	}
	tests := []struct {
		name   string
		modify func(*Config)
		want   []string // each must appear in the error; none means valid
	}{
		{name: "valid", modify: func(*Config) {}},
		{name: "missing endpoint", modify: func(c *Config) { c.Endpoint = "" }, want: []string{"endpoint: required"}},
		{name: "endpoint not a URL", modify: func(c *Config) { c.Endpoint = "dce.example.test" }, want: []string{"endpoint:"}},
		{name: "missing dcr id", modify: func(c *Config) { c.DCRImmutableID = "" }, want: []string{"dcr_immutable_id: required"}},
		{name: "no stream", modify: func(c *Config) { c.StreamName = "" }, want: []string{"stream_name: required"}},
		{name: "stream prefix", modify: func(c *Config) { c.StreamName = "SophosEPEvents_CL" }, want: []string{"stream_name:", "Custom- or Microsoft-"}},
		{name: "microsoft stream", modify: func(c *Config) { c.StreamName = "Microsoft-CommonSecurityLog" }},
		{
			name: "route prefix",
			modify: func(c *Config) {
				c.StreamRoutes = []StreamRoute{{Attribute: "a", Value: "v", StreamName: "Bad_CL"}}
			},
			want: []string{"stream_routes[0].stream_name:"},
		},
		{
			name: "route attribute",
			modify: func(c *Config) {
				c.StreamRoutes = []StreamRoute{{Value: "v", StreamName: "Custom-X_CL"}}
			},
			want: []string{"stream_routes[0].attribute: required"},
		},
		{name: "unknown credential type", modify: func(c *Config) { c.Credential.Type = "password" }, want: []string{"credential.type:", "password"}},
		{name: "no credential", modify: func(c *Config) { c.Credential = CredentialConfig{} }, want: []string{"credential.type: required"}},
		{name: "secret missing", modify: func(c *Config) { c.Credential.ClientSecret = "" }, want: []string{"credential.client_secret: required"}},
		{
			name: "certificate missing",
			modify: func(c *Config) {
				c.Credential = CredentialConfig{Type: CredentialClientCertificate, TenantID: "t"}
			},
			want: []string{"credential.client_id: required", "credential.certificate_file: required"},
		},
		{
			name: "managed identity ambiguous",
			modify: func(c *Config) {
				c.Credential = CredentialConfig{Type: CredentialManagedIdentity, ClientID: "c", ResourceID: "r"}
			},
			want: []string{"credential.client_id and credential.resource_id"},
		},
		{name: "managed system", modify: func(c *Config) { c.Credential = CredentialConfig{Type: CredentialManagedIdentity} }},
		{name: "default", modify: func(c *Config) { c.Credential = CredentialConfig{Type: CredentialDefault} }},
		{name: "cloud unknown", modify: func(c *Config) { c.Credential.Cloud = "mars" }, want: []string{"credential.cloud:", "mars"}},
		{name: "authority http", modify: func(c *Config) { c.Credential.AuthorityHost = "http://x/" }, want: []string{"credential.authority_host:"}},
		{
			name: "auth and credential",
			modify: func(c *Config) {
				c.Auth = configoptional.Some(configauth.Config{AuthenticatorID: component.MustNewID("a")})
			},
			want: []string{"credential.type and auth"},
		},
		{
			name: "auth alone",
			modify: func(c *Config) {
				c.Credential = CredentialConfig{}
				c.Auth = configoptional.Some(configauth.Config{AuthenticatorID: component.MustNewID("a")})
			},
		},
		{name: "too large", modify: func(c *Config) { c.MaxRequestBytes = 1_048_577 }, want: []string{"max_request_bytes:", "above"}},
		{name: "too small", modify: func(c *Config) { c.MaxRequestBytes = 100 }, want: []string{"max_request_bytes:", "below"}},
		{name: "zstd", modify: func(c *Config) { c.Compression = configcompression.TypeZstd }, want: []string{"compression:", "zstd"}},
		{name: "no compression", modify: func(c *Config) { c.Compression = "none" }},
		{name: "schema file missing", modify: func(c *Config) { c.SchemaFile = "testdata/nope.json" }, want: []string{"schema_file:", "nope.json"}},
		{name: "schema file invalid", modify: func(c *Config) { c.SchemaFile = "testdata/dcr_invalid.json" }, want: []string{"schema_file:", "dcr_invalid.json"}},
		{name: "schema file", modify: func(c *Config) { c.SchemaFile = "testdata/dcr.json" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.modify(cfg)
			err := confmap.Validate(cfg)
			if len(tt.want) == 0 {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
