// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

// Package storageext finds a storage extension by the id a component's configuration names and
// opens a client of it, with errors that name the configuration key.
package storageext // import "github.com/otelcol-sophos/otelcol-sophos/internal/storageext"

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// Client opens the client called name of the storage extension id, for the component owner of
// the given kind. key is the configuration key that named the extension; errors start with it.
func Client(ctx context.Context, host component.Host, key string, id component.ID,
	kind component.Kind, owner component.ID, name string,
) (storage.Client, error) {
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return nil, fmt.Errorf("%s: extension %q not found", key, id)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("%s: extension %q is not a storage extension", key, id)
	}
	client, err := se.GetClient(ctx, kind, owner, name)
	if err != nil {
		return nil, fmt.Errorf("%s: extension %q: %w", key, id, err)
	}
	return client, nil
}
