// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"golang.org/x/time/rate"
)

// tenantWorker polls the streams of one tenant, a turn at a time. It waits until one of its
// streams is due, then for one of the receiver's max_concurrent_tenants slots, reads each
// due stream for up to pagesPerTurn pages, and gives the slot back. The slots are handed out
// first come, first served, so a tenant with a large backlog goes to the back of the line
// after each turn and every other tenant gets its turn in between.
type tenantWorker struct {
	r       *sophosReceiver
	tenant  tenant
	pollers []*poller
}

func newTenantWorker(r *sophosReceiver, t tenant, tenantLabel bool) *tenantWorker {
	var tenantAttr []attribute.KeyValue
	if tenantLabel {
		tenantAttr = []attribute.KeyValue{attribute.String("tenant", t.ID)}
	}
	// One limiter for both streams: requests_per_second is the tenant's.
	limiter := rate.NewLimiter(r.requestRate, 1)
	w := &tenantWorker{r: r, tenant: t}
	for _, s := range r.cfg.Streams {
		w.pollers = append(w.pollers, newPoller(r, t, s, limiter, tenantAttr))
	}
	return w
}

// run polls until ctx ends.
func (w *tenantWorker) run(ctx context.Context) {
	for {
		if !sleep(ctx, w.nextDue().Sub(w.r.localNow())) {
			return
		}
		if err := w.r.slots.Acquire(ctx, 1); err != nil {
			return
		}
		now := w.r.localNow()
		for _, p := range w.pollers {
			if !p.due.After(now) {
				p.turn(ctx, pagesPerTurn)
			}
		}
		w.r.slots.Release(1)
		if ctx.Err() != nil {
			return
		}
	}
}

// nextDue returns when the first of the tenant's streams is due.
func (w *tenantWorker) nextDue() time.Time {
	next := w.pollers[0].due
	for _, p := range w.pollers[1:] {
		if p.due.Before(next) {
			next = p.due
		}
	}
	return next
}
