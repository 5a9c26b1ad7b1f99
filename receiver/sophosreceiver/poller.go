// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver"

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/cursor"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/itemlog"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/metadata"
	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"
)

// windowMargin keeps a from_date this far inside the API's 24 hour window, for the time
// the request takes and the second the Date header does not show.
const windowMargin = 5 * time.Minute

// warnAfterFailures is how many failures in a row of a transient kind (429, 5xx, network)
// pass before a warning; earlier ones are only counted and logged at debug.
const warnAfterFailures = 5

// cursorRefusalsToRestart is how many 400s in a row for a cursor make the stream give it up.
const cursorRefusalsToRestart = 3

// pagesPerTurn is how many pages a stream may read in one turn of its tenant before the
// tenant gives its slot to the next one in line, so that a large backlog starves nobody.
const pagesPerTurn = 10

// poller reads one SIEM stream of one tenant, a turn at a time.
type poller struct {
	r          *sophosReceiver
	tenant     tenant
	stream     string
	logger     *zap.Logger
	limiter    *rate.Limiter // the tenant's, shared with its other stream
	attrs      metric.MeasurementOption
	tenantAttr []attribute.KeyValue // the tenant attribute of metrics, when they carry one

	loaded   bool
	due      time.Time       // when the next turn may start; zero at first
	pos      cursor.Position // pos.Cursor is empty until the first page or a stored one
	fromDate time.Time       // where the first request starts when there is no cursor
	reported time.Time       // SavedAt of the stale position last reported, not to repeat it
	failures int             // failed calls in a row

	cursorRefusals int // 400s in a row for the current cursor
}

func newPoller(r *sophosReceiver, t tenant, stream string, limiter *rate.Limiter,
	tenantAttr []attribute.KeyValue,
) *poller {
	return &poller{
		r:          r,
		tenant:     t,
		stream:     stream,
		logger:     r.set.Logger.With(zap.String("tenant", t.ID), zap.String("stream", stream)),
		limiter:    limiter,
		tenantAttr: tenantAttr,
		attrs: metric.WithAttributeSet(attribute.NewSet(
			append([]attribute.KeyValue{attribute.String("stream", stream)}, tenantAttr...)...)),
	}
}

// turn reads pages until the stream has no more, a call fails, or it read maxPages, and sets
// when the stream is next due: at once while pages remain, after poll_interval when it is
// drained, after backoff when it failed. A failure never stops the stream.
func (p *poller) turn(ctx context.Context, maxPages int) {
	if !p.loaded {
		if err := p.loadPosition(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			p.failures++
			wait := p.r.backoff.wait(p.failures)
			p.logger.Warn("Cannot read the stored position, retrying", zap.Error(err),
				zap.Duration("retry_in", wait))
			p.due = p.r.localNow().Add(wait)
			return
		}
		p.loaded, p.failures = true, 0
	}
	for range maxPages {
		hasMore, err := p.pollOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			p.failures++
			wait := p.r.backoff.waitFor(err, p.failures)
			p.logFailure(err, wait)
			p.due = p.r.localNow().Add(wait)
			return
		}
		p.failures = 0
		if !hasMore {
			p.due = p.r.localNow().Add(p.r.cfg.PollInterval)
			return
		}
	}
	p.due = p.r.localNow()
}

// loadPosition reads the stored position, if any.
func (p *poller) loadPosition(ctx context.Context) error {
	pos, ok, err := p.r.store.Load(ctx, p.tenant.ID, p.stream)
	if err != nil {
		return err
	}
	if ok {
		p.pos = pos
		p.logger.Debug("Resuming from the stored position",
			zap.Time("saved_at", pos.SavedAt), zap.Time("last_created_at", pos.LastCreatedAt))
	}
	return nil
}

// pollOnce reads one page, hands it to the next consumer and stores the new position.
func (p *poller) pollOnce(ctx context.Context) (hasMore bool, err error) {
	req := p.request()
	if err := p.limiter.Wait(ctx); err != nil {
		return false, err
	}
	// Only the tenants polled at once need a page buffer: hundreds of idle tenants keep none.
	body := p.r.bodies.Get()
	defer func() {
		body.Reset()
		p.r.bodies.Put(body)
	}()
	if _, err := p.r.client.SIEMPage(ctx, req, body); err != nil {
		p.r.countAPIError(err, p.tenantAttr...)
		p.reseedIfRefused(req, err)
		return false, err
	}

	p.cursorRefusals = 0
	received := p.r.localNow()
	logs, page, err := p.decode(body.Bytes(), received)
	if err != nil {
		p.r.countAPIFailure(p.stream, "malformed", p.tenantAttr...)
		return false, err
	}
	p.logger.Debug("Read a SIEM page", zap.Bool("from_cursor", req.Cursor != ""),
		zap.Int("items", page.Items), zap.Bool("has_more", page.HasMore), zap.Int("bytes", body.Len()))
	if !p.deliver(ctx, body.Bytes(), logs, page) {
		return false, ctx.Err()
	}
	p.advance(ctx, page)
	return page.HasMore, nil
}

// request builds the next request: from the cursor, else from a from_date inside the window.
func (p *poller) request() sophosapi.PageRequest {
	req := sophosapi.PageRequest{
		APIHost:        p.tenant.APIHost,
		TenantID:       p.tenant.ID,
		Stream:         p.stream,
		Limit:          p.r.cfg.PageSize,
		ExcludeTypes:   p.r.cfg.ExcludeTypes,
		FromDateOffset: p.r.cfg.FromDateOffset,
	}
	if p.pos.Cursor != "" {
		p.checkStale()
		req.Cursor = p.pos.Cursor
		return req
	}
	if p.fromDate.IsZero() {
		p.fromDate = p.seed(p.r.cfg.InitialLookback)
	}
	req.FromDate = p.fromDate
	return req
}

// seed returns now - lookback, kept inside the API's 24 hour window and not in its future.
// Both are judged by the API's clock, learned from the Date of its responses (the token's at
// least); the local clock stands in only while no response has been seen.
func (p *poller) seed(lookback time.Duration) time.Time {
	clock := p.r.client.Clock()
	now := clock.Local()
	if clock.Known() {
		now = clock.Now()
	}
	from := now.Add(-min(lookback, apiWindow-windowMargin))
	return from.Truncate(time.Second)
}

// reseedIfRefused handles a 400. For a from_date it is outside the window as the API's own
// clock judges it: the date moves back inside, now that the failed response taught us that
// clock. For a cursor the API keeps refusing, the stream restarts from the newest item
// delivered, which repeats it but loses nothing the window still holds.
func (p *poller) reseedIfRefused(req sophosapi.PageRequest, err error) {
	var apiErr *sophosapi.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		return
	}
	if req.Cursor != "" {
		p.cursorRefusals++
		if p.cursorRefusals < cursorRefusalsToRestart {
			return
		}
		p.cursorRefusals = 0
		resume := p.pos.LastCreatedAt
		if resume.IsZero() {
			resume = p.pos.SavedAt
		}
		p.pos.Cursor = ""
		p.fromDate = p.seed(max(time.Second, p.r.client.Clock().Now().Sub(resume)))
		p.logger.Warn("The API refused the stored cursor, restarting from a start date",
			zap.Time("from_date", p.fromDate), zap.Error(err))
		return
	}
	p.fromDate = p.seed(p.r.cfg.InitialLookback)
	p.logger.Warn("The API refused the start date, starting later inside its 24 hour window",
		zap.Time("refused_from_date", req.FromDate), zap.Time("from_date", p.fromDate),
		zap.Duration("api_clock_offset", p.r.client.Clock().Offset()), zap.Error(err))
}

// checkStale reports, once per position, a cursor older than the API's window: Sophos
// resets it to 24 hours ago without an error, and what came before is lost.
//
// Limitation: a position's age is that of its saved_at. A cursor saved while draining a
// backlog points at older items than saved_at says, so a gap that opens within hours of such
// a save may go unreported; the lost interval reported starts at the newest item delivered.
func (p *poller) checkStale() {
	apiNow := p.r.client.Clock().Now()
	windowStart := apiNow.Add(-apiWindow)
	if !p.pos.SavedAt.Before(windowStart) || p.pos.SavedAt.Equal(p.reported) {
		return
	}
	p.reported = p.pos.SavedAt

	lostFrom := p.pos.SavedAt
	if !p.pos.LastCreatedAt.IsZero() && p.pos.LastCreatedAt.Before(lostFrom) {
		lostFrom = p.pos.LastCreatedAt
	}
	lost := windowStart.Sub(lostFrom)
	p.r.telemetry.SophosGapsDetected.Add(context.Background(), 1, p.attrs)
	p.r.telemetry.SophosGapDuration.Add(context.Background(), lost.Seconds(), p.attrs)
	p.logger.Warn("The stored position is older than the API's 24 hour window: "+
		"Sophos no longer serves the items in between and resumes 24 hours ago",
		zap.Time("lost_from", lostFrom), zap.Time("lost_until", windowStart),
		zap.Duration("lost", lost), zap.Time("saved_at", p.pos.SavedAt))
}

// decode turns the page body into logs of this tenant.
func (p *poller) decode(body []byte, received time.Time) (plog.Logs, itemlog.Page, error) {
	logs := plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	res := rl.Resource().Attributes()
	res.PutStr(itemlog.AttrTenantID, p.tenant.ID)
	if p.tenant.Name != "" {
		res.PutStr(itemlog.AttrTenantName, p.tenant.Name)
	}
	if p.tenant.DataRegion != "" {
		res.PutStr(itemlog.AttrDataRegion, p.tenant.DataRegion)
	}
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	sl.LogRecords().EnsureCapacity(p.r.cfg.PageSize)

	page, err := itemlog.DecodePage(body, p.stream, received, sl.LogRecords())
	return logs, page, err
}

// deliver hands a page to the next consumer until it takes it or refuses it for good. A
// transient refusal is retried with backoff, from a fresh decoding of the same body, since
// a consumer may have changed the logs it refused. It returns false only when ctx ended.
//
// Limitation: a consumer that refuses for more than 24 hours holds its stream's position
// past the API's window: the gap is reported when the stream moves again.
func (p *poller) deliver(ctx context.Context, body []byte, logs plog.Logs, page itemlog.Page) bool {
	for attempt := 1; ; attempt++ {
		if page.Items == 0 {
			return true
		}
		opCtx := p.r.obsrecv.StartLogsOp(ctx)
		err := p.r.next.ConsumeLogs(opCtx, logs)
		p.r.obsrecv.EndLogsOp(opCtx, metadata.Type.String(), page.Items, err)
		if err == nil {
			p.r.telemetry.SophosItemsReceived.Add(ctx, int64(page.Items), p.attrs)
			return true
		}
		if consumererror.IsPermanent(err) {
			p.r.telemetry.SophosItemsDropped.Add(ctx, int64(page.Items), p.attrs)
			p.logger.Warn("The next consumer refused a page for good, skipping it",
				zap.Int("items", page.Items), zap.Error(err))
			return true
		}
		wait := p.r.backoff.wait(attempt)
		p.logger.Debug("The next consumer refused a page, retrying",
			zap.Int("items", page.Items), zap.Duration("retry_in", wait), zap.Error(err))
		if !sleep(ctx, wait) {
			return false
		}
		logs, page, err = p.decode(body, p.r.localNow())
		if err != nil {
			// The body decoded a moment ago; it cannot fail now.
			return false
		}
	}
}

// advance moves the position past a delivered page and stores it.
//
// Limitation: a crash after the next consumer took a page and before its position is stored
// delivers that page again on restart: at most one page per stream is repeated.
func (p *poller) advance(ctx context.Context, page itemlog.Page) {
	apiNow := p.r.client.Clock().Now()
	p.r.telemetry.SophosPages.Add(ctx, 1, p.attrs)
	lag := 0.0
	if page.Items > 0 && !page.LastCreatedAt.IsZero() {
		lag = max(0, apiNow.Sub(page.LastCreatedAt).Seconds())
	}
	p.r.telemetry.SophosPositionLag.Record(ctx, lag, p.attrs)

	if page.NextCursor == "" {
		// Without a cursor the API gave no new position: ask from the same one again.
		return
	}
	// A copy: the cursor is a piece of the page's text and would keep all of it in memory.
	p.pos.Cursor = strings.Clone(page.NextCursor)
	p.pos.SavedAt = apiNow
	if page.LastCreatedAt.After(p.pos.LastCreatedAt) {
		p.pos.LastCreatedAt = page.LastCreatedAt
	}
	if err := p.r.store.Save(ctx, p.tenant.ID, p.stream, p.pos); err != nil {
		// The page went out; the position lives on in memory and the next page stores it.
		p.logger.Warn("Cannot store the position", zap.Error(err))
	}
}

// logFailure logs a failed poll: at once when a person must act, else after several.
func (p *poller) logFailure(err error, wait time.Duration) {
	fields := []zap.Field{zap.Error(err), zap.Int("failures", p.failures), zap.Duration("retry_in", wait)}
	var apiErr *sophosapi.Error
	needsAction := errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 &&
		apiErr.StatusCode != http.StatusTooManyRequests
	if (needsAction && p.failures == 1) || p.failures == warnAfterFailures {
		p.logger.Warn("Cannot read the SIEM stream, retrying", fields...)
		return
	}
	p.logger.Debug("Cannot read the SIEM stream, retrying", fields...)
}
