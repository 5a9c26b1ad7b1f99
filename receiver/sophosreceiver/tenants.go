// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver"

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// TenantsConfig chooses the tenants to poll among those a partner or organization credential
// sees, and the share of them that this collector polls.
type TenantsConfig struct {
	// Include lists tenant ids or names, or glob patterns of them; empty means every tenant.
	Include []string `mapstructure:"include"`
	// Exclude lists tenant ids or names, or glob patterns of them, never to poll.
	Exclude []string `mapstructure:"exclude"`

	// Shard splits the tenants among several collectors by a stable hash of the tenant id.
	Shard ShardConfig `mapstructure:"shard"`

	// RefreshInterval is how often the tenant listing is read again, so that tenants added
	// to the account are polled and tenants removed are stopped without a restart.
	RefreshInterval time.Duration `mapstructure:"refresh_interval"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// ShardConfig makes this collector one of Count, polling the tenants whose hash falls to
// Index. Count 0 or 1 polls every tenant.
type ShardConfig struct {
	Index int `mapstructure:"index"`
	Count int `mapstructure:"count"`

	// prevent unkeyed literal initialization
	_ struct{}
}

func (t TenantsConfig) validate() []error {
	var errs []error
	included := map[string]bool{}
	for _, p := range t.Include {
		if p == "" {
			errs = append(errs, errors.New("tenants.include: empty tenant id or name"))
		}
		included[strings.ToLower(p)] = true
	}
	for _, p := range t.Exclude {
		if p == "" {
			errs = append(errs, errors.New("tenants.exclude: empty tenant id or name"))
		}
		if p != "" && included[strings.ToLower(p)] {
			errs = append(errs, fmt.Errorf("tenants: %q is both in include and in exclude", p))
		}
	}
	switch {
	case t.Shard.Count < 0:
		errs = append(errs, fmt.Errorf("tenants.shard.count: must be 0 or more, got %d", t.Shard.Count))
	case t.Shard.Index < 0 || (t.Shard.Index >= max(t.Shard.Count, 1)):
		errs = append(errs, fmt.Errorf("tenants.shard.index: must be from 0 to shard.count-1, got %d",
			t.Shard.Index))
	}
	if t.RefreshInterval < time.Minute {
		errs = append(errs, fmt.Errorf("tenants.refresh_interval: must be at least 1m, got %v",
			t.RefreshInterval))
	}
	return errs
}

// selects reports whether the filter and the shard keep a tenant, by its id or name.
func (t TenantsConfig) selects(id, name string) bool {
	for _, p := range t.Exclude {
		if matchesTenant(p, id, name) {
			return false
		}
	}
	if !t.Shard.holds(id) {
		return false
	}
	if len(t.Include) == 0 {
		return true
	}
	for _, p := range t.Include {
		if matchesTenant(p, id, name) {
			return true
		}
	}
	return false
}

func matchesTenant(pattern, id, name string) bool {
	pattern = strings.ToLower(pattern)
	return glob(pattern, strings.ToLower(id)) || (name != "" && glob(pattern, strings.ToLower(name)))
}

// glob reports whether s matches pattern, where * stands for any run of characters and ?
// for one character; everything else stands for itself.
func glob(pattern, s string) bool {
	p, n := []rune(pattern), []rune(s)
	// star and mark remember the last * seen and where in s it began to match, to widen
	// that match by one character whenever the rest fails.
	pi, ni, star, mark := 0, 0, -1, 0
	for ni < len(n) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ni
			pi++
		case pi < len(p) && (p[pi] == '?' || p[pi] == n[ni]):
			pi++
			ni++
		case star >= 0:
			mark++
			pi, ni = star+1, mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// holds reports whether a tenant belongs to this shard.
//
// Limitation: positions live in each collector's own storage, so a tenant that moves to
// another shard when count changes starts there from initial_lookback and repeats up to that
// much.
func (s ShardConfig) holds(id string) bool {
	if s.Count <= 1 {
		return true
	}
	return shardOf(id, s.Count) == s.Index
}

// shardOf returns the shard of a tenant among count, by jump consistent hashing of its id:
// the same on every collector, and when count changes only the tenants that must move do
// (one in count+1 of them when a shard is added).
func shardOf(id string, count int) int {
	h := fnv.New64a()
	_, _ = h.Write([]byte(strings.ToLower(id)))
	key := h.Sum64()

	bucket, next := int64(-1), int64(0)
	for next < int64(count) {
		bucket = next
		key = key*2862933555777941757 + 1
		next = int64(float64(bucket+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int(bucket)
}
