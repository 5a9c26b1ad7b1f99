// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver"

import (
	"bytes"
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
	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"

	"github.com/otelcol-sophos/otelcol-sophos/internal/freelist"
	"github.com/otelcol-sophos/otelcol-sophos/internal/storageext"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/cursor"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/metadata"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"
)

// Defaults of the backoff keys.
const (
	defaultBackoffBase = time.Second
	defaultBackoffMax  = 5 * time.Minute
)

// sophosReceiver polls the SIEM streams of one or more tenants.
type sophosReceiver struct {
	cfg       *Config
	set       receiver.Settings
	next      consumer.Logs
	telemetry *metadata.TelemetryBuilder
	obsrecv   *receiverhelper.ObsReport

	// Tunables that tests and benchmarks change, set from cfg by newReceiver.
	localNow     func() time.Time
	backoff      backoff
	requestRate  rate.Limit
	refreshEvery time.Duration

	httpClient *http.Client
	client     *sophosapi.Client
	store      *cursor.Store
	slots      *semaphore.Weighted           // max_concurrent_tenants, handed out in FIFO order
	bodies     *freelist.List[*bytes.Buffer] // page buffers, only as many as pages in hand
	cancel     context.CancelFunc
	wg         sync.WaitGroup

	// workers is the running tenant workers by tenant id; only run's goroutine uses it.
	workers map[string]*workerHandle
}

// workerHandle stops one tenant worker.
type workerHandle struct {
	cancel context.CancelFunc
	done   chan struct{}
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
		cfg:          cfg,
		set:          set,
		next:         next,
		telemetry:    tb,
		obsrecv:      obsrecv,
		localNow:     time.Now,
		backoff:      backoff{base: cfg.Backoff.InitialInterval, max: cfg.Backoff.MaxInterval},
		requestRate:  rate.Limit(cfg.RequestsPerSecond),
		refreshEvery: cfg.Tenants.RefreshInterval,
		workers:      map[string]*workerHandle{},
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
	r.slots = semaphore.NewWeighted(int64(r.cfg.MaxConcurrentTenants))
	// Both streams of a tenant may hold a page at once.
	r.bodies = freelist.New(2*r.cfg.MaxConcurrentTenants, func() *bytes.Buffer { return &bytes.Buffer{} })
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
	return storageext.Client(ctx, host, "storage", *r.cfg.Storage, component.KindReceiver, r.set.ID, "")
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

// run finds the tenants, runs a worker for each, and for partner and organization
// credentials reads the tenant listing again every tenants.refresh_interval, starting workers
// for tenants that appeared and stopping those of tenants that left.
func (r *sophosReceiver) run(ctx context.Context) {
	tenants, listed, ok := r.discoverUntilDone(ctx)
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
		zap.Int("max_concurrent_tenants", r.cfg.MaxConcurrentTenants),
		zap.String("shard", r.shardName()),
		zap.String("storage", storageName),
		zap.Duration("api_clock_offset", r.client.Clock().Offset()))
	r.apply(ctx, tenants)
	if !listed {
		return
	}

	tick := time.NewTicker(r.refreshEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		tenants, _, err := r.discover(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			r.countAPIError(err)
			r.set.Logger.Warn("Cannot list the Sophos tenants again; polling the ones known",
				zap.Error(err), zap.Duration("retry_in", r.refreshEvery))
			continue
		}
		r.apply(ctx, tenants)
	}
}

// apply makes the running workers those of tenants: it stops the workers of tenants no
// longer there, waiting for each, and starts workers for new ones.
func (r *sophosReceiver) apply(ctx context.Context, tenants []tenant) {
	want := make(map[string]bool, len(tenants))
	for _, t := range tenants {
		want[t.ID] = true
	}
	var added, removed []string
	for id, h := range r.workers {
		if !want[id] {
			h.cancel()
			<-h.done
			delete(r.workers, id)
			removed = append(removed, id)
		}
	}
	// Limitation: metrics carry a tenant attribute for a tenant whose worker started while
	// the receiver polled at most tenant_metrics_limit tenants; later changes of the count
	// do not add or remove it on workers already running.
	labels := len(tenants) <= r.cfg.TenantMetricsLimit
	for _, t := range tenants {
		if _, ok := r.workers[t.ID]; ok {
			continue
		}
		r.startWorker(ctx, t, labels)
		added = append(added, t.ID)
	}
	r.telemetry.SophosTenants.Add(context.Background(), int64(len(added)-len(removed)))
	if len(removed) > 0 || (len(added) > 0 && len(added) < len(r.workers)) {
		r.set.Logger.Info("The tenants to poll changed",
			zap.Int("tenants", len(r.workers)), zap.Strings("added", firstIDs(added)),
			zap.Int("added_count", len(added)), zap.Strings("removed", firstIDs(removed)),
			zap.Int("removed_count", len(removed)))
	}
	if len(r.workers) == 0 {
		r.set.Logger.Warn("No tenant to poll after tenants.include, tenants.exclude, " +
			"tenants.shard and tenant_id")
	}
}

func (r *sophosReceiver) startWorker(ctx context.Context, t tenant, labels bool) {
	workerCtx, cancel := context.WithCancel(ctx)
	h := &workerHandle{cancel: cancel, done: make(chan struct{})}
	r.workers[t.ID] = h
	w := newTenantWorker(r, t, labels)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(h.done)
		w.run(workerCtx)
	}()
}

// firstIDs returns at most ten ids, enough for a log line.
func firstIDs(ids []string) []string {
	return ids[:min(len(ids), 10)]
}

func (r *sophosReceiver) shardName() string {
	if r.cfg.Tenants.Shard.Count <= 1 {
		return "all"
	}
	return fmt.Sprintf("%d of %d", r.cfg.Tenants.Shard.Index, r.cfg.Tenants.Shard.Count)
}

// discoverUntilDone retries discovery until it succeeds or ctx ends. listed reports whether
// the tenants come from a listing that may change.
func (r *sophosReceiver) discoverUntilDone(ctx context.Context) (tenants []tenant, listed, ok bool) {
	for attempt := 1; ; attempt++ {
		tenants, listed, err := r.discover(ctx)
		if err == nil {
			return tenants, listed, true
		}
		if ctx.Err() != nil {
			return nil, false, false
		}
		r.countAPIError(err)
		wait := r.backoff.waitFor(err, attempt)
		r.set.Logger.Warn("Cannot find the Sophos tenants to poll, retrying",
			zap.Error(err), zap.Duration("retry_in", wait))
		if !sleep(ctx, wait) {
			return nil, false, false
		}
	}
}

func (r *sophosReceiver) countTokenRequest(reason string) {
	r.telemetry.SophosTokenRequests.Add(context.Background(), 1,
		metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", reason))))
}

// countAPIError counts a failed call by endpoint and status, and the extra attributes (the
// tenant of a SIEM call, where metrics carry it).
func (r *sophosReceiver) countAPIError(err error, extra ...attribute.KeyValue) {
	var apiErr *sophosapi.Error
	if !errors.As(err, &apiErr) {
		return
	}
	r.countAPIFailure(apiErr.Endpoint, apiErr.StatusLabel(), extra...)
}

// countAPIFailure counts a failed call; status is an HTTP status, network or malformed.
func (r *sophosReceiver) countAPIFailure(endpoint, status string, extra ...attribute.KeyValue) {
	attrs := append([]attribute.KeyValue{
		attribute.String("endpoint", endpoint), attribute.String("status", status),
	}, extra...)
	r.telemetry.SophosAPIErrors.Add(context.Background(), 1,
		metric.WithAttributeSet(attribute.NewSet(attrs...)))
}
