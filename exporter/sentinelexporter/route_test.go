package sentinelexporter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestRouter(t *testing.T) {
	routes := []StreamRoute{
		{Attribute: "sophos.stream", Value: "events", StreamName: "Custom-Events_CL"},
		{Attribute: "sophos.stream", Value: "alerts", StreamName: "Custom-Alerts_CL"},
		{Attribute: "tier", Value: "1", StreamName: "Custom-Tier_CL"},
	}
	tests := []struct {
		name     string
		fallback string
		record   map[string]any
		resource map[string]any
		want     string
	}{
		{name: "record attribute", record: map[string]any{"sophos.stream": "alerts"}, want: "Custom-Alerts_CL"},
		{name: "resource attribute", resource: map[string]any{"sophos.stream": "events"}, want: "Custom-Events_CL"},
		{
			name:     "record before resource",
			record:   map[string]any{"sophos.stream": "alerts"},
			resource: map[string]any{"sophos.stream": "events"},
			want:     "Custom-Alerts_CL",
		},
		{name: "non-string value", record: map[string]any{"tier": int64(1)}, want: "Custom-Tier_CL"},
		{name: "no match falls back", fallback: "Custom-Other_CL", record: map[string]any{"sophos.stream": "x"}, want: "Custom-Other_CL"},
		{name: "no match no fallback", record: map[string]any{"sophos.stream": "x"}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRouter(&Config{StreamRoutes: routes, StreamName: tt.fallback})
			res := pcommon.NewResource()
			_ = res.Attributes().FromRaw(tt.resource)
			rec := plog.NewLogRecord()
			_ = rec.Attributes().FromRaw(tt.record)
			assert.Equal(t, tt.want, r.stream(res, rec))
		})
	}
}
