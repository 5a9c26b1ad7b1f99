// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

// Package cursor keeps the position of each tenant's SIEM streams in a storage extension,
// or in memory when there is none.
package cursor // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/cursor"

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// Position is where a stream resumes.
type Position struct {
	// Cursor is the SIEM API's next_cursor.
	Cursor string `json:"cursor"`
	// SavedAt is when the cursor was received, by the API's clock.
	SavedAt time.Time `json:"saved_at"`
	// LastCreatedAt is the created_at of the newest item delivered so far, zero if none.
	LastCreatedAt time.Time `json:"last_created_at,omitzero"`
}

// Store reads and writes positions. It is safe for concurrent use when its client is.
type Store struct {
	client storage.Client
}

// NewStore returns a Store on client, or on memory when client is nil.
func NewStore(client storage.Client) *Store {
	if client == nil {
		client = newMemoryClient()
	}
	return &Store{client: client}
}

// Key is the storage key of a tenant's stream.
func Key(tenantID, stream string) string {
	return "sophos.position." + tenantID + "." + stream
}

// Load returns the stored position of a tenant's stream; ok is false when there is none.
func (s *Store) Load(ctx context.Context, tenantID, stream string) (pos Position, ok bool, err error) {
	key := Key(tenantID, stream)
	raw, err := s.client.Get(ctx, key)
	if err != nil {
		return Position{}, false, fmt.Errorf("load position %s: %w", key, err)
	}
	if raw == nil {
		return Position{}, false, nil
	}
	if err := json.Unmarshal(raw, &pos); err != nil {
		return Position{}, false, fmt.Errorf("load position %s: %w", key, err)
	}
	return pos, pos.Cursor != "", nil
}

// Save stores the position of a tenant's stream.
func (s *Store) Save(ctx context.Context, tenantID, stream string, pos Position) error {
	key := Key(tenantID, stream)
	raw, err := json.Marshal(pos)
	if err != nil {
		return fmt.Errorf("save position %s: %w", key, err)
	}
	if err := s.client.Set(ctx, key, raw); err != nil {
		return fmt.Errorf("save position %s: %w", key, err)
	}
	return nil
}

// Close releases the storage client.
func (s *Store) Close(ctx context.Context) error {
	return s.client.Close(ctx)
}
