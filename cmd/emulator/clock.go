package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/sophoscentral"
)

// shiftedClock is the Sophos emulator's clock: real time plus an offset that the end-to-end
// tests move forward to play a collector that stayed down for more than a day.
type shiftedClock struct{ offset atomic.Int64 }

func newShiftedClock() *shiftedClock { return &shiftedClock{} }

func (c *shiftedClock) Now() time.Time {
	return time.Now().Add(time.Duration(c.offset.Load()))
}

// withAdmin serves the emulator's own endpoints and passes every other request to sophos:
//   - POST /_emulator/advance?by=25h moves the Sophos clock forward;
//   - GET /_emulator/items?tenant=ID&stream=events&from=0&n=100 returns, as a JSON array, the
//     items from..from+n-1 of a tenant's stream exactly as the SIEM API serves them, so a test
//     can compare what arrived with what was sent;
//   - POST /_emulator/tenants?id=ID&region=R and DELETE /_emulator/tenants?id=ID add and remove
//     a tenant while the emulator runs (see addTenant and removeTenant).
func withAdmin(sophos *sophoscentral.Server, clock *shiftedClock) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", sophos)
	mux.HandleFunc("POST /_emulator/advance", func(w http.ResponseWriter, r *http.Request) {
		by, err := time.ParseDuration(r.URL.Query().Get("by"))
		if err != nil || by <= 0 {
			http.Error(w, "by: want a positive duration such as 25h", http.StatusBadRequest)
			return
		}
		clock.offset.Add(int64(by))
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_emulator/tenants", addTenant(sophos))
	mux.HandleFunc("DELETE /_emulator/tenants", removeTenant(sophos))
	mux.HandleFunc("GET /_emulator/items", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		from, errFrom := strconv.Atoi(q.Get("from"))
		n, errN := strconv.Atoi(q.Get("n"))
		if errFrom != nil || errN != nil || from < 0 || n <= 0 {
			http.Error(w, "from and n: want whole numbers, from >= 0 and n > 0", http.StatusBadRequest)
			return
		}
		items := sophos.Items(q.Get("tenant"), q.Get("stream"), from, n)
		if items == nil {
			http.Error(w, "stream: want events or alerts", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(items)
	})
	return mux
}
