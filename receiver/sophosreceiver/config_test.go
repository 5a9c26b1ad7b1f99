// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/metadata"
)

func loadConfig(t *testing.T, id component.ID) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(id.String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		return nil, err
	}
	return cfg, confmap.Validate(cfg)
}

func TestLoadConfig(t *testing.T) {
	storageID := component.MustNewID("file_storage")
	tests := []struct {
		id   component.ID
		want func() *Config
	}{
		{
			id: component.NewID(metadata.Type),
			want: func() *Config {
				cfg := createDefaultConfig().(*Config)
				cfg.ClientID = "my-client-id"
				cfg.ClientSecret = "my-client-secret"
				return cfg
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "full"),
			want: func() *Config {
				cfg := createDefaultConfig().(*Config)
				cfg.ClientID = "my-client-id"
				cfg.ClientSecret = "my-client-secret"
				cfg.Storage = &storageID
				cfg.Streams = []string{"alerts"}
				cfg.PollInterval = 30 * time.Second
				cfg.PageSize = 500
				cfg.InitialLookback = 6 * time.Hour
				cfg.FromDateOffset = 5 * time.Minute
				cfg.ExcludeTypes = []string{"Event::Endpoint::UpdateSuccess", "Event::Endpoint::UpdateFailure"}
				cfg.Tenants.Include = []string{"11f104c5-cc4a-4a9f-bb9c-632c936dfb9f"}
				cfg.Tenants.Exclude = []string{"22f104c5-cc4a-4a9f-bb9c-632c936dfb9f"}
				cfg.TokenURL = "https://id.example.com/api/v2/oauth2/token"
				cfg.GlobalEndpoint = "https://api.example.com"
				cfg.TenantID = "11f104c5-cc4a-4a9f-bb9c-632c936dfb9f"
				cfg.APIHost = "https://api-eu02.central.sophos.com"
				cfg.Timeout = 20 * time.Second
				cfg.ProxyURL = "http://proxy.example.com:3128"
				cfg.TLS.InsecureSkipVerify = true
				cfg.Backoff.InitialInterval = 2 * time.Second
				cfg.Backoff.MaxInterval = time.Minute
				return cfg
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg, err := loadConfig(t, tt.id)
			require.NoError(t, err)
			assert.Equal(t, tt.want(), cfg)
		})
	}
}

func TestLoadConfigUnknownKey(t *testing.T) {
	_, err := loadConfig(t, component.NewIDWithName(metadata.Type, "unknown_key"))
	require.Error(t, err)
	assert.ErrorContains(t, err, "pollinterval")
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{"valid", func(*Config) {}, ""},
		{"no client_id", func(c *Config) { c.ClientID = "" }, "client_id: must be set"},
		{"no client_secret", func(c *Config) { c.ClientSecret = "" }, "client_secret: must be set"},
		{"page_size low", func(c *Config) { c.PageSize = 199 }, "page_size: must be 200 to 1000, got 199"},
		{"page_size high", func(c *Config) { c.PageSize = 1001 }, "page_size: must be 200 to 1000"},
		{"page_size min", func(c *Config) { c.PageSize = 200 }, ""},
		{"unknown stream", func(c *Config) { c.Streams = []string{"events", "logs"} }, `streams: unknown stream "logs"`},
		{"stream twice", func(c *Config) { c.Streams = []string{"alerts", "alerts"} }, `streams: "alerts" listed twice`},
		{"no streams", func(c *Config) { c.Streams = nil }, "streams: must list"},
		{"lookback over 24h", func(c *Config) { c.InitialLookback = 25 * time.Hour }, "initial_lookback: must be"},
		{"lookback 24h", func(c *Config) { c.InitialLookback = 24 * time.Hour }, ""},
		{"lookback zero", func(c *Config) { c.InitialLookback = 0 }, "initial_lookback: must be"},
		{"poll_interval zero", func(c *Config) { c.PollInterval = 0 }, "poll_interval: must be positive"},
		{"from_date_offset seconds", func(c *Config) { c.FromDateOffset = 90 * time.Second }, "from_date_offset: must be whole minutes"},
		{"from_date_offset negative", func(c *Config) { c.FromDateOffset = -time.Minute }, "from_date_offset"},
		{"token_url empty", func(c *Config) { c.TokenURL = "" }, "token_url: must be set"},
		{"token_url not http", func(c *Config) { c.TokenURL = "ftp://x" }, "token_url: want an http or https URL"},
		{"global_endpoint relative", func(c *Config) { c.GlobalEndpoint = "api.central.sophos.com" }, "global_endpoint: want an http"},
		{"api_host bad", func(c *Config) { c.APIHost = "::" }, "api_host:"},
		{"endpoint set", func(c *Config) { c.Endpoint = "https://x" }, "endpoint: not used by this receiver"},
		{
			"tenant included and excluded",
			func(c *Config) { c.Tenants.Include = []string{"a", "b"}; c.Tenants.Exclude = []string{"b"} },
			`tenants: "b" is both in include and in exclude`,
		},
		{"empty tenant id", func(c *Config) { c.Tenants.Exclude = []string{""} }, "tenants.exclude: empty tenant id"},
		{"backoff zero", func(c *Config) { c.Backoff.InitialInterval = 0 }, "backoff.initial_interval: must be positive"},
		{
			"backoff max below initial",
			func(c *Config) { c.Backoff.MaxInterval = c.Backoff.InitialInterval / 2 },
			"backoff.max_interval: must be at least backoff.initial_interval",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.ClientID, cfg.ClientSecret = "id", "secret"
			tt.change(cfg)
			err := confmap.Validate(cfg)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.wantErr)
			if cfg.ClientSecret != "" {
				assert.NotContains(t, err.Error(), string(cfg.ClientSecret))
			}
		})
	}
}

func TestTenantsSelects(t *testing.T) {
	tests := []struct {
		name    string
		tenants TenantsConfig
		want    map[string]bool
	}{
		{"everything", TenantsConfig{}, map[string]bool{"a": true, "b": true}},
		{"include", TenantsConfig{Include: []string{"a"}}, map[string]bool{"a": true, "b": false}},
		{"exclude", TenantsConfig{Exclude: []string{"a"}}, map[string]bool{"a": false, "b": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for id, want := range tt.want {
				assert.Equal(t, want, tt.tenants.selects(id), id)
			}
		})
	}
}
