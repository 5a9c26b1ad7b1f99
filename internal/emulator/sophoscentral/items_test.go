package sophoscentral

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGzipRatioIsRealistic guards what benchmarks of request packing rely
// on: generated data compresses like real data, neither like random bytes
// nor like copies of one item (50 times and more).
func TestGzipRatioIsRealistic(t *testing.T) {
	for _, stream := range []string{"events", "alerts"} {
		t.Run(stream, func(t *testing.T) {
			f := newFixture(t, Config{Seed: 7, EventsBacklog: 5000, AlertsBacklog: 5000})
			q := fromDate(testStart.Add(-13 * time.Hour))
			r, p := f.siem(stream, f.token(), DefaultTenantID, q)
			require.Equal(t, 200, r.status)
			require.Len(t, p.Items, 1000)
			rows, err := json.Marshal(f.emu.Items(DefaultTenantID, stream, 0, 1000))
			require.NoError(t, err)

			for name, data := range map[string][]byte{"page as served": r.body, "items re-encoded": rows} {
				ratio := float64(len(data)) / float64(len(gzipped(t, data)))
				t.Logf("%s, %s: %d bytes, gzip ratio %.1f", stream, name, len(data), ratio)
				assert.GreaterOrEqual(t, ratio, 6.0, name)
				assert.LessOrEqual(t, ratio, 20.0, name)
			}
		})
	}
}

func gzipped(t *testing.T, data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestItemsAreValidAndVaried(t *testing.T) {
	clock := newClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := New(Config{Clock: clock.Now, EventsBacklog: 2000, AlertsBacklog: 2000})
	for _, stream := range []string{"events", "alerts"} {
		items := s.Items(DefaultTenantID, stream, 0, 2000)
		types := map[string]bool{}
		hosts := map[any]bool{}
		ids := map[any]bool{}
		for i, it := range items {
			assert.Equal(t, s.ItemID(DefaultTenantID, stream, i), it["id"])
			assert.Equal(t, DefaultTenantID, it["customer_id"])
			created, err := time.Parse(time.RFC3339Nano, it["created_at"].(string))
			require.NoError(t, err)
			assert.Len(t, it["created_at"], len("2006-01-02T15:04:05.000Z"))
			when, err := time.Parse(time.RFC3339Nano, it["when"].(string))
			require.NoError(t, err)
			assert.False(t, when.After(created))
			types[it["type"].(string)] = true
			hosts[it["location"]] = true
			ids[it["id"]] = true
		}
		t.Logf("%s: %d types, %d hosts", stream, len(types), len(hosts))
		assert.Len(t, ids, 2000, "ids must be unique")
		assert.Greater(t, len(types), 8)
		assert.Greater(t, len(hosts), 150)
	}
}

func TestAppendTimeMatchesTimeFormat(t *testing.T) {
	for i := range 20_000 {
		ms := int64(mix(uint64(i)) % 4_102_444_800_000) // up to 2100
		want := time.UnixMilli(ms).UTC().Format(timeLayout)
		if got := string(appendTime(nil, ms)); got != want {
			t.Fatalf("appendTime(%d) = %s, want %s", ms, got, want)
		}
	}
}
