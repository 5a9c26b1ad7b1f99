// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"
)

func TestBackoff(t *testing.T) {
	b := backoff{base: time.Second, max: 30 * time.Second}
	tests := []struct {
		attempt  int
		min, max time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{4, 4 * time.Second, 8 * time.Second},
		{10, 15 * time.Second, 30 * time.Second},
		{1000, 15 * time.Second, 30 * time.Second},
	}
	for _, tt := range tests {
		for range 20 {
			got := b.wait(tt.attempt)
			assert.GreaterOrEqual(t, got, tt.min, "attempt %d", tt.attempt)
			assert.LessOrEqual(t, got, tt.max, "attempt %d", tt.attempt)
		}
	}
}

func TestBackoffHonoursRetryAfter(t *testing.T) {
	b := backoff{base: time.Second, max: 30 * time.Second}
	tests := []struct {
		name string
		err  error
		want time.Duration
	}{
		{"retry-after", &sophosapi.Error{StatusCode: 429, RetryAfter: 42 * time.Second}, 42 * time.Second},
		{"retry-after capped", &sophosapi.Error{StatusCode: 429, RetryAfter: 3 * time.Hour}, maxRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, b.waitFor(tt.err, 1))
		})
	}
	got := b.waitFor(errors.New("connection reset"), 1)
	assert.LessOrEqual(t, got, time.Second)
}

func TestRegionOfHost(t *testing.T) {
	tests := map[string]string{
		"https://api-eu01.central.sophos.com":  "eu01",
		"https://api-us03.central.sophos.com/": "us03",
		"https://api.central.sophos.com":       "",
		"http://127.0.0.1:8080":                "",
		"::":                                   "",
	}
	for host, want := range tests {
		assert.Equal(t, want, regionOfHost(host), host)
	}
}
