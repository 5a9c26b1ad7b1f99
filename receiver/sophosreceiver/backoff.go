// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver"

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"
)

// maxRetryAfter caps the wait a Retry-After header can ask for.
const maxRetryAfter = time.Hour

// backoff is exponential backoff with jitter between base and max.
type backoff struct {
	base, max time.Duration
}

// wait returns the pause before retry number attempt (1 for the first retry): a random
// duration between half and all of base*2^(attempt-1), capped at max.
func (b backoff) wait(attempt int) time.Duration {
	d := b.base
	for i := 1; i < attempt && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	half := d / 2
	return half + rand.N(half+1)
}

// waitFor returns the pause after a failed call: what Retry-After asked for, or backoff.
func (b backoff) waitFor(err error, attempt int) time.Duration {
	var apiErr *sophosapi.Error
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return min(apiErr.RetryAfter, maxRetryAfter)
	}
	return b.wait(attempt)
}

// sleep waits d or until ctx ends, and reports whether it waited the whole time.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
