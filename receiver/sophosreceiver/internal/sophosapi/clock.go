// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosapi // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"

import (
	"net/http"
	"sync/atomic"
	"time"
)

// Clock tells the time by Sophos Central's clock: the local clock corrected by the offset
// between the two, learned from the Date header of every response.
type Clock struct {
	local  func() time.Time
	offset atomic.Int64 // nanoseconds the API's clock is ahead of the local one
	known  atomic.Bool
}

// NewClock returns a Clock that reads the local time from local, or time.Now when nil.
func NewClock(local func() time.Time) *Clock {
	if local == nil {
		local = time.Now
	}
	return &Clock{local: local}
}

// Local returns the local time.
func (c *Clock) Local() time.Time { return c.local() }

// Now returns the API's time: the local time plus the last offset seen.
func (c *Clock) Now() time.Time { return c.local().Add(c.Offset()) }

// Offset returns how far the API's clock is ahead of the local one (negative when behind).
func (c *Clock) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// Known reports whether a Date header has been seen.
func (c *Clock) Known() bool { return c.known.Load() }

// Observe records the API's time as sent in a Date header, received at local time now.
func (c *Clock) Observe(date, now time.Time) {
	if date.IsZero() {
		return
	}
	// Date has whole seconds and was written before we read it: the API's clock is at least
	// this far ahead, and at most one second more.
	c.offset.Store(int64(date.Sub(now)))
	c.known.Store(true)
}

// dateTransport records the Date header of every response in a Clock.
type dateTransport struct {
	next  http.RoundTripper
	clock *Clock
}

func (t *dateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if date, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
		t.clock.Observe(date, t.clock.Local())
	}
	return resp, nil
}
