package logsingestion

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-sophos/otelcol-sophos/internal/dcr"
)

func TestValidValue(t *testing.T) {
	tests := []struct {
		typ  string
		ok   []string
		fail []string
	}{
		{typ: dcr.TypeString, ok: []string{`"x"`, `""`, `1`, `1.5`, `true`, `null`},
			fail: []string{`{"a":1}`, `[1]`}},
		{typ: dcr.TypeInt, ok: []string{`1`, `-2147483648`, `2147483647`, `3.0`, `1e3`, `"42"`, `null`},
			fail: []string{`2147483648`, `1.5`, `"x"`, `"1.5"`, `true`, `{}`, `[]`}},
		{typ: dcr.TypeLong, ok: []string{`9223372036854775807`, `-9223372036854775808`, `"-7"`, `2147483648`},
			fail: []string{`9223372036854775808`, `1e19`, `0.5`, `false`, `"ten"`}},
		{typ: dcr.TypeReal, ok: []string{`1`, `-1.5e-3`, `"2.5"`, `null`},
			fail: []string{`"two"`, `true`, `[]`, `{}`}},
		{typ: dcr.TypeBoolean, ok: []string{`true`, `false`, `"true"`, `"False"`, `null`},
			fail: []string{`1`, `0`, `"yes"`, `[]`}},
		{typ: dcr.TypeDatetime, ok: []string{
			`"2019-04-01T15:11:09.759Z"`, `"2019-04-01T15:11:09Z"`, `"2019-04-01T15:11:09+02:00"`,
			`"2019-04-01T15:11:09.1234567Z"`, `"2019-04-01T15:11:09"`, `"2019-04-01 15:11:09"`,
			`"2019-04-01"`, `null`},
			fail: []string{`1554135070527`, `"yesterday"`, `"01/04/2019"`, `true`, `{}`}},
		{typ: dcr.TypeDynamic, ok: []string{`{"a":[1]}`, `[1,"x"]`, `"s"`, `1`, `true`, `null`}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			for _, v := range tt.ok {
				assert.True(t, validValue(tt.typ, json.RawMessage(v)), "%s should fit %s", v, tt.typ)
			}
			for _, v := range tt.fail {
				assert.False(t, validValue(tt.typ, json.RawMessage(v)), "%s should not fit %s", v, tt.typ)
			}
		})
	}
}

func TestCustomStreamRows(t *testing.T) {
	stream := dcr.Stream{Name: "Custom-Typed_CL", Columns: []dcr.Column{
		{Name: "n", Type: dcr.TypeInt},
		{Name: "ok", Type: dcr.TypeBoolean},
		{Name: "at", Type: dcr.TypeDatetime},
		{Name: "extra", Type: dcr.TypeDynamic},
	}}
	f := newFixture(t, Config{Streams: map[string]dcr.Stream{stream.Name: stream}})
	tok := f.token(t)

	body := []byte(`[
		{"extra": {"deep": [1, 2,
			3]}, "n": 7, "zzz": 1, "ok": true, "at": "2026-12-01T10:00:00Z"},
		{"n": "8", "yyy": null}
	]`)
	resp, data := f.post(t, f.ingestURL(stream.Name), tok, body, nil)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(data))

	assert.Equal(t, []map[string]any{
		{"n": float64(7), "ok": true, "at": "2026-12-01T10:00:00Z",
			"extra": map[string]any{"deep": []any{float64(1), float64(2), float64(3)}}},
		{"n": "8"},
	}, f.emu.Rows(stream.Name))
	assert.Equal(t, map[string]int{"zzz": 1, "yyy": 1}, f.emu.Stats().Dropped[stream.Name])

	resp, _ = f.post(t, f.ingestURL(eventsStream), tok, []byte(`[]`), nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "only the configured streams exist")
}
