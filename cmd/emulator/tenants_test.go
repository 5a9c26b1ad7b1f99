package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/sophoscentral"
)

func TestAdminAddsAndRemovesTenants(t *testing.T) {
	sophos := sophoscentral.New(sophoscentral.Config{
		Identity: "partner", Tenants: makeTenants(options{identity: "partner", tenants: 2}),
	})
	admin := withAdmin(sophos, newShiftedClock())
	const id = "7e000000-0000-4000-8000-000000000001"
	tests := []struct {
		method, query string
		want          int
		tenants       int
	}{
		{http.MethodPost, "id=" + id + "&region=jp01&events-backlog=0&alerts-backlog=30", 201, 3},
		{http.MethodPost, "id=" + id, 409, 3},
		{http.MethodPost, "region=jp01", 400, 3},
		{http.MethodPost, "id=x&events-backlog=-1", 400, 3},
		{http.MethodDelete, "id=5e1a6c0e-0000-4000-8000-000000000001", 204, 2},
		{http.MethodDelete, "id=5e1a6c0e-0000-4000-8000-000000000001", 404, 2},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.query, func(t *testing.T) {
			w := httptest.NewRecorder()
			admin.ServeHTTP(w, httptest.NewRequest(tt.method, "/_emulator/tenants?"+tt.query, nil))

			assert.Equal(t, tt.want, w.Code, "%s", w.Body)
			assert.Len(t, sophos.Tenants(), tt.tenants)
		})
	}
	got := sophos.Tenants()
	require.Len(t, got, 2)
	assert.Equal(t, sophoscentral.Tenant{
		ID: id, Name: "Tenant 7e000000", DataRegion: "jp01",
		EventsBacklog: sophoscentral.NoBacklog, AlertsBacklog: 30,
	}, got[1])
	assert.Zero(t, sophos.Available(id, "events"))
	assert.Equal(t, 30, sophos.Available(id, "alerts"))
}
