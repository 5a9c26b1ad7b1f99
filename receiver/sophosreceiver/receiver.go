// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver"

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/cursor"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/metadata"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"
)

// Defaults of the backoff keys.
const (
	defaultBackoffBase = time.Second
	defaultBackoffMax  = 5 * time.Minute
)

// Tunables that tests and benchmarks change; users have no key for them.
const (
	// defaultRequestRate keeps each stream at Microsoft's connector's rate or under.
	defaultRequestRate = 10
)

// sophosReceiver polls the SIEM streams of one or more tenants.
type sophosReceiver struct {
	cfg       *Config
	set       receiver.Settings
	next      consumer.Logs
	telemetry *metadata.TelemetryBuilder
	obsrecv   *receiverhelper.ObsReport

	localNow    func() time.Time
	backoff     backoff
	requestRate rate.Limit

	httpClient *http.Client
	client     *sophosapi.Client
	store      *cursor.Store
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

func newReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*sophosReceiver, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("sophos receiver telemetry: %w", err)
	}
	obsrecv, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              "http",
		LongLivedCtx:           true,
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, fmt.Errorf("sophos receiver telemetry: %w", err)
	}
	return &sophosReceiver{
		cfg:         cfg,
		set:         set,
		next:        next,
		telemetry:   tb,
		obsrecv:     obsrecv,
		localNow:    time.Now,
		backoff:     backoff{base: cfg.Backoff.InitialInterval, max: cfg.Backoff.MaxInterval},
		requestRate: defaultRequestRate,
	}, nil
}

// Start opens the position store and begins polling in the background: Start itself makes
// no call to Sophos Central, so a collector starts even while the API is unreachable.
func (r *sophosReceiver) Start(ctx context.Context, host component.Host) error {
	httpClient, err := r.cfg.ToClient(ctx, host.GetExtensions(), r.set.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("sophos receiver http client: %w", err)
	}
	storageClient, err := r.storageClient(ctx, host)
	if err != nil {
		return err
	}

	r.httpClient = httpClient
	r.store = cursor.NewStore(storageClient)
	r.client = sophosapi.NewClient(sophosapi.Config{
		ClientID:       r.cfg.ClientID,
		ClientSecret:   string(r.cfg.ClientSecret),
		TokenURL:       r.cfg.TokenURL,
		GlobalEndpoint: r.cfg.GlobalEndpoint,
	}, httpClient, sophosapi.Options{
		Clock:          sophosapi.NewClock(r.localNow),
		OnTokenRequest: r.countTokenRequest,
	})

	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.run(runCtx)
	}()
	return nil
}

func (r *sophosReceiver) storageClient(ctx context.Context, host component.Host) (storage.Client, error) {
	if r.cfg.Storage == nil {
		return nil, nil
	}
	ext, ok := host.GetExtensions()[*r.cfg.Storage]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q not found", r.cfg.Storage)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", r.cfg.Storage)
	}
	client, err := se.GetClient(ctx, component.KindReceiver, r.set.ID, "")
	if err != nil {
		return nil, fmt.Errorf("storage: extension %q: %w", r.cfg.Storage, err)
	}
	return client, nil
}

// Shutdown stops every poller, waits for them, and closes the position store.
func (r *sophosReceiver) Shutdown(ctx context.Context) error {
	defer r.telemetry.Shutdown()
	if r.cancel == nil {
		return nil
	}
	r.cancel()

	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	var errs []error
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("sophos receiver shutdown: %w", ctx.Err()))
	}
	if err := r.store.Close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("sophos receiver storage: %w", err))
	}
	r.client.CloseIdleConnections()
	r.httpClient.CloseIdleConnections()
	r.set.Logger.Info("Stopped polling Sophos Central")
	return errors.Join(errs...)
}

// run finds the tenants and starts one poller per tenant and stream.
func (r *sophosReceiver) run(ctx context.Context) {
	tenants, ok := r.discoverUntilDone(ctx)
	if !ok {
		return
	}
	storageName := "memory"
	if r.cfg.Storage != nil {
		storageName = r.cfg.Storage.String()
	}
	r.set.Logger.Info("Polling Sophos Central",
		zap.Int("tenants", len(tenants)),
		zap.Strings("streams", r.cfg.Streams),
		zap.Duration("poll_interval", r.cfg.PollInterval),
		zap.String("storage", storageName),
		zap.Duration("api_clock_offset", r.client.Clock().Offset()))

	for _, t := range tenants {
		for _, s := range r.cfg.Streams {
			p := newPoller(r, t, s)
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				p.run(ctx)
			}()
		}
	}
}

// discoverUntilDone retries discovery until it succeeds or ctx ends.
func (r *sophosReceiver) discoverUntilDone(ctx context.Context) ([]tenant, bool) {
	for attempt := 1; ; attempt++ {
		tenants, err := r.discover(ctx)
		if err == nil && len(tenants) > 0 {
			return tenants, true
		}
		if ctx.Err() != nil {
			return nil, false
		}
		if err == nil {
			err = errNoTenants
		}
		r.countAPIError(err)
		wait := r.backoff.waitFor(err, attempt)
		r.set.Logger.Warn("Cannot find the Sophos tenants to poll, retrying",
			zap.Error(err), zap.Duration("retry_in", wait))
		if !sleep(ctx, wait) {
			return nil, false
		}
	}
}

func (r *sophosReceiver) countTokenRequest(reason string) {
	r.telemetry.SophosTokenRequests.Add(context.Background(), 1,
		metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", reason))))
}

// countAPIError counts a failed call by endpoint and status.
func (r *sophosReceiver) countAPIError(err error) {
	var apiErr *sophosapi.Error
	if !errors.As(err, &apiErr) {
		return
	}
	r.countAPIFailure(apiErr.Endpoint, apiErr.StatusLabel())
}

// countAPIFailure counts a failed call; status is an HTTP status, network or malformed.
func (r *sophosReceiver) countAPIFailure(endpoint, status string) {
	r.telemetry.SophosAPIErrors.Add(context.Background(), 1, metric.WithAttributeSet(
		attribute.NewSet(attribute.String("endpoint", endpoint), attribute.String("status", status))))
}
