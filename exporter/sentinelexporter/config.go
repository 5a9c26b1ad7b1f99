package sentinelexporter

import (
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelcol-sophos/otelcol-sophos/internal/dcr"
)

// MaxRequestBytes is the largest request body, as sent, that the Logs Ingestion API accepts.
const MaxRequestBytes = 1_048_576

// minRequestBytes keeps max_request_bytes large enough to hold a gzip member and a typical row.
const minRequestBytes = 4096

// Credential types accepted by credential.type.
const (
	CredentialClientSecret      = "client_secret"
	CredentialClientCertificate = "client_certificate"
	CredentialManagedIdentity   = "managed_identity"
	CredentialWorkloadIdentity  = "workload_identity"
	CredentialDefault           = "default"
)

// Clouds accepted by credential.cloud.
const (
	CloudPublic       = "public"
	CloudUSGovernment = "usgovernment"
	CloudChina        = "china"
)

// Config defines the configuration of the sentinel exporter.
type Config struct {
	// ClientConfig holds endpoint (the DCE or the DCR's own logs ingestion endpoint), tls,
	// proxy_url, headers, auth and compression (gzip or none).
	confighttp.ClientConfig `mapstructure:",squash"`

	// TimeoutConfig bounds one export of a batch, all its requests together.
	exporterhelper.TimeoutConfig `mapstructure:",squash"`

	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	RetryConfig configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`

	// DCRImmutableID is the immutable id of the data collection rule, dcr-....
	DCRImmutableID string `mapstructure:"dcr_immutable_id"`

	// StreamName receives the records no route matches.
	StreamName string `mapstructure:"stream_name"`

	// StreamRoutes pick a stream by the value of an attribute.
	StreamRoutes []StreamRoute `mapstructure:"stream_routes"`

	// Credential gets Entra ID tokens; leave it out when auth names an authenticator.
	Credential CredentialConfig `mapstructure:"credential"`

	// SchemaFile is a DCR JSON whose streamDeclarations describe the streams.
	SchemaFile string `mapstructure:"schema_file"`

	// MaxRequestBytes is the largest request body on the wire, after compression.
	MaxRequestBytes int `mapstructure:"max_request_bytes"`

	// Deduplicate keeps records that carry a log.record.uid from reaching Azure twice.
	Deduplicate DeduplicateConfig `mapstructure:"deduplicate"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// DeduplicateConfig sets the ledger of accepted records. It lives in the storage extension of
// sending_queue.storage when one is set, so that it outlives a restart, else in memory.
type DeduplicateConfig struct {
	// Enabled turns the ledger on.
	Enabled bool `mapstructure:"enabled"`
	// Window is how many accepted records the ledger remembers, newest first.
	Window int `mapstructure:"window"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// StreamRoute sends the records whose attribute equals Value to StreamName.
type StreamRoute struct {
	Attribute  string `mapstructure:"attribute"`
	Value      string `mapstructure:"value"`
	StreamName string `mapstructure:"stream_name"`
}

// CredentialConfig selects and configures an azidentity credential.
type CredentialConfig struct {
	// Type is client_secret, client_certificate, managed_identity, workload_identity or default.
	Type     string `mapstructure:"type"`
	TenantID string `mapstructure:"tenant_id"`
	// ClientID is the application id, or the client id of a user-assigned managed identity.
	ClientID     string              `mapstructure:"client_id"`
	ClientSecret configopaque.String `mapstructure:"client_secret"`

	// CertificateFile is a PEM or PKCS#12 file with the certificate and its private key.
	CertificateFile     string              `mapstructure:"certificate_file"`
	CertificatePassword configopaque.String `mapstructure:"certificate_password"`

	// ResourceID names a user-assigned managed identity by its Azure resource id.
	ResourceID string `mapstructure:"resource_id"`

	// TokenFile is the federated token of workload identity (default AZURE_FEDERATED_TOKEN_FILE).
	TokenFile string `mapstructure:"token_file"`

	// Cloud is public, usgovernment or china: it picks the authority and the token scope.
	Cloud string `mapstructure:"cloud"`

	// AuthorityHost overrides the cloud's Entra ID authority, e.g. for an emulator.
	AuthorityHost string `mapstructure:"authority_host"`
}

// Validate checks the configuration; each error names the key at fault.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.Endpoint == "" {
		errs = append(errs, errors.New("endpoint: required, the DCE or DCR logs ingestion endpoint"))
	} else if !strings.HasPrefix(cfg.Endpoint, "https://") && !strings.HasPrefix(cfg.Endpoint, "http://") {
		errs = append(errs, fmt.Errorf("endpoint: %q is not an http(s) URL", cfg.Endpoint))
	}
	if cfg.DCRImmutableID == "" {
		errs = append(errs, errors.New("dcr_immutable_id: required"))
	}
	if cfg.StreamName != "" {
		errs = append(errs, validStreamName("stream_name", cfg.StreamName))
	}
	for i, r := range cfg.StreamRoutes {
		if r.Attribute == "" {
			errs = append(errs, fmt.Errorf("stream_routes[%d].attribute: required", i))
		}
		errs = append(errs, validStreamName(fmt.Sprintf("stream_routes[%d].stream_name", i), r.StreamName))
	}
	if cfg.StreamName == "" && len(cfg.StreamRoutes) == 0 {
		errs = append(errs, errors.New("stream_name: required when stream_routes is empty"))
	}
	errs = append(errs, cfg.validateAuth(), cfg.validateCompression(), cfg.validateSize())
	if cfg.Deduplicate.Enabled && cfg.Deduplicate.Window < 1 {
		errs = append(errs, fmt.Errorf("deduplicate.window: must be at least 1, got %d",
			cfg.Deduplicate.Window))
	}
	if cfg.SchemaFile != "" {
		if _, err := dcr.ReadFile(cfg.SchemaFile); err != nil {
			errs = append(errs, fmt.Errorf("schema_file: %w", err))
		}
	}
	return errors.Join(errs...)
}

func validStreamName(key, name string) error {
	if strings.HasPrefix(name, "Custom-") || strings.HasPrefix(name, "Microsoft-") {
		return nil
	}
	return fmt.Errorf("%s: %q must start with Custom- or Microsoft-", key, name)
}

func (cfg *Config) validateAuth() error {
	hasAuth := cfg.Auth.HasValue()
	if hasAuth && cfg.Credential.Type != "" {
		return errors.New("credential.type and auth: set one, not both")
	}
	if hasAuth {
		return nil
	}
	return cfg.Credential.validate()
}

func (cfg *Config) validateCompression() error {
	if cfg.Compression == configcompression.TypeGzip || !cfg.Compression.IsCompressed() {
		return nil
	}
	return fmt.Errorf("compression: %q is not supported, use gzip or none", cfg.Compression)
}

func (cfg *Config) validateSize() error {
	if cfg.MaxRequestBytes > MaxRequestBytes {
		return fmt.Errorf("max_request_bytes: %d is above the API's limit of %d",
			cfg.MaxRequestBytes, MaxRequestBytes)
	}
	if cfg.MaxRequestBytes < minRequestBytes {
		return fmt.Errorf("max_request_bytes: %d is below %d", cfg.MaxRequestBytes, minRequestBytes)
	}
	return nil
}

// validate checks that the credential type is known and has the fields it needs.
func (c *CredentialConfig) validate() error {
	var errs []error
	switch c.Cloud {
	case CloudPublic, CloudUSGovernment, CloudChina, "":
	default:
		errs = append(errs, fmt.Errorf("credential.cloud: %q is not public, usgovernment or china", c.Cloud))
	}
	if c.AuthorityHost != "" && !strings.HasPrefix(c.AuthorityHost, "https://") {
		errs = append(errs, fmt.Errorf("credential.authority_host: %q is not an https URL", c.AuthorityHost))
	}

	need := func(key, value string) {
		if value == "" {
			errs = append(errs, fmt.Errorf("credential.%s: required for type %s", key, c.Type))
		}
	}
	switch c.Type {
	case CredentialClientSecret:
		need("tenant_id", c.TenantID)
		need("client_id", c.ClientID)
		need("client_secret", string(c.ClientSecret))
	case CredentialClientCertificate:
		need("tenant_id", c.TenantID)
		need("client_id", c.ClientID)
		need("certificate_file", c.CertificateFile)
	case CredentialManagedIdentity:
		if c.ClientID != "" && c.ResourceID != "" {
			errs = append(errs, errors.New("credential.client_id and credential.resource_id: set one, not both"))
		}
	case CredentialWorkloadIdentity, CredentialDefault:
	case "":
		errs = append(errs, errors.New("credential.type: required unless auth names an authenticator"))
	default:
		errs = append(errs, fmt.Errorf("credential.type: %q is not client_secret, client_certificate, "+
			"managed_identity, workload_identity or default", c.Type))
	}
	return errors.Join(errs...)
}
