// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/metadata"
)

// Defaults of the keys that have one.
const (
	defaultPollInterval    = time.Minute
	defaultPageSize        = 1000
	defaultInitialLookback = 12 * time.Hour
	defaultTimeout         = 60 * time.Second
	defaultTokenURL        = "https://id.sophos.com/api/v2/oauth2/token"
	defaultGlobalEndpoint  = "https://api.central.sophos.com"
	defaultTenantsRefresh  = 30 * time.Minute
	// defaultMaxConcurrentTenants keeps a partner account of hundreds of tenants to about a
	// hundred requests a second at most.
	defaultMaxConcurrentTenants = 10
	// defaultRequestsPerSecond is the rate Microsoft's connector keeps to.
	defaultRequestsPerSecond  = 10
	defaultTenantMetricsLimit = 20
)

// NewFactory returns the factory of the sophos receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	client := confighttp.NewDefaultClientConfig()
	client.Timeout = defaultTimeout
	return &Config{
		ClientConfig:         client,
		Streams:              []string{streamEvents, streamAlerts},
		PollInterval:         defaultPollInterval,
		PageSize:             defaultPageSize,
		InitialLookback:      defaultInitialLookback,
		TokenURL:             defaultTokenURL,
		GlobalEndpoint:       defaultGlobalEndpoint,
		Tenants:              TenantsConfig{RefreshInterval: defaultTenantsRefresh},
		MaxConcurrentTenants: defaultMaxConcurrentTenants,
		RequestsPerSecond:    defaultRequestsPerSecond,
		TenantMetricsLimit:   defaultTenantMetricsLimit,
		Backoff: BackoffConfig{
			InitialInterval: defaultBackoffBase,
			MaxInterval:     defaultBackoffMax,
		},
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config,
	next consumer.Logs,
) (receiver.Logs, error) {
	return newReceiver(set, cfg.(*Config), next)
}
