package logsingestion

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// FaultKind is what a Fault does to an ingestion request.
type FaultKind int

const (
	// FaultThrottle answers 429 with Retry-After (RetryAfter in whole seconds) and an error body.
	FaultThrottle FaultKind = iota + 1
	// FaultStatus answers Status (500, 502, 503, 504...) with an Azure-style error body.
	FaultStatus
	// FaultSlow waits Delay (or until the request context ends), then handles the request.
	FaultSlow
	// FaultDropConnection accepts and stores the rows, then closes the connection without a
	// response: the client sees a network error although the rows arrived.
	FaultDropConnection
)

// Fault is a failure injected into the next Times ingestion requests for Stream ("" = any).
type Fault struct {
	Stream     string
	Kind       FaultKind
	Times      int // default 1
	Status     int // FaultStatus only; default 503
	RetryAfter time.Duration
	Delay      time.Duration
}

// AddFault queues f. Faults apply in the order they were added: an ingestion request that
// passes the token and routing checks takes the first queued fault for its stream.
func (s *Server) AddFault(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	if f.Kind == FaultStatus && f.Status == 0 {
		f.Status = http.StatusServiceUnavailable
	}
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	s.faults = nil
}

// PendingFaults returns how many fault applications are still queued.
func (s *Server) PendingFaults() int {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.Times
	}
	return n
}

func (s *Server) takeFault(stream string) (Fault, bool) {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	for i, f := range s.faults {
		if f.Stream != "" && f.Stream != stream {
			continue
		}
		f.Times--
		if f.Times == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return *f, true
	}
	return Fault{}, false
}

// failure is an error answer of the ingestion endpoint.
type failure struct {
	status     int
	code       string
	message    string
	retryAfter time.Duration // sent as Retry-After when > 0, or always on 429
}

func throttled(f Fault, dcrID string) *failure {
	return &failure{
		status: http.StatusTooManyRequests,
		code:   "TooManyRequests",
		message: fmt.Sprintf("Rate limit of requests or data exceeded for data collection rule "+
			"'%s'. Retry after %d seconds.", dcrID, retryAfterSeconds(f.RetryAfter)),
		retryAfter: f.RetryAfter,
	}
}

func statusFailure(f Fault) *failure {
	code := map[int]string{
		http.StatusInternalServerError: "InternalServerError",
		http.StatusBadGateway:          "BadGateway",
		http.StatusServiceUnavailable:  "ServiceUnavailable",
		http.StatusGatewayTimeout:      "GatewayTimeout",
	}[f.Status]
	if code == "" {
		code = "Error" + strconv.Itoa(f.Status)
	}
	return &failure{
		status:     f.Status,
		code:       code,
		message:    "The service encountered an error while processing the request. Please retry.",
		retryAfter: f.RetryAfter,
	}
}

func retryAfterSeconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}

// wait sleeps d or until ctx ends, and reports whether the full delay passed.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
