// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package itemlog

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// FuzzDecodePage checks the decoder against encoding/json: whatever page encoding/json reads,
// the decoder reads to the same items, and nothing makes it panic.
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"has_more":true,"next_cursor":"c","items":[{"id":"a","n":1,"f":1.5e3,"z":null}]}`))
	f.Add([]byte(`{"next_cursor":"c","items":[{"s":"\u00e9\ud83d\ude00\n\"\\/","a":[[],{},[1,-2]]}]}`))
	f.Add([]byte(`{"next_cursor":"c","items":[{"big":123456789012345678901234567890,"neg":-0}]}`))
	f.Add([]byte(`{"next_cursor":"c","items":[{"k":"v","k":"w"}]}`))
	f.Add(realPage(f, "alerts", 3, true))
	f.Add([]byte(`{"next_cursor":"c","items":[{"a":tru}]}`))

	f.Fuzz(func(t *testing.T, body []byte) {
		recs := plog.NewLogRecordSlice()
		_, err := DecodePage(body, "events", time.Unix(0, 0), recs)

		// Keys are matched exactly, as the decoder does and encoding/json's structs do not.
		var top map[string]json.RawMessage
		if !utf8.Valid(body) || json.Unmarshal(body, &top) != nil ||
			strings.Count(string(body), `"items"`) > 1 {
			return
		}
		var cursor string
		var hasMore *bool
		var want struct{ Items []map[string]any }
		if json.Unmarshal(top["next_cursor"], &cursor) != nil ||
			json.Unmarshal(top["has_more"], &hasMore) != nil && top["has_more"] != nil ||
			top["items"] != nil && json.Unmarshal(top["items"], &want.Items) != nil {
			return
		}
		if err != nil && strings.Contains(err.Error(), "nested deeper") {
			return
		}
		require.NoError(t, err)
		require.Equal(t, len(want.Items), recs.Len())
		for i, item := range want.Items {
			got, err := json.Marshal(recs.At(i).Body().Map().AsRaw())
			require.NoError(t, err)
			var gotItem map[string]any
			require.NoError(t, json.Unmarshal(got, &gotItem))
			assert.Equal(t, item, gotItem)
		}
	})
}
