// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package freelist

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestKeepsUpToItsCapacity(t *testing.T) {
	made := 0
	l := New(2, func() *[]byte { made++; b := make([]byte, 0, 8); return &b })
	a, b, c := l.Get(), l.Get(), l.Get()
	assert.Equal(t, 3, made)
	l.Put(a)
	l.Put(b)
	l.Put(c) // dropped: the list is full
	runtime.GC()

	assert.Same(t, a, l.Get(), "kept across a garbage collection")
	assert.Same(t, b, l.Get())
	assert.NotSame(t, c, l.Get())
	assert.Equal(t, 4, made)
}
