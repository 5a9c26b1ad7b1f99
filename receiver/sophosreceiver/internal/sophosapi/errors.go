// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosapi // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// ErrMalformed marks a response whose body is not the JSON the API documents.
var ErrMalformed = errors.New("malformed response body")

// Error is a failed call to Sophos Central: an HTTP status other than 200, a network error
// (StatusCode 0, Err set), or a body that could not be read (Err wraps ErrMalformed).
type Error struct {
	// Endpoint names the call: token, whoami, tenants, events or alerts.
	Endpoint string
	// StatusCode is the HTTP status, 0 when no response arrived.
	StatusCode int
	// RetryAfter is the wait the Retry-After header asked for, 0 when absent.
	RetryAfter time.Duration
	// Date is the server's clock from the Date header, zero when absent.
	Date time.Time
	// Code and Message come from a Sophos error body, where there was one.
	Code    string
	Message string
	// Err is the network error, or wraps ErrMalformed.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("sophos %s: %v", e.Endpoint, e.Err)
	}
	msg := fmt.Sprintf("sophos %s: HTTP %d", e.Endpoint, e.StatusCode)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Unwrap returns the network error, if any.
func (e *Error) Unwrap() error { return e.Err }

// StatusLabel returns the HTTP status as text, "malformed" for a body that could not be
// read, or "network" for a call without a response.
func (e *Error) StatusLabel() string {
	if errors.Is(e.Err, ErrMalformed) {
		return "malformed"
	}
	if e.StatusCode == 0 {
		return "network"
	}
	return strconv.Itoa(e.StatusCode)
}

// parseRetryAfter reads a Retry-After header given in seconds or as an HTTP date.
func parseRetryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(h); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(h); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}
