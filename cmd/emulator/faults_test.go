package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/logsingestion"
	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/sophoscentral"
)

func TestFaultSpecs(t *testing.T) {
	tests := []struct {
		spec    string
		sophos  *sophoscentral.Fault
		ingest  *logsingestion.Fault
		wantErr string
	}{
		{spec: "ingest:503:20", ingest: &logsingestion.Fault{Kind: logsingestion.FaultStatus, Status: 503, Times: 20}},
		{spec: "ingest/Custom-SophosEPAlerts_CL:429:3:2s", ingest: &logsingestion.Fault{
			Stream: "Custom-SophosEPAlerts_CL", Kind: logsingestion.FaultThrottle, Times: 3, RetryAfter: 2 * time.Second,
		}},
		{spec: "ingest:drop", ingest: &logsingestion.Fault{Kind: logsingestion.FaultDropConnection, Times: 1}},
		{spec: "sophos:429:5", sophos: &sophoscentral.Fault{Kind: sophoscentral.FaultRateLimit, Times: 5}},
		{spec: "sophos/events:slow:2:3s", sophos: &sophoscentral.Fault{
			Endpoint: "events", Kind: sophoscentral.FaultSlow, Times: 2, Delay: 3 * time.Second,
		}},
		{spec: "sophos:malformed", sophos: &sophoscentral.Fault{Kind: sophoscentral.FaultMalformed, Times: 1}},
		{spec: "sophos:truncated:4", sophos: &sophoscentral.Fault{Kind: sophoscentral.FaultTruncated, Times: 4}},
		{spec: "sophos/events@5e1a6c0e-0000-4000-8000-000000000003:500:20", sophos: &sophoscentral.Fault{
			Endpoint: "events", Kind: sophoscentral.FaultStatus, Status: 500, Times: 20,
			TenantID: "5e1a6c0e-0000-4000-8000-000000000003",
		}},
		{spec: "sophos@5e1a6c0e-0000-4000-8000-000000000001:429:3:2s", sophos: &sophoscentral.Fault{
			Kind: sophoscentral.FaultRateLimit, Times: 3, RetryAfter: 2 * time.Second,
			TenantID: "5e1a6c0e-0000-4000-8000-000000000001",
		}},
		{spec: "ingest@5e1a6c0e:503", wantErr: "only sophos faults can be aimed at a tenant"},
		{spec: "sophos/events@:503", wantErr: "want a tenant id after @"},
		{spec: "sophos/token@5e1a6c0e:503", wantErr: "a tenant's fault is for sophos, sophos/events"},
		{spec: "kafka:503", wantErr: "target must be sophos or ingest"},
		{spec: "ingest:404", wantErr: "status must be 429 or 5xx"},
		{spec: "ingest:503:zero", wantErr: "TIMES must be a positive number"},
		{spec: "ingest:slow:1:soon", wantErr: "DURATION"},
		{spec: "ingest", wantErr: "want TARGET:KIND"},
		{spec: "sophos:drop", wantErr: "unknown Sophos fault"},
		{spec: "ingest:truncated", wantErr: "unknown ingestion fault"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			f, isSophos, err := parseFault(tt.spec)
			if err == nil {
				if isSophos {
					var sf sophoscentral.Fault
					sf, err = f.sophosFault()
					if err == nil {
						require.NotNil(t, tt.sophos)
						assert.Equal(t, *tt.sophos, sf)
					}
				} else {
					var lf logsingestion.Fault
					lf, err = f.ingestFault()
					if err == nil {
						require.NotNil(t, tt.ingest)
						assert.Equal(t, *tt.ingest, lf)
					}
				}
			}
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestFlagsRejectBadFault(t *testing.T) {
	_, err := parseFlags([]string{"-fault", "ingest:700"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "status must be 429 or 5xx")
}
