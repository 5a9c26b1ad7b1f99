// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver"

import (
	"bytes"
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

// bodyBuffers is a free list of page buffers. Unlike a sync.Pool it keeps them across
// garbage collections, so that a buffer grown to a page of a megabyte is not grown again for
// every page; it keeps at most as many as tenants may be polled at once.
type bodyBuffers chan *bytes.Buffer

func newBodyBuffers(n int) bodyBuffers { return make(bodyBuffers, n) }

func (b bodyBuffers) get() *bytes.Buffer {
	select {
	case buf := <-b:
		buf.Reset()
		return buf
	default:
		return &bytes.Buffer{}
	}
}

func (b bodyBuffers) put(buf *bytes.Buffer) {
	select {
	case b <- buf:
	default:
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
