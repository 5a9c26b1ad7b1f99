package sophoscentral

import (
	"math"
	"sort"
)

// timeline places the items of one stream in time: a backlog spread evenly
// over (start-span, start], then one item every 1/rate seconds after start.
// Times are Unix milliseconds; they never decrease with the index.
type timeline struct {
	startMs int64
	spanMs  int64
	backlog int
	rate    float64 // items per second after start
}

// createdMs is the created_at of item i.
func (tl timeline) createdMs(i int) int64 {
	if i < tl.backlog {
		return tl.startMs - tl.spanMs + (int64(i)+1)*tl.spanMs/int64(tl.backlog)
	}
	k := float64(i - tl.backlog + 1)
	if tl.rate <= 0 {
		// Only Items asks this far; one a second keeps times sensible.
		return tl.startMs + int64(k)*1000
	}
	return tl.startMs + int64(math.Ceil(k*1000/tl.rate))
}

// bound is an index past every item that can exist at nowMs.
func (tl timeline) bound(nowMs int64) int {
	if tl.rate <= 0 || nowMs <= tl.startMs {
		return tl.backlog
	}
	return tl.backlog + int(float64(nowMs-tl.startMs)*tl.rate/1000) + 2
}

// available is how many items exist at nowMs: those created at or before it.
func (tl timeline) available(nowMs int64) int {
	return sort.Search(tl.bound(nowMs), func(i int) bool { return tl.createdMs(i) > nowMs })
}

// firstAtOrAfter is the index of the first item created at or after ms,
// among those that exist at nowMs (available(nowMs) if none).
func (tl timeline) firstAtOrAfter(ms, nowMs int64) int {
	return sort.Search(tl.available(nowMs), func(i int) bool { return tl.createdMs(i) >= ms })
}
