package row

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-sophos/otelcol-sophos/internal/dcr"
)

func value(t *testing.T, raw any) pcommon.Value {
	t.Helper()
	v := pcommon.NewValueEmpty()
	require.NoError(t, v.FromRaw(raw))
	return v
}

func TestCoercion(t *testing.T) {
	tests := []struct {
		name string
		typ  string
		in   any
		want string // JSON; "" means the value can not be coerced
	}{
		{"string as is", dcr.TypeString, "a\"b\\c\n\u2028é", `"a\"b\\c\n\u2028é"`},
		{"string from int", dcr.TypeString, int64(42), `"42"`},
		{"string from bool", dcr.TypeString, true, `"true"`},
		{"string from map", dcr.TypeString, map[string]any{"ip": "10.0.0.1"}, `"{\"ip\":\"10.0.0.1\"}"`},
		{"string from bytes", dcr.TypeString, []byte("hi"), `"aGk="`},
		{"string invalid utf8", dcr.TypeString, "a\xffb", `"a\ufffdb"`},
		{"string control", dcr.TypeString, "\x01", `"\u0001"`},
		{"long from int", dcr.TypeLong, int64(-7), `-7`},
		{"long from string", dcr.TypeLong, " 123 ", `123`},
		{"long from integral double", dcr.TypeLong, 12.0, `12`},
		{"long from fraction", dcr.TypeLong, 12.5, ``},
		{"long from text", dcr.TypeLong, "abc", ``},
		{"int from bool", dcr.TypeInt, true, `1`},
		{"real from double", dcr.TypeReal, 1.5, `1.5`},
		{"real from int", dcr.TypeReal, int64(3), `3`},
		{"real from string", dcr.TypeReal, "2.25", `2.25`},
		{"real tiny", dcr.TypeReal, 1e-9, `1e-09`},
		{"real from text", dcr.TypeReal, "x", ``},
		{"boolean as is", dcr.TypeBoolean, false, `false`},
		{"boolean from string", dcr.TypeBoolean, "true", `true`},
		{"boolean from int", dcr.TypeBoolean, int64(1), `true`},
		{"boolean from other int", dcr.TypeBoolean, int64(2), ``},
		{"boolean from text", dcr.TypeBoolean, "yes please", ``},
		{"datetime UTC kept", dcr.TypeDatetime, "2024-05-01T10:11:12.345Z", `"2024-05-01T10:11:12.345Z"`},
		{"datetime offset to UTC", dcr.TypeDatetime, "2024-05-01T12:11:12+02:00", `"2024-05-01T10:11:12Z"`},
		{"datetime no zone", dcr.TypeDatetime, "2024-05-01 10:11:12", `"2024-05-01T10:11:12Z"`},
		{"datetime unix seconds", dcr.TypeDatetime, int64(1714558272), `"2024-05-01T10:11:12Z"`},
		{"datetime unix millis", dcr.TypeDatetime, int64(1714558272345), `"2024-05-01T10:11:12.345Z"`},
		{"datetime unix nanos", dcr.TypeDatetime, int64(1714558272000000001), `"2024-05-01T10:11:12.000000001Z"`},
		{"datetime fractional seconds", dcr.TypeDatetime, 1714558272.5, `"2024-05-01T10:11:12.5Z"`},
		{"datetime numeric string", dcr.TypeDatetime, "1714558272", `"2024-05-01T10:11:12Z"`},
		{"datetime bad month", dcr.TypeDatetime, "2024-13-01T10:11:12Z", ``},
		{"datetime text", dcr.TypeDatetime, "yesterday", ``},
		{"dynamic object", dcr.TypeDynamic, map[string]any{"a": []any{int64(1), "x", nil}}, `{"a":[1,"x",null]}`},
		{"dynamic string", dcr.TypeDynamic, "s", `"s"`},
		{"dynamic number", dcr.TypeDynamic, 2.5, `2.5`},
		{"null stays null", dcr.TypeLong, nil, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := appendCoerced([]byte("prefix"), value(t, tt.in), tt.typ)
			if tt.want == "" {
				assert.False(t, ok)
				assert.Equal(t, "prefix", string(got), "dst unchanged")
				return
			}
			require.True(t, ok)
			assert.Equal(t, tt.want, strings.TrimPrefix(string(got), "prefix"))
			assert.True(t, json.Valid(got[len("prefix"):]))
		})
	}
}

func TestEncoderWithSchema(t *testing.T) {
	schema := NewSchema(dcr.Stream{Name: "Custom-T_CL", Columns: []dcr.Column{
		{Name: "when", Type: dcr.TypeDatetime},
		{Name: "count", Type: dcr.TypeLong},
		{Name: "ok", Type: dcr.TypeBoolean},
		{Name: "data", Type: dcr.TypeDynamic},
		{Name: "big", Type: dcr.TypeString},
	}})
	enc := NewEncoder(schema)
	body := value(t, map[string]any{
		"when":  "2024-05-01T10:11:12Z",
		"extra": "not declared",
		"count": "12",
		"ok":    "maybe",
		"data":  map[string]any{"k": true},
		"big":   strings.Repeat("x", MaxValueBytes+1),
	})

	got := enc.Append(nil, body)

	var row map[string]any
	require.NoError(t, json.Unmarshal(got, &row))
	assert.Equal(t, "2024-05-01T10:11:12Z", row["when"])
	assert.InDelta(t, 12, row["count"], 0)
	assert.Equal(t, map[string]any{"k": true}, row["data"])
	assert.NotContains(t, row, "extra")
	assert.NotContains(t, row, "ok")
	assert.Equal(t, map[string]int{"extra": 1}, enc.Counts.Dropped)
	assert.Equal(t, map[string]int{"ok": 1}, enc.Counts.Invalid)
	assert.Equal(t, map[string]int{"big": 1}, enc.Counts.Truncated)
}

func TestEncoderWithoutSchema(t *testing.T) {
	tests := []struct {
		name string
		body any
		want string
	}{
		{"map as is", map[string]any{"a": int64(1), "b": []any{"x"}}, `{"a":1,"b":["x"]}`},
		{"string body", "plain line", `{"RawData":"plain line"}`},
		{"empty body", nil, `{"RawData":null}`},
		{"empty map", map[string]any{}, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.JSONEq(t, tt.want, string(NewEncoder(nil).Append(nil, value(t, tt.body))))
		})
	}
}

func TestEncoderFirstColumnDropped(t *testing.T) {
	schema := NewSchema(dcr.Stream{Columns: []dcr.Column{{Name: "b", Type: dcr.TypeString}}})
	body := pcommon.NewValueMap()
	body.Map().PutStr("a", "dropped")
	body.Map().PutStr("b", "kept")
	assert.Equal(t, `{"b":"kept"}`, string(NewEncoder(schema).Append(nil, body)))
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	inputs := []string{
		"", "plain ascii text that is long enough", "tab\there", "quote\" in the middle of 16+",
		"back\\slash after eight", "control \x1f char", "é accents ü in 8 byte runs", "\x7f del",
		"0123456\"", "01234567\\", "emoji 😀 after", "bad \xc3\x28 utf8", strings.Repeat("ab\"", 9),
	}
	for _, in := range inputs {
		want, err := json.Marshal(in)
		require.NoError(t, err)
		got := appendString(nil, in)
		var back string
		require.NoError(t, json.Unmarshal(got, &back), "%q", got)
		var wantBack string
		require.NoError(t, json.Unmarshal(want, &wantBack))
		assert.Equal(t, wantBack, back, "input %q", in)
	}
}
