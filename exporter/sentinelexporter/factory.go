package sentinelexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/metadata"
)

// NewFactory returns the factory of the sentinel exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	client := confighttp.NewDefaultClientConfig()
	client.Compression = configcompression.TypeGzip

	return &Config{
		ClientConfig:    client,
		TimeoutConfig:   exporterhelper.TimeoutConfig{Timeout: 30 * time.Second},
		QueueConfig:     configoptional.Some(defaultQueueConfig()),
		RetryConfig:     configretry.NewDefaultBackOffConfig(),
		Credential:      CredentialConfig{Cloud: CloudPublic},
		MaxRequestBytes: MaxRequestBytes,
		Deduplicate:     DeduplicateConfig{Enabled: true, Window: defaultDedupWindow},
	}
}

// defaultDedupWindow covers what can come twice: a batch of the queue replayed after a crash
// (about ten thousand records by default) and a page a receiver reads again, many times over.
const defaultDedupWindow = 100_000

// defaultQueueConfig batches about ten Sophos pages together, so that requests come close to
// the 1 MiB limit after compression instead of carrying one page each.
func defaultQueueConfig() exporterhelper.QueueBatchConfig {
	queue := exporterhelper.NewDefaultQueueConfig()
	batch := exporterhelper.NewDefaultBatchConfig()
	batch.MinSize = 10_000
	batch.FlushTimeout = 5 * time.Second
	queue.Batch = configoptional.Some(batch)
	return queue
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	exp, err := newExporter(c, set)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewLogs(ctx, set, cfg, exp.pushLogs,
		exporterhelper.WithStart(exp.start),
		exporterhelper.WithShutdown(exp.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithRetry(c.RetryConfig),
		exporterhelper.WithQueue(c.QueueConfig),
	)
}
