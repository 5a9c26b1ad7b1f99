// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package itemlog

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

var observed = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func decode(t *testing.T, body, stream string) (plog.LogRecordSlice, Page) {
	t.Helper()
	recs := plog.NewLogRecordSlice()
	page, err := DecodePage([]byte(body), stream, observed, recs)
	require.NoError(t, err)
	return recs, page
}

func TestDecodePageRecord(t *testing.T) {
	item := `{
		"id": "cbaff14f-a36b-46bd-8e83-6017ad79cdef",
		"type": "Event::Endpoint::Threat::Detected",
		"severity": "medium",
		"when": "2026-12-03T11:11:09.759Z",
		"created_at": "2026-12-03T11:11:09.984Z",
		"origin": null,
		"source_info": {"ip": "10.1.39.32", "ports": [80, 443], "tags": null},
		"threat_cleanable": false,
		"data": {"created_at": 1677579233797, "score": 0.75, "deep": {"deeper": {"x": "y"}}},
		"field_this_code_does_not_know": "kept",
		"esc\"aped": "line\nbreak \u00e9"
	}`
	recs, page := decode(t, `{"has_more":false,"next_cursor":"c-1","items":[`+item+`]}`, "events")

	require.Equal(t, 1, recs.Len())
	assert.Equal(t, Page{
		NextCursor:    "c-1",
		Items:         1,
		LastCreatedAt: time.Date(2026, 12, 3, 11, 11, 9, 984e6, time.UTC),
	}, page)

	rec := recs.At(0)
	assert.Equal(t, time.Date(2026, 12, 3, 11, 11, 9, 759e6, time.UTC), rec.Timestamp().AsTime())
	assert.Equal(t, observed, rec.ObservedTimestamp().AsTime())
	assert.Equal(t, "medium", rec.SeverityText())
	assert.Equal(t, plog.SeverityNumberWarn, rec.SeverityNumber())
	assert.Equal(t, map[string]any{
		AttrStream:    "events",
		AttrUID:       "cbaff14f-a36b-46bd-8e83-6017ad79cdef",
		AttrEventName: "Event::Endpoint::Threat::Detected",
	}, rec.Attributes().AsRaw())

	// The body is the whole item: unknown fields, nesting, nulls and numbers as sent.
	require.Equal(t, pcommon.ValueTypeMap, rec.Body().Type())
	var want map[string]any
	require.NoError(t, json.Unmarshal([]byte(item), &want))
	want["data"].(map[string]any)["created_at"] = int64(1677579233797)
	want["source_info"].(map[string]any)["ports"] = []any{int64(80), int64(443)}
	assert.Equal(t, want, rec.Body().Map().AsRaw())

	origin, ok := rec.Body().Map().Get("origin")
	require.True(t, ok, "a null field keeps its key")
	assert.Equal(t, pcommon.ValueTypeEmpty, origin.Type())
}

func TestDecodePageSeverity(t *testing.T) {
	tests := []struct {
		severity string
		want     plog.SeverityNumber
	}{
		{`"low"`, plog.SeverityNumberInfo},
		{`"medium"`, plog.SeverityNumberWarn},
		{`"high"`, plog.SeverityNumberError},
		{`"critical"`, plog.SeverityNumberFatal},
		{`"none"`, plog.SeverityNumberUnspecified},
		{`"Something new"`, plog.SeverityNumberUnspecified},
		{`null`, plog.SeverityNumberUnspecified},
	}
	for _, tt := range tests {
		t.Run(tt.severity, func(t *testing.T) {
			recs, _ := decode(t, `{"next_cursor":"c","items":[{"severity":`+tt.severity+`}]}`, "alerts")
			rec := recs.At(0)
			assert.Equal(t, tt.want, rec.SeverityNumber())
			if tt.severity[0] == '"' {
				assert.Equal(t, tt.severity[1:len(tt.severity)-1], rec.SeverityText())
			} else {
				assert.Empty(t, rec.SeverityText())
			}
		})
	}
}

func TestDecodePageSparseItem(t *testing.T) {
	// An item without id, type, when or created_at still becomes a record.
	recs, page := decode(t, `{"has_more":true,"next_cursor":"c","items":[{"name":"x"},{"when":"bad"}]}`,
		"alerts")
	require.Equal(t, 2, recs.Len())
	assert.True(t, page.HasMore)
	assert.True(t, page.LastCreatedAt.IsZero())
	rec := recs.At(1)
	assert.Zero(t, rec.Timestamp())
	assert.Equal(t, map[string]any{AttrStream: "alerts"}, rec.Attributes().AsRaw())
}

func TestDecodePageEmpty(t *testing.T) {
	recs, page := decode(t, `{"has_more":false,"next_cursor":"end","items":[],"extra":{"a":1}}`, "events")
	assert.Equal(t, 0, recs.Len())
	assert.Equal(t, Page{NextCursor: "end"}, page)
}

func TestDecodePageMalformed(t *testing.T) {
	good := `{"has_more":false,"next_cursor":"c","items":[{"id":"a","when":"2026-12-03T11:11:09.759Z"}]}`
	tests := []struct {
		name string
		body string
	}{
		{"empty", ``},
		{"html", `<html><body>502 Bad Gateway</body></html>`},
		{"truncated", good[:len(good)/2]},
		{"truncated at end", good[:len(good)-1]},
		{"array", `[1,2]`},
		{"items not an array", `{"next_cursor":"c","items":{}}`},
		{"item not an object", `{"next_cursor":"c","items":["x"]}`},
		{"no next_cursor", `{"has_more":false,"items":[]}`},
		{"has_more not bool", `{"has_more":"yes","next_cursor":"c","items":[]}`},
		{"bad literal", `{"next_cursor":"c","items":[{"a":tru}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodePage([]byte(tt.body), "events", observed, plog.NewLogRecordSlice())
			assert.Error(t, err)
		})
	}
}

func TestDecodePageRealSamples(t *testing.T) {
	for _, stream := range []string{"events", "alerts"} {
		files, err := filepath.Glob(filepath.Join("..", "..", "..", "..", "testdata", "sophos", stream, "*.json"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, f := range files {
			t.Run(stream+"/"+filepath.Base(f), func(t *testing.T) {
				items, err := os.ReadFile(f)
				require.NoError(t, err)
				var want []map[string]any
				require.NoError(t, json.Unmarshal(items, &want))

				recs, page := decode(t, `{"has_more":true,"next_cursor":"x","items":`+string(items)+`}`, stream)
				require.Equal(t, len(want), recs.Len())
				assert.Equal(t, len(want), page.Items)
				for i := range want {
					got, err := json.Marshal(recs.At(i).Body().Map().AsRaw())
					require.NoError(t, err)
					wantJSON, err := json.Marshal(want[i])
					require.NoError(t, err)
					assert.JSONEq(t, string(wantJSON), string(got))
					assert.Equal(t, want[i]["id"], recs.At(i).Attributes().AsRaw()[AttrUID])
				}
			})
		}
	}
}

func TestParseMillis(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-12-03T11:11:09.759Z", time.Date(2026, 12, 3, 11, 11, 9, 759e6, time.UTC), true},
		{"2024-02-29T23:59:59.000Z", time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC), true},
		{"2026-02-30T00:00:00.000Z", time.Time{}, false},
		{"2026-12-03T11:11:09Z", time.Time{}, false},
		{"2026-12-03T11:11:09.759+01:00", time.Time{}, false},
		{"2026-13-03T11:11:09.759Z", time.Time{}, false},
		{"2026-12-03T11:11:0x.759Z", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseMillis(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.True(t, tt.want.Equal(got), "got %v", got)
		})
	}
	// Other RFC 3339 forms still parse, through the slower path.
	recs, _ := decode(t, `{"next_cursor":"c","items":[{"when":"2026-12-03T12:11:09+01:00"}]}`, "events")
	assert.Equal(t, time.Date(2026, 12, 3, 11, 11, 9, 0, time.UTC), recs.At(0).Timestamp().AsTime())
}

func TestSpecial(t *testing.T) {
	// special must flag every byte the string scanner stops at, wherever it sits.
	for c := 0; c < 256; c++ {
		want := c == '"' || c == '\\' || c < 0x20 || c >= 0x80
		for pos := 0; pos < 8; pos++ {
			b := []byte("abcdefgh")
			b[pos] = byte(c)
			x := uint64(0)
			for i := 7; i >= 0; i-- {
				x = x<<8 | uint64(b[i])
			}
			if want {
				assert.True(t, special(x), "byte %#x at %d", c, pos)
			}
		}
	}
	assert.False(t, special(0x6867666564636261), "abcdefgh")
}
