// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver

import (
	"fmt"
	"path/filepath"
	"strings"
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
				cfg.Tenants.Include = []string{"11f104c5-cc4a-4a9f-bb9c-632c936dfb9f", "Customer *"}
				cfg.Tenants.Shard = ShardConfig{Index: 2, Count: 3}
				cfg.Tenants.RefreshInterval = 10 * time.Minute
				cfg.MaxConcurrentTenants = 4
				cfg.RequestsPerSecond = 2.5
				cfg.TenantMetricsLimit = 0
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
		{"shard index too high", func(c *Config) { c.Tenants.Shard = ShardConfig{Index: 3, Count: 3} }, "tenants.shard.index: must be from 0 to shard.count-1, got 3"},
		{"shard index without count", func(c *Config) { c.Tenants.Shard = ShardConfig{Index: 1} }, "tenants.shard.index"},
		{"shard count negative", func(c *Config) { c.Tenants.Shard = ShardConfig{Count: -1} }, "tenants.shard.count: must be 0 or more"},
		{"shard last index", func(c *Config) { c.Tenants.Shard = ShardConfig{Index: 2, Count: 3} }, ""},
		{"refresh too often", func(c *Config) { c.Tenants.RefreshInterval = time.Second }, "tenants.refresh_interval: must be at least 1m"},
		{"no concurrent tenants", func(c *Config) { c.MaxConcurrentTenants = 0 }, "max_concurrent_tenants: must be at least 1"},
		{"no request rate", func(c *Config) { c.RequestsPerSecond = 0 }, "requests_per_second: must be positive"},
		{"tenant metrics negative", func(c *Config) { c.TenantMetricsLimit = -1 }, "tenant_metrics_limit: must be 0 or more"},
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
	type tn struct{ id, name string }
	alpha := tn{"aaaaaaaa-0000-4000-8000-000000000001", "Alpha Dental"}
	beta := tn{"bbbbbbbb-0000-4000-8000-000000000002", "Beta Logistics"}
	gamma := tn{"cccccccc-0000-4000-8000-000000000003", ""}
	tests := []struct {
		name    string
		tenants TenantsConfig
		want    map[tn]bool
	}{
		{"everything", TenantsConfig{}, map[tn]bool{alpha: true, beta: true, gamma: true}},
		{"include id", TenantsConfig{Include: []string{alpha.id}}, map[tn]bool{alpha: true, beta: false}},
		{"exclude id", TenantsConfig{Exclude: []string{alpha.id}}, map[tn]bool{alpha: false, beta: true}},
		{"include name", TenantsConfig{Include: []string{"beta logistics"}}, map[tn]bool{alpha: false, beta: true}},
		{"include glob", TenantsConfig{Include: []string{"* Dental", "cccc*"}}, map[tn]bool{alpha: true, beta: false, gamma: true}},
		{"exclude wins", TenantsConfig{Include: []string{"*"}, Exclude: []string{"Beta*"}}, map[tn]bool{alpha: true, beta: false, gamma: true}},
		{"question mark", TenantsConfig{Include: []string{"?lpha dental"}}, map[tn]bool{alpha: true, beta: false}},
		{"id in upper case", TenantsConfig{Exclude: []string{strings.ToUpper(gamma.id)}}, map[tn]bool{gamma: false, beta: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for tenant, want := range tt.want {
				assert.Equal(t, want, tt.tenants.selects(tenant.id, tenant.name), tenant.name)
			}
		})
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything at all", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"*x", "*yx", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"**a", "bba", true},
		{"customer 0*", "customer 042", true},
		{"customer 0*", "customer 142", false},
		{"ü*", "über", true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, glob(tt.pattern, tt.s), "%q ~ %q", tt.pattern, tt.s)
	}
}

// Every tenant falls in exactly one shard, the shards are about even, and adding a shard
// moves only the tenants that go to the new one.
func TestShards(t *testing.T) {
	ids := make([]string, 3000)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08x-0000-4000-8000-%012d", i*7919, i)
	}
	for _, count := range []int{1, 2, 3, 7} {
		sizes := make([]int, count)
		for _, id := range ids {
			held := 0
			for index := range count {
				if (ShardConfig{Index: index, Count: count}).holds(id) {
					held++
					sizes[index]++
				}
			}
			require.Equal(t, 1, held, "%s in %d shards of %d", id, held, count)
		}
		for index, n := range sizes {
			assert.InDelta(t, len(ids)/count, n, float64(len(ids))/float64(count)*0.15,
				"shard %d of %d", index, count)
		}
	}

	moved := 0
	for _, id := range ids {
		before, after := shardOf(id, 3), shardOf(id, 4)
		if before != after {
			assert.Equal(t, 3, after, "a tenant moves only to the new shard")
			moved++
		}
	}
	assert.InDelta(t, len(ids)/4, moved, float64(len(ids))*0.05, "a quarter of the tenants move")
	assert.Equal(t, shardOf(ids[0], 3), shardOf(strings.ToUpper(ids[0]), 3), "ids in any case")
}
