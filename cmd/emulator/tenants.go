package main

import (
	"net/http"
	"strconv"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/sophoscentral"
)

// addTenant serves POST /_emulator/tenants?id=ID[&name=NAME][&region=R][&events-backlog=N]
// [&alerts-backlog=N]: the credential reaches a new tenant from now on, with its backlog in the
// hours before (the -events-backlog and -alerts-backlog values when left out, none for 0).
func addTenant(sophos *sophoscentral.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		t := sophoscentral.Tenant{ID: q.Get("id"), Name: q.Get("name"), DataRegion: q.Get("region")}
		if t.ID == "" {
			http.Error(w, "id: want a tenant id", http.StatusBadRequest)
			return
		}
		for _, backlog := range []struct {
			key string
			dst *int
		}{{"events-backlog", &t.EventsBacklog}, {"alerts-backlog", &t.AlertsBacklog}} {
			key, dst := backlog.key, backlog.dst
			v := q.Get(key)
			if v == "" {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				http.Error(w, key+": want a whole number, 0 or more", http.StatusBadRequest)
				return
			}
			*dst = ownBacklog(n)
		}
		if !sophos.AddTenant(t) {
			http.Error(w, "tenant "+t.ID+" is reached already", http.StatusConflict)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}
}

// removeTenant serves DELETE /_emulator/tenants?id=ID: the credential no longer reaches the
// tenant, whose SIEM requests get 403 from now on.
func removeTenant(sophos *sophoscentral.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		if !sophos.RemoveTenant(id) {
			http.Error(w, "no tenant "+id, http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
