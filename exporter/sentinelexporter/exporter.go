package sentinelexporter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/entra"
	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/ledger"
	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/metadata"
	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/packer"
	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/row"
	"github.com/otelcol-sophos/otelcol-sophos/internal/dcr"
	"github.com/otelcol-sophos/otelcol-sophos/internal/storageext"
)

// defaultGzipLevel balances speed and size: on the emulator's Sophos events it compresses
// about 4.7 times at over 100 MB of rows per CPU-second; level 5 packs 15% more rows per
// request for about a third more CPU (compression_params.level).
const defaultGzipLevel = 3

// sentinelExporter turns log records into rows and sends them to the Logs Ingestion API.
type sentinelExporter struct {
	cfg       *Config
	set       exporter.Settings
	telemetry *metadata.TelemetryBuilder
	router    *router
	schemas   map[string]*row.Schema
	gzip      bool
	level     int

	client *http.Client
	tokens *entra.Source  // nil when an auth extension signs the requests
	ledger *ledger.Ledger // nil when deduplicate is off
	urls   sync.Map       // stream -> request URL
	pool   sync.Pool      // *packer.Packer
}

func newExporter(cfg *Config, set exporter.Settings) (*sentinelExporter, error) {
	streams := dcr.Sophos()
	if cfg.SchemaFile != "" {
		fromFile, err := dcr.ReadFile(cfg.SchemaFile)
		if err != nil {
			return nil, fmt.Errorf("schema_file: %w", err)
		}
		for name, s := range fromFile {
			streams[name] = s
		}
	}
	schemas := make(map[string]*row.Schema, len(streams))
	for name, s := range streams {
		schemas[name] = row.NewSchema(s)
	}

	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	level := defaultGzipLevel
	if l := int(cfg.CompressionParams.Level); l >= 1 && l <= 9 {
		level = l
	}
	return &sentinelExporter{
		cfg:       cfg,
		set:       set,
		telemetry: tb,
		router:    newRouter(cfg),
		schemas:   schemas,
		gzip:      cfg.Compression == configcompression.TypeGzip,
		level:     level,
	}, nil
}

func (e *sentinelExporter) start(ctx context.Context, host component.Host) error {
	// The exporter compresses requests itself, and confighttp reads the same timeout key as
	// exporterhelper, whose deadline covers every request of a batch: confighttp does neither.
	clientCfg := e.cfg.ClientConfig
	clientCfg.Compression = ""
	clientCfg.Timeout = 0
	client, err := clientCfg.ToClient(ctx, host.GetExtensions(), e.set.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("sentinel http client: %w", err)
	}
	e.client = client

	if !e.cfg.Auth.HasValue() {
		// Token requests share tls and proxy settings, but not headers or auth.
		tokenCfg := clientCfg
		tokenCfg.Auth = configoptional.None[configauth.Config]()
		tokenCfg.Headers = nil
		tokenClient, err := tokenCfg.ToClient(ctx, host.GetExtensions(), e.set.TelemetrySettings)
		if err != nil {
			return fmt.Errorf("sentinel token http client: %w", err)
		}
		opts := credentialOptions(e.cfg.Credential, tokenClient)
		e.tokens, err = entra.NewSource(entra.Scope(e.cfg.Credential.Cloud),
			func() (azcore.TokenCredential, error) { return entra.NewCredential(opts) })
		if err != nil {
			return fmt.Errorf("sentinel credential: %w", err)
		}
	}

	if err := e.openLedger(ctx, host); err != nil {
		return err
	}

	e.set.Logger.Info("Sending logs to Azure Monitor Logs Ingestion",
		zap.String("endpoint", e.cfg.Endpoint),
		zap.String("dcr_immutable_id", e.cfg.DCRImmutableID),
		zap.String("stream_name", e.cfg.StreamName),
		zap.Int("stream_routes", len(e.cfg.StreamRoutes)),
		zap.String("credential", credentialName(e.cfg)),
		zap.String("deduplicate", e.ledgerName()))
	return nil
}

// openLedger opens the ledger of accepted records, in the storage extension of the sending
// queue when there is one.
func (e *sentinelExporter) openLedger(ctx context.Context, host component.Host) error {
	if !e.cfg.Deduplicate.Enabled {
		return nil
	}
	var client storage.Client
	if id := e.queueStorage(); id != nil {
		var err error
		client, err = storageext.Client(ctx, host, "sending_queue.storage", *id,
			component.KindExporter, e.set.ID, "ledger")
		if err != nil {
			return err
		}
	}
	l, err := ledger.Open(ctx, client, e.cfg.Deduplicate.Window)
	if err != nil {
		if client != nil {
			_ = client.Close(ctx)
		}
		return fmt.Errorf("deduplicate: %w", err)
	}
	e.ledger = l
	return nil
}

func (e *sentinelExporter) queueStorage() *component.ID {
	if !e.cfg.QueueConfig.HasValue() {
		return nil
	}
	return e.cfg.QueueConfig.Get().StorageID
}

func (e *sentinelExporter) ledgerName() string {
	switch {
	case e.ledger == nil:
		return "off"
	case e.queueStorage() != nil:
		return "ledger in " + e.queueStorage().String()
	}
	return "ledger in memory"
}

func (e *sentinelExporter) shutdown(ctx context.Context) error {
	if e.client != nil {
		e.client.CloseIdleConnections()
	}
	var err error
	if e.ledger != nil {
		if err = e.ledger.Close(ctx); err != nil {
			err = fmt.Errorf("deduplicate: %w", err)
		}
	}
	e.telemetry.Shutdown()
	e.set.Logger.Info("Stopped sending logs to Azure Monitor Logs Ingestion")
	return err
}

func credentialName(cfg *Config) string {
	if cfg.Auth.HasValue() {
		return "auth extension " + cfg.Auth.Get().AuthenticatorID.String()
	}
	return cfg.Credential.Type
}

func credentialOptions(c CredentialConfig, client *http.Client) entra.Options {
	return entra.Options{
		Type:                c.Type,
		TenantID:            c.TenantID,
		ClientID:            c.ClientID,
		ClientSecret:        string(c.ClientSecret),
		CertificateFile:     c.CertificateFile,
		CertificatePassword: string(c.CertificatePassword),
		ResourceID:          c.ResourceID,
		TokenFile:           c.TokenFile,
		Cloud:               c.Cloud,
		AuthorityHost:       c.AuthorityHost,
		HTTPClient:          client,
	}
}

// streamURL returns the ingestion URL of a stream.
func (e *sentinelExporter) streamURL(stream string) string {
	if u, ok := e.urls.Load(stream); ok {
		return u.(string)
	}
	u := strings.TrimRight(e.cfg.Endpoint, "/") + "/dataCollectionRules/" +
		url.PathEscape(e.cfg.DCRImmutableID) + "/streams/" + url.PathEscape(stream) +
		"?api-version=2023-01-01"
	e.urls.Store(stream, u)
	return u
}

func (e *sentinelExporter) getPacker() (*packer.Packer, error) {
	if p, ok := e.pool.Get().(*packer.Packer); ok {
		return p, nil
	}
	return packer.New(e.gzip, e.level)
}

func streamAttr(stream string) metric.MeasurementOption {
	return metric.WithAttributes(attribute.String("stream", stream))
}

// pushLogs sends one batch. Rows Azure accepted are never returned for retry: a transient
// failure returns only the rows not yet accepted, through consumererror.NewLogs.
func (e *sentinelExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	b := e.buildBatch(ctx, ld)
	defer b.release()

	var res result
	for _, s := range b.streams {
		if res.retryErr != nil {
			res.retryStream(s, 0)
			continue
		}
		e.sendStream(ctx, s, &res)
	}

	if b.unrouted > 0 {
		e.telemetry.SentinelRecordsUnrouted.Add(ctx, int64(b.unrouted))
		res.permanent = append(res.permanent, fmt.Errorf(
			"%d log records match no stream_routes and stream_name is empty", b.unrouted))
	}
	permanent := errors.Join(res.permanent...)
	if res.retryErr != nil {
		// Limitation: rows refused for good in a batch that is also retried are logged and
		// counted here, but the pipeline sees only the retryable error.
		if permanent != nil {
			e.set.Logger.Error("Rows dropped: the Logs Ingestion API refused them for good",
				zap.Error(permanent))
		}
		err := res.retryErr
		if res.throttle > 0 {
			err = exporterhelper.NewThrottleRetry(err, res.throttle)
		}
		return consumererror.NewLogs(err, b.subset(ld, res.retry))
	}
	if permanent != nil {
		return consumererror.NewPermanent(permanent)
	}
	return nil
}
