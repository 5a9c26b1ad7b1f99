package sentinelexporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/entra"
	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/packer"
)

// errorBodyBytes is how much of an error response goes into the error.
const errorBodyBytes = 512

// result gathers what happened to the requests of one batch.
type result struct {
	// retry holds the batch indexes of the records to send again.
	retry    []int
	retryErr error
	throttle time.Duration
	// permanent holds the errors of rows that will never be accepted.
	permanent []error
}

func (r *result) retryStream(s *streamRows, from int) {
	r.retry = append(r.retry, s.refs[from:]...)
}

// errStop ends packing after a transient failure: the rows left wait for the retry.
var errStop = errors.New("stop sending")

// sendStream packs and sends the rows of one stream, request after request. After the first
// transient failure it stops, and that request's rows and all after it are to be retried.
func (e *sentinelExporter) sendStream(ctx context.Context, s *streamRows, res *result) {
	p, err := e.getPacker()
	if err != nil {
		res.permanent = append(res.permanent, err)
		return
	}
	defer e.pool.Put(p)

	_ = p.Pack(&s.rows, 0, s.rows.Len(), e.cfg.MaxRequestBytes, func(req packer.Request) error {
		if from := e.sendRequest(ctx, s, req, res); from >= 0 {
			res.retryStream(s, from)
			return errStop
		}
		return nil
	})
}

// sendRequest sends one packed request. It returns the first row to retry from, or -1 when
// none is left to retry.
func (e *sentinelExporter) sendRequest(ctx context.Context, s *streamRows, req packer.Request, res *result) int {
	rows := int64(req.End - req.First)
	if req.TooLarge {
		e.telemetry.SentinelRowsTooLarge.Add(ctx, 1, streamAttr(s.name))
		res.permanent = append(res.permanent, fmt.Errorf(
			"stream %s: a row of %d bytes does not fit in max_request_bytes %d",
			s.name, s.rows.Size(req.First, req.End), e.cfg.MaxRequestBytes))
		return -1
	}

	out := e.post(ctx, s.name, req)
	switch {
	case out.err == nil:
		e.telemetry.SentinelRowsSent.Add(ctx, rows, streamAttr(s.name))
		e.remember(ctx, s, req)
		return -1
	case out.status == http.StatusRequestEntityTooLarge:
		// Limitation: a row that Azure refuses as too large on its own is dropped and
		// counted; it is not cut into smaller rows.
		if rows == 1 {
			e.telemetry.SentinelRowsTooLarge.Add(ctx, 1, streamAttr(s.name))
			res.permanent = append(res.permanent, out.err)
			return -1
		}
		return e.split(ctx, s, req, res)
	case out.permanent:
		e.telemetry.SentinelRowsFailed.Add(ctx, rows, streamAttr(s.name))
		res.permanent = append(res.permanent, out.err)
		if out.status == http.StatusForbidden {
			e.set.Logger.Warn("The Logs Ingestion API refused the credential: grant it the "+
				"Monitoring Metrics Publisher role on the DCR (taking effect can take 30 minutes)",
				zap.String("stream", s.name))
		}
		return -1
	}
	res.retryErr = out.err
	res.throttle = max(res.throttle, out.retryAfter)
	return req.First
}

// remember writes the keys of an accepted request into the ledger.
//
// Limitation: a crash between Azure's answer and the ledger's write sends that request's rows
// again after the restart.
func (e *sentinelExporter) remember(ctx context.Context, s *streamRows, req packer.Request) {
	if e.ledger == nil {
		return
	}
	if err := e.ledger.Accept(context.WithoutCancel(ctx), s.keys[req.First:req.End]); err != nil {
		e.set.Logger.Warn("Cannot store which rows were accepted: after a restart they may be "+
			"sent again", zap.String("stream", s.name), zap.Error(err))
	}
}

// split resends the rows of a request the API found too large as two halves, each packed anew.
func (e *sentinelExporter) split(ctx context.Context, s *streamRows, req packer.Request, res *result) int {
	p, err := e.getPacker()
	if err != nil {
		res.permanent = append(res.permanent, err)
		return -1
	}
	defer e.pool.Put(p)

	mid := req.First + (req.End-req.First)/2
	retryFrom := -1
	for _, half := range [][2]int{{req.First, mid}, {mid, req.End}} {
		_ = p.Pack(&s.rows, half[0], half[1], e.cfg.MaxRequestBytes, func(r packer.Request) error {
			if from := e.sendRequest(ctx, s, r, res); from >= 0 {
				retryFrom = from
				return errStop
			}
			return nil
		})
		if retryFrom >= 0 {
			return retryFrom
		}
	}
	return -1
}

// outcome is the result of one POST.
type outcome struct {
	status     int // 0 when no response came
	err        error
	permanent  bool
	retryAfter time.Duration
}

// post sends one body, renewing the token once if the API refuses it.
func (e *sentinelExporter) post(ctx context.Context, stream string, req packer.Request) outcome {
	token := ""
	if e.tokens != nil {
		var err error
		if token, err = e.tokens.Token(ctx); err != nil {
			return outcome{err: err, permanent: entra.IsPermanent(err)}
		}
	}

	out := e.postOnce(ctx, stream, req, token)
	if out.status == http.StatusUnauthorized && e.tokens != nil {
		e.set.Logger.Debug("Token refused, renewing it", zap.String("stream", stream))
		renewed, err := e.tokens.Renew(ctx, token)
		if err != nil {
			return outcome{err: err, permanent: entra.IsPermanent(err)}
		}
		out = e.postOnce(ctx, stream, req, renewed)
	}
	return out
}

func (e *sentinelExporter) postOnce(ctx context.Context, stream string, req packer.Request, token string) outcome {
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, e.streamURL(stream),
		bytes.NewReader(req.Body))
	if err != nil {
		return outcome{err: fmt.Errorf("logs ingestion request: %w", err), permanent: true}
	}
	requestID := uuid.NewString()
	httpReq.Header.Set("Content-Type", "application/json")
	httpReq.Header.Set("x-ms-client-request-id", requestID)
	if e.gzip {
		httpReq.Header.Set("Content-Encoding", "gzip")
	}
	if token != "" {
		httpReq.Header.Set("Authorization", "Bearer "+token)
	}

	attr := streamAttr(stream)
	e.telemetry.SentinelRequestsSent.Add(ctx, 1, attr)
	e.telemetry.SentinelBytesUncompressed.Add(ctx, int64(req.RawBytes), attr)
	e.telemetry.SentinelBytesSent.Add(ctx, int64(len(req.Body)), attr)

	resp, err := e.client.Do(httpReq)
	if err != nil {
		// Limitation: when the connection breaks after Azure accepted the rows but before the
		// answer arrived, the rows are sent again and arrive twice; the API offers no way to
		// ask whether a request id was taken.
		e.countResponse(ctx, stream, 0)
		return outcome{err: fmt.Errorf("logs ingestion %s, x-ms-client-request-id %s: %w",
			stream, requestID, err)}
	}
	defer func() { _ = resp.Body.Close() }()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	e.countResponse(ctx, stream, resp.StatusCode)

	e.set.Logger.Debug("Logs Ingestion request",
		zap.String("stream", stream), zap.Int("status", resp.StatusCode),
		zap.Int("rows", req.End-req.First), zap.Int("bytes", len(req.Body)),
		zap.String("x-ms-client-request-id", requestID))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return outcome{status: resp.StatusCode}
	}

	out := outcome{
		status: resp.StatusCode,
		err: fmt.Errorf("logs ingestion %s: HTTP %d, x-ms-error-code %q, "+
			"x-ms-client-request-id %s, x-ms-request-id %s: %s",
			stream, resp.StatusCode, resp.Header.Get("x-ms-error-code"), requestID,
			resp.Header.Get("x-ms-request-id"), bytes.TrimSpace(snippet)),
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		out.retryAfter = retryAfter(resp.Header, time.Now())
		e.telemetry.SentinelThrottledTime.Add(ctx, out.retryAfter.Seconds(), streamAttr(stream))
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
	default:
		// 400 malformed or schema, 401 after a renewed token, 403 missing role, 404 wrong
		// DCR, stream or host: sending the same rows again can not succeed.
		out.permanent = resp.StatusCode < 500
	}
	return out
}

func (e *sentinelExporter) countResponse(ctx context.Context, stream string, status int) {
	e.telemetry.SentinelResponses.Add(ctx, 1, metric.WithAttributes(
		attribute.String("stream", stream), attribute.Int("http.response.status_code", status)))
}

// retryAfter reads Retry-After as seconds or as an HTTP date, or retry-after-ms.
func retryAfter(h http.Header, now time.Time) time.Duration {
	for _, key := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		if ms, err := strconv.Atoi(h.Get(key)); err == nil && ms > 0 {
			return time.Duration(ms) * time.Millisecond
		}
	}
	v := h.Get("Retry-After")
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
