// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package cursor

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// failingClient refuses every call, like a storage extension whose disk went away.
type failingClient struct{ storage.Client }

func (failingClient) Get(context.Context, string) ([]byte, error) {
	return nil, errors.New("disk gone")
}
func (failingClient) Set(context.Context, string, []byte) error { return errors.New("disk gone") }

func TestStore(t *testing.T) {
	saved := Position{
		Cursor:        "opaque-cursor",
		SavedAt:       time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC),
		LastCreatedAt: time.Date(2026, 12, 3, 9, 59, 58, 123e6, time.UTC),
	}
	tests := []struct {
		name   string
		client storage.Client
	}{
		{name: "memory", client: nil},
		{name: "storage client", client: newMemoryClient()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := NewStore(tt.client)

			_, ok, err := s.Load(ctx, "tenant-a", "events")
			require.NoError(t, err)
			assert.False(t, ok, "nothing stored yet")

			require.NoError(t, s.Save(ctx, "tenant-a", "events", saved))
			got, ok, err := s.Load(ctx, "tenant-a", "events")
			require.NoError(t, err)
			assert.True(t, ok)
			assert.Equal(t, saved, got)

			_, ok, err = s.Load(ctx, "tenant-a", "alerts")
			require.NoError(t, err)
			assert.False(t, ok, "streams are kept apart")
			_, ok, err = s.Load(ctx, "tenant-b", "events")
			require.NoError(t, err)
			assert.False(t, ok, "tenants are kept apart")
			require.NoError(t, s.Close(ctx))
		})
	}
}

func TestStoreRecordFormat(t *testing.T) {
	ctx := context.Background()
	mem := newMemoryClient()
	s := NewStore(mem)
	require.NoError(t, s.Save(ctx, "t1", "alerts", Position{
		Cursor:  "c1",
		SavedAt: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC),
	}))

	raw, err := mem.Get(ctx, Key("t1", "alerts"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"cursor":"c1","saved_at":"2026-12-03T10:00:00Z"}`, string(raw))
}

func TestStoreErrors(t *testing.T) {
	ctx := context.Background()
	mem := newMemoryClient()
	require.NoError(t, mem.Set(ctx, Key("t1", "events"), []byte("not json")))

	_, _, err := NewStore(mem).Load(ctx, "t1", "events")
	assert.ErrorContains(t, err, Key("t1", "events"))

	_, _, err = NewStore(failingClient{}).Load(ctx, "t1", "events")
	assert.ErrorContains(t, err, "disk gone")
	err = NewStore(failingClient{}).Save(ctx, "t1", "events", Position{Cursor: "c"})
	assert.ErrorContains(t, err, "disk gone")
}
