// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver"

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
)

// The two SIEM streams of Sophos Central.
const (
	streamEvents = "events"
	streamAlerts = "alerts"
)

// apiWindow is how far back the SIEM API serves items.
const apiWindow = 24 * time.Hour

// Config defines the configuration of the sophos receiver.
type Config struct {
	// ClientConfig holds timeout, tls and proxy_url for every call to Sophos Central.
	confighttp.ClientConfig `mapstructure:",squash"`

	// ClientID and ClientSecret are the Sophos Central API credential.
	ClientID     string              `mapstructure:"client_id"`
	ClientSecret configopaque.String `mapstructure:"client_secret"`

	// Storage is the id of a storage extension that keeps each stream's position.
	// Without it positions live in memory and a restart starts from initial_lookback.
	Storage *component.ID `mapstructure:"storage"`

	// Streams lists the SIEM streams to poll: events, alerts or both.
	Streams []string `mapstructure:"streams"`

	// PollInterval is the wait after a stream has no more pages.
	PollInterval time.Duration `mapstructure:"poll_interval"`

	// PageSize is the SIEM API's limit parameter, 200 to 1000.
	PageSize int `mapstructure:"page_size"`

	// InitialLookback is how far back a stream without a stored position starts.
	InitialLookback time.Duration `mapstructure:"initial_lookback"`

	// FromDateOffset is sent as from_date_offset_minutes.
	FromDateOffset time.Duration `mapstructure:"from_date_offset"`

	// ExcludeTypes lists event types the API leaves out of the events stream.
	ExcludeTypes []string `mapstructure:"exclude_types"`

	// Tenants selects the tenants of a partner or organization credential, and this
	// collector's share of them.
	Tenants TenantsConfig `mapstructure:"tenants"`

	// MaxConcurrentTenants is how many tenants are polled at once; the others wait their turn.
	MaxConcurrentTenants int `mapstructure:"max_concurrent_tenants"`

	// RequestsPerSecond limits the SIEM requests of each tenant, both streams together.
	RequestsPerSecond float64 `mapstructure:"requests_per_second"`

	// TenantMetricsLimit is the most tenants for which metrics carry a tenant attribute.
	TenantMetricsLimit int `mapstructure:"tenant_metrics_limit"`

	// TokenURL is the OAuth2 token endpoint.
	TokenURL string `mapstructure:"token_url"`

	// GlobalEndpoint is the base URL of whoami and the tenant listings.
	GlobalEndpoint string `mapstructure:"global_endpoint"`

	// TenantID and APIHost skip discovery through whoami where set.
	TenantID string `mapstructure:"tenant_id"`
	APIHost  string `mapstructure:"api_host"`

	// Backoff paces the retries after a failed call or a refused page.
	Backoff BackoffConfig `mapstructure:"backoff"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// BackoffConfig is exponential backoff with jitter. The receiver never gives up, so unlike
// configretry there is no enabled switch and no maximum elapsed time.
type BackoffConfig struct {
	// InitialInterval is the wait before the first retry; each further retry doubles it.
	InitialInterval time.Duration `mapstructure:"initial_interval"`
	// MaxInterval caps the wait between two retries.
	MaxInterval time.Duration `mapstructure:"max_interval"`

	// prevent unkeyed literal initialization
	_ struct{}
}

func (b BackoffConfig) validate() error {
	if b.InitialInterval <= 0 {
		return fmt.Errorf("backoff.initial_interval: must be positive, got %v", b.InitialInterval)
	}
	if b.MaxInterval < b.InitialInterval {
		return fmt.Errorf("backoff.max_interval: must be at least backoff.initial_interval, got %v",
			b.MaxInterval)
	}
	return nil
}

// Validate checks the configuration and names the key at fault.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.ClientID == "" {
		errs = append(errs, errors.New("client_id: must be set"))
	}
	if cfg.ClientSecret == "" {
		errs = append(errs, errors.New("client_secret: must be set"))
	}
	if cfg.Endpoint != "" {
		errs = append(errs, errors.New("endpoint: not used by this receiver, set global_endpoint"))
	}
	errs = append(errs, validateStreams(cfg.Streams)...)
	if cfg.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("poll_interval: must be positive, got %v", cfg.PollInterval))
	}
	if cfg.PageSize < 200 || cfg.PageSize > 1000 {
		errs = append(errs, fmt.Errorf("page_size: must be 200 to 1000, got %d", cfg.PageSize))
	}
	if cfg.InitialLookback <= 0 || cfg.InitialLookback > apiWindow {
		errs = append(errs, fmt.Errorf(
			"initial_lookback: must be more than 0 and at most 24h, got %v", cfg.InitialLookback))
	}
	if cfg.FromDateOffset < 0 || cfg.FromDateOffset%time.Minute != 0 {
		errs = append(errs, fmt.Errorf(
			"from_date_offset: must be whole minutes, 0 or more, got %v", cfg.FromDateOffset))
	}
	errs = append(errs, validateURL("token_url", cfg.TokenURL, true))
	errs = append(errs, validateURL("global_endpoint", cfg.GlobalEndpoint, true))
	errs = append(errs, validateURL("api_host", cfg.APIHost, false))
	errs = append(errs, cfg.Tenants.validate()...)
	if cfg.MaxConcurrentTenants < 1 {
		errs = append(errs, fmt.Errorf("max_concurrent_tenants: must be at least 1, got %d",
			cfg.MaxConcurrentTenants))
	}
	if cfg.RequestsPerSecond <= 0 {
		errs = append(errs, fmt.Errorf("requests_per_second: must be positive, got %v",
			cfg.RequestsPerSecond))
	}
	if cfg.TenantMetricsLimit < 0 {
		errs = append(errs, fmt.Errorf("tenant_metrics_limit: must be 0 or more, got %d",
			cfg.TenantMetricsLimit))
	}
	errs = append(errs, cfg.Backoff.validate())
	return errors.Join(errs...)
}

func validateStreams(streams []string) []error {
	if len(streams) == 0 {
		return []error{errors.New("streams: must list events, alerts or both")}
	}
	var errs []error
	seen := map[string]bool{}
	for _, s := range streams {
		switch {
		case s != streamEvents && s != streamAlerts:
			errs = append(errs, fmt.Errorf("streams: unknown stream %q, want events or alerts", s))
		case seen[s]:
			errs = append(errs, fmt.Errorf("streams: %q listed twice", s))
		}
		seen[s] = true
	}
	return errs
}

func validateURL(key, raw string, required bool) error {
	if raw == "" {
		if required {
			return fmt.Errorf("%s: must be set", key)
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%s: want an http or https URL, got %q", key, raw)
	}
	return nil
}
