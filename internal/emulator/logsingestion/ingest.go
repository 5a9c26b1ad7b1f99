package logsingestion

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// apiVersions are the api-version values the Logs Ingestion API serves.
var apiVersions = map[string]bool{
	"2021-11-01-preview": true,
	"2023-01-01":         true,
}

// drainLimit caps how much of a refused body is read before answering, so that a client still
// sending gets the answer instead of a reset connection.
const drainLimit = 64 << 20

// maxRawBytes caps a gzipped body's decompressed size, against decompression bombs.
// Limitation: Azure's own cap, if any, is not documented; this one is the emulator's.
const maxRawBytes = 256 << 20

var (
	bufPool  = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	gzipPool sync.Pool
)

// serveIngest is POST /dataCollectionRules/{dcr}/streams/{stream}?api-version=...
func (s *Server) serveIngest(w http.ResponseWriter, r *http.Request, dcrID, stream string) {
	rec := RequestRecord{
		Stream:          stream,
		ClientRequestID: r.Header.Get("x-ms-client-request-id"),
		RequestID:       newUUID(),
		Gzip:            strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip"),
	}
	w.Header().Set("x-ms-request-id", rec.RequestID)
	if rec.ClientRequestID != "" {
		w.Header().Set("x-ms-client-request-id", rec.ClientRequestID)
	}

	fault, faulted := Fault{}, false
	fail := s.checkRoute(r, dcrID, stream)
	if fail == nil {
		fault, faulted = s.takeFault(stream)
		fail = s.applyFault(r, fault, faulted)
	}
	if fail == nil && faulted && fault.Kind == FaultSlow && r.Context().Err() != nil {
		s.finish(rec, nil)
		return
	}

	var b batch
	var wire, raw int64
	if fail == nil {
		b, wire, raw, fail = s.readBody(r, stream)
	}
	if fail != nil {
		drain(r)
		rec.Status, rec.ErrorCode = fail.status, fail.code
		s.finish(rec, nil)
		writeFailure(w, fail)
		return
	}

	if err := s.keep(stream, b); err != nil {
		fail = &failure{status: 500, code: "InternalServerError", message: err.Error()}
		rec.Status, rec.ErrorCode = fail.status, fail.code
		s.finish(rec, nil)
		writeFailure(w, fail)
		return
	}
	rec.Rows, rec.WireBytes = len(b.rows), wire
	if faulted && fault.Kind == FaultDropConnection {
		s.finish(rec, &accepted{batch: b, wire: wire, raw: raw})
		dropConnection(w)
		return
	}
	rec.Status = http.StatusNoContent
	s.finish(rec, &accepted{batch: b, wire: wire, raw: raw})
	w.WriteHeader(http.StatusNoContent)
}

// checkRoute makes the checks that need no body, in the order the service makes them.
func (s *Server) checkRoute(r *http.Request, dcrID, stream string) *failure {
	if r.Method != http.MethodPost {
		return &failure{
			status: http.StatusMethodNotAllowed, code: "MethodNotAllowed",
			message: fmt.Sprintf("The HTTP method '%s' is not supported; use POST.", r.Method),
		}
	}
	if msg := s.checkBearer(r); msg != "" {
		return &failure{status: http.StatusUnauthorized, code: "InvalidToken", message: msg}
	}

	v := r.URL.Query().Get("api-version")
	if v == "" {
		return &failure{
			status: http.StatusBadRequest, code: "MissingApiVersionParameter",
			message: "The api-version query parameter (?api-version=) is required for all requests.",
		}
	}
	if !apiVersions[v] {
		return &failure{
			status: http.StatusBadRequest, code: "InvalidApiVersionParameter",
			message: fmt.Sprintf("The api-version '%s' is invalid. The supported versions are "+
				"'2021-11-01-preview,2023-01-01'.", v),
		}
	}

	if !strings.EqualFold(dcrID, s.cfg.DCRImmutableID) {
		return &failure{
			status: http.StatusNotFound, code: "InvalidDataCollectionRule",
			message: fmt.Sprintf("Data collection rule with immutable Id '%s' not found.", dcrID),
		}
	}
	if _, ok := s.schemas[stream]; !ok {
		return &failure{
			status: http.StatusNotFound, code: "InvalidStream",
			message: fmt.Sprintf("Stream '%s' is not declared in data collection rule '%s'.",
				stream, s.cfg.DCRImmutableID),
		}
	}
	return nil
}

func (s *Server) applyFault(r *http.Request, f Fault, ok bool) *failure {
	if !ok {
		return nil
	}
	switch f.Kind {
	case FaultThrottle:
		return throttled(f, s.cfg.DCRImmutableID)
	case FaultStatus:
		return statusFailure(f)
	case FaultSlow:
		// The server notices a client that hangs up only once the body has been read.
		body, err := io.ReadAll(io.LimitReader(r.Body, drainLimit))
		if err != nil {
			return &failure{
				status: http.StatusBadRequest, code: "InvalidContent",
				message: fmt.Sprintf("The request body could not be read: %v.", err),
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		wait(r.Context(), f.Delay)
	}
	return nil
}

// readBody checks the content headers and size, then decodes and checks the rows.
func (s *Server) readBody(r *http.Request, stream string) (batch, int64, int64, *failure) {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return batch{}, 0, 0, &failure{
			status: http.StatusUnsupportedMediaType,
			code:   "UnsupportedMediaType",
			message: fmt.Sprintf("The content type '%s' is not supported; use "+
				"'application/json'.", ct),
		}
	}
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	if enc != "" && enc != "gzip" && enc != "identity" {
		return batch{}, 0, 0, &failure{
			status: http.StatusUnsupportedMediaType,
			code:   "UnsupportedContentEncoding",
			message: fmt.Sprintf("The content encoding '%s' is not supported; use 'gzip' or "+
				"none.", enc),
		}
	}

	limit := int64(s.cfg.MaxBodyBytes)
	if r.ContentLength > limit {
		drain(r)
		return batch{}, 0, 0, tooLarge(limit, r.ContentLength)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return batch{}, 0, 0, &failure{
			status: http.StatusBadRequest, code: "InvalidContent",
			message: fmt.Sprintf("The request body could not be read: %v.", err),
		}
	}
	if n > limit {
		return batch{}, 0, 0, tooLarge(limit, n+drain(r))
	}

	raw := buf.Bytes()
	if enc == "gzip" {
		out := bufPool.Get().(*bytes.Buffer)
		defer bufPool.Put(out)
		out.Reset()
		if fail := gunzip(out, raw); fail != nil {
			return batch{}, 0, 0, fail
		}
		raw = out.Bytes()
	}
	b, err := decodeRows(raw, s.schemas[stream])
	if err != nil {
		return batch{}, 0, 0, &failure{
			status: http.StatusBadRequest, code: "InvalidContent",
			message: err.Error(),
		}
	}
	return b, n, int64(len(raw)), nil
}

// gunzip decompresses zipped into out, up to maxRawBytes.
func gunzip(out *bytes.Buffer, zipped []byte) *failure {
	zr, err := gzipReader(bytes.NewReader(zipped))
	if err != nil {
		return &failure{
			status: http.StatusBadRequest, code: "InvalidContent",
			message: fmt.Sprintf("The request body could not be decompressed: %v.", err),
		}
	}
	defer gzipPool.Put(zr)

	n, err := out.ReadFrom(io.LimitReader(zr, maxRawBytes+1))
	if err != nil {
		return &failure{
			status: http.StatusBadRequest, code: "InvalidContent",
			message: fmt.Sprintf("The request body could not be decompressed: %v.", err),
		}
	}
	if n > maxRawBytes {
		return &failure{
			status: http.StatusRequestEntityTooLarge, code: "ContentLengthLimitExceeded",
			message: fmt.Sprintf("The decompressed request body exceeds %d bytes.", maxRawBytes),
		}
	}
	return nil
}

func tooLarge(limit, n int64) *failure {
	const mb = 1 << 20
	return &failure{
		status: http.StatusRequestEntityTooLarge,
		code:   "ContentLengthLimitExceeded",
		message: fmt.Sprintf("Maximum allowed content length: %d bytes (%s MB). "+
			"Provided content length: %d bytes.", limit,
			strconv.FormatFloat(float64(limit)/mb, 'f', -1, 64), n),
	}
}

func gzipReader(r io.Reader) (*gzip.Reader, error) {
	if zr, ok := gzipPool.Get().(*gzip.Reader); ok {
		if err := zr.Reset(r); err != nil {
			gzipPool.Put(zr)
			return nil, err
		}
		return zr, nil
	}
	return gzip.NewReader(r)
}

// drain reads what is left of the body, up to drainLimit, and returns how many bytes it read.
func drain(r *http.Request) int64 {
	n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, drainLimit))
	return n
}

// accepted is what an accepted request adds to the counters.
type accepted struct {
	batch
	wire, raw int64
}

func (s *Server) keep(stream string, b batch) error {
	st, err := s.store(stream)
	if err != nil {
		return err
	}
	return st.append(b.rows)
}

// finish counts one ingestion request.
func (s *Server) finish(rec RequestRecord, acc *accepted) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()

	s.log = append(s.log, rec)
	s.stats.Requests[rec.Stream]++
	s.stats.Statuses[rec.Status]++
	if acc == nil {
		return
	}
	s.stats.Rows[rec.Stream] += len(acc.rows)
	s.stats.WireBytes[rec.Stream] += acc.wire
	s.stats.RawBytes[rec.Stream] += acc.raw
	s.stats.MaxWireBytes = max(s.stats.MaxWireBytes, int(acc.wire))
	if len(acc.dropped) == 0 {
		return
	}
	cols := s.stats.Dropped[rec.Stream]
	if cols == nil {
		cols = map[string]int{}
		s.stats.Dropped[rec.Stream] = cols
	}
	for name, n := range acc.dropped {
		cols[name] += n
	}
}

func writeFailure(w http.ResponseWriter, f *failure) {
	if f.retryAfter > 0 || f.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(f.retryAfter)))
	}
	writeAzureError(w, f.status, f.code, f.message)
}

// dropConnection closes the client's connection without writing a response.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// HTTP/2 can not be hijacked: aborting the handler resets the stream instead.
	panic(http.ErrAbortHandler)
}
