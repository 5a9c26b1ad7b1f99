package sophoscentral

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind is a kind of failure the emulator can inject.
type FaultKind int

const (
	// FaultRateLimit answers 429, with "Retry-After: <seconds>" when
	// Fault.RetryAfter > 0.
	FaultRateLimit FaultKind = iota + 1
	// FaultStatus answers Fault.Status (default 500) with a Sophos-style
	// error body.
	FaultStatus
	// FaultSlow waits Fault.Delay (or until the request's context ends)
	// before answering normally.
	FaultSlow
	// FaultTruncated answers 200 with the normal JSON body cut in half.
	FaultTruncated
	// FaultMalformed answers 200 with a body that is not JSON (an HTML
	// page).
	FaultMalformed
)

// Fault is a failure to inject into the next matching requests.
type Fault struct {
	Endpoint   string // "token", "whoami", "tenants", "events", "alerts"; "" = any
	Kind       FaultKind
	Times      int           // how many matching requests it applies to; default 1
	Status     int           // FaultStatus
	RetryAfter time.Duration // FaultRateLimit; sent in whole seconds, rounded up
	Delay      time.Duration // FaultSlow
	// TenantID, when set, aims the fault at one tenant: it matches only
	// SIEM requests (events, alerts) whose X-Tenant-ID is TenantID, in
	// any case. Requests of other tenants and of other endpoints neither
	// take it nor use up its Times.
	TenantID string
}

// AddFault queues f. Faults apply in the order they were added: a request
// takes the first queued fault whose Endpoint and TenantID match, and a
// fault is dropped once it has applied Times times.
func (s *Server) AddFault(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// takeFault finds the fault of a request to endpoint, for tenant if it is a
// SIEM request, and uses it up once.
func (s *Server) takeFault(endpoint, tenant string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Endpoint != "" && f.Endpoint != endpoint {
			continue
		}
		if f.TenantID != "" && (!isSIEM(endpoint) || !strings.EqualFold(f.TenantID, tenant)) {
			continue
		}
		s.faults[i].Times--
		if s.faults[i].Times == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return f, true
	}
	return Fault{}, false
}

// response is the answer of a fault that replaces the normal one.
func (f Fault) response(now time.Time) response {
	if f.Kind == FaultRateLimit {
		resp := errorResponse(http.StatusTooManyRequests, "TooManyRequests",
			"Too many requests, slow down", now)
		if f.RetryAfter > 0 {
			secs := int((f.RetryAfter + time.Second - 1) / time.Second)
			resp.header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
		}
		return resp
	}
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	return errorResponse(status, "internalServerError", http.StatusText(status), now)
}

func truncate(resp response) response {
	return response{status: http.StatusOK, body: resp.body[:len(resp.body)/2], release: resp.release}
}

const malformedBody = `<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><h1>Bad Gateway</h1><p>The upstream server returned an invalid response.</p></body></html>
`

func malformed() response {
	return response{
		status:      http.StatusOK,
		body:        []byte(malformedBody),
		contentType: "text/html; charset=utf-8",
	}
}
