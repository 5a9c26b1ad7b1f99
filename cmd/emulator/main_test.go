package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/sophoscentral"
)

func TestUnevenBacklog(t *testing.T) {
	tests := []struct {
		n, want int
	}{
		{n: 1, want: 200},
		{n: 2, want: 20_000},
		{n: 3, want: 200},
		{n: 4, want: 0},
		{n: 5, want: 200},
		{n: 6, want: 2000},
		{n: 14, want: 0},
		{n: 22, want: 20_000},
		{n: 40, want: 2000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("tenant ", tt.n), func(t *testing.T) {
			assert.Equal(t, tt.want, unevenBacklog(tt.n, 2000))
		})
	}
}

func TestMakeTenants(t *testing.T) {
	tests := []struct {
		name                 string
		args                 []string
		tenants              int
		wantEvents, wantNone int // tenants with 10x the events backlog, with none
	}{
		{name: "tenant credential", args: nil, tenants: 1},
		{name: "even", args: []string{"-identity", "partner", "-tenants", "500"}, tenants: 500},
		{
			name:    "uneven",
			args:    []string{"-identity", "organization", "-tenants", "500", "-uneven", "-events-backlog", "5"},
			tenants: 500, wantEvents: 25, wantNone: 50 + 250, // a tenth of 5 is none
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseFlags(tt.args)
			require.NoError(t, err)

			tenants := makeTenants(o)

			require.Len(t, tenants, tt.tenants)
			ids, tenTimes, none := map[string]bool{}, 0, 0
			byRegion := map[string]int{}
			for _, tn := range tenants {
				ids[tn.ID] = true
				byRegion[tn.DataRegion]++
				switch tn.EventsBacklog {
				case 10 * o.eventsBacklog:
					tenTimes++
				case sophoscentral.NoBacklog:
					none++
				}
				if !o.uneven {
					assert.Zero(t, tn.EventsBacklog, "the flags' backlogs")
					assert.Zero(t, tn.AlertsBacklog, "the flags' backlogs")
				}
			}
			assert.Len(t, ids, tt.tenants)
			assert.Len(t, byRegion, min(tt.tenants, len(regions)))
			assert.Equal(t, tt.wantEvents, tenTimes)
			assert.Equal(t, tt.wantNone, none)
		})
	}
}

func TestUnevenNeedsManyTenants(t *testing.T) {
	_, err := parseFlags([]string{"-uneven"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-uneven needs -identity partner or organization")
}
