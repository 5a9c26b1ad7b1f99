package main

import (
	"net/http"
	"sync/atomic"
	"time"
)

// shiftedClock is the Sophos emulator's clock: real time plus an offset that the end-to-end
// tests move forward to play a collector that stayed down for more than a day.
type shiftedClock struct{ offset atomic.Int64 }

func newShiftedClock() *shiftedClock { return &shiftedClock{} }

func (c *shiftedClock) Now() time.Time {
	return time.Now().Add(time.Duration(c.offset.Load()))
}

// withAdmin serves POST /_emulator/advance?by=25h, which moves the Sophos clock forward, and
// passes every other request to next.
func withAdmin(next http.Handler, clock *shiftedClock) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_emulator/advance" {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodPost {
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return
		}
		by, err := time.ParseDuration(r.URL.Query().Get("by"))
		if err != nil || by <= 0 {
			http.Error(w, "by: want a positive duration such as 25h", http.StatusBadRequest)
			return
		}
		clock.offset.Add(int64(by))
		w.WriteHeader(http.StatusNoContent)
	})
}
