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

func TestGzipRatioIsRealistic(t *testing.T) {
	for _, stream := range []string{"events", "alerts"} {
		t.Run(stream, func(t *testing.T) {
			s := New(Config{Seed: 7})
			items := s.Items(DefaultTenantID, stream, 0, 1000)
			raw, err := json.Marshal(items)
			require.NoError(t, err)

			var zipped bytes.Buffer
			zw := gzip.NewWriter(&zipped)
			_, err = zw.Write(raw)
			require.NoError(t, err)
			require.NoError(t, zw.Close())

			ratio := float64(len(raw)) / float64(zipped.Len())
			t.Logf("%s: %d bytes, gzip %d bytes, ratio %.1f", stream, len(raw), zipped.Len(), ratio)
			assert.GreaterOrEqual(t, ratio, 6.0)
			assert.LessOrEqual(t, ratio, 20.0)
		})
	}
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
		ms := int64(mix(uint64(i)) % (4_102_444_800_000)) // up to 2100
		want := time.UnixMilli(ms).UTC().Format(timeLayout)
		if got := string(appendTime(nil, ms)); got != want {
			t.Fatalf("appendTime(%d) = %s, want %s", ms, got, want)
		}
	}
}
