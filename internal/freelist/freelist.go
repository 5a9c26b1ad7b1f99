// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

// Package freelist keeps a bounded number of reusable values, such as buffers grown to a
// megabyte. Unlike a sync.Pool it keeps them across garbage collections, so that a large
// buffer is not grown again for every use.
package freelist // import "github.com/otelcol-sophos/otelcol-sophos/internal/freelist"

// List holds at most its capacity of values. It is safe for concurrent use.
type List[T any] struct {
	free    chan T
	newItem func() T
}

// New returns a List that keeps up to n values and makes new ones with newItem.
func New[T any](n int, newItem func() T) *List[T] {
	return &List[T]{free: make(chan T, n), newItem: newItem}
}

// Get returns a kept value, or a new one when none is kept.
func (l *List[T]) Get() T {
	select {
	case v := <-l.free:
		return v
	default:
		return l.newItem()
	}
}

// Put keeps v for a later Get, or drops it when the list is full. The caller resets v first.
func (l *List[T]) Put(v T) {
	select {
	case l.free <- v:
	default:
	}
}
