// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package cursor // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/cursor"

import (
	"context"
	"slices"
	"sync"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// memoryClient is a storage.Client that forgets everything when the process ends.
type memoryClient struct {
	mu   sync.Mutex
	data map[string][]byte
}

func newMemoryClient() *memoryClient {
	return &memoryClient{data: map[string][]byte{}}
}

func (m *memoryClient) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.data[key]), nil
}

func (m *memoryClient) Set(_ context.Context, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = slices.Clone(value)
	return nil
}

func (m *memoryClient) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	return nil
}

func (m *memoryClient) Batch(_ context.Context, ops ...*storage.Operation) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value = slices.Clone(m.data[op.Key])
		case storage.Set:
			m.data[op.Key] = slices.Clone(op.Value)
		case storage.Delete:
			delete(m.data, op.Key)
		}
	}
	return nil
}

func (*memoryClient) Close(context.Context) error { return nil }
