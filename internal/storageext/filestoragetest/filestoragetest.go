// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

// Package filestoragetest starts the real file_storage extension for tests, so that tests of
// positions, queues and ledgers run against the storage users run.
package filestoragetest // import "github.com/otelcol-sophos/otelcol-sophos/internal/storageext/filestoragetest"

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
)

// Start starts a file_storage extension with the given id on dir. The caller shuts it down.
func Start(t testing.TB, id component.ID, dir string) extension.Extension {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	cfg.Compaction.Directory = dir
	require.NoError(t, cfg.Validate())
	ext, err := f.Create(context.Background(), extension.Settings{
		ID:                id,
		TelemetrySettings: componenttest.NewNopTelemetrySettings(),
		BuildInfo:         component.NewDefaultBuildInfo(),
	}, cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	return ext
}
