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
		{
			typ: dcr.TypeString, ok: []string{`"x"`, `""`, `1`, `1.5`, `true`, `null`},
			fail: []string{`{"a":1}`, `[1]`},
		},
		{
			typ: dcr.TypeInt, ok: []string{`1`, `-2147483648`, `2147483647`, `3.0`, `1e3`, `"42"`, `null`},
			fail: []string{`2147483648`, `1.5`, `"x"`, `"1.5"`, `true`, `{}`, `[]`},
		},
		{
			typ: dcr.TypeLong, ok: []string{`9223372036854775807`, `-9223372036854775808`, `"-7"`, `2147483648`},
			fail: []string{`9223372036854775808`, `1e19`, `0.5`, `false`, `"ten"`},
		},
		{
			typ: dcr.TypeReal, ok: []string{`1`, `-1.5e-3`, `"2.5"`, `null`},
			fail: []string{`"two"`, `true`, `[]`, `{}`},
		},
		{
			typ: dcr.TypeBoolean, ok: []string{`true`, `false`, `"true"`, `"False"`, `null`},
			fail: []string{`1`, `0`, `"yes"`, `[]`},
		},
		{
			typ: dcr.TypeDatetime, ok: []string{
				`"2019-04-01T15:11:09.759Z"`, `"2019-04-01T15:11:09Z"`, `"2019-04-01T15:11:09+02:00"`,
				`"2019-04-01T15:11:09.1234567Z"`, `"2019-04-01T15:11:09"`, `"2019-04-01 15:11:09"`,
				`"2019-04-01"`, `null`,
			},
			fail: []string{`1554135070527`, `"yesterday"`, `"01/04/2019"`, `true`, `{}`},
		},
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
		{
			"n": float64(7), "ok": true, "at": "2026-12-01T10:00:00Z",
			"extra": map[string]any{"deep": []any{float64(1), float64(2), float64(3)}},
		},
		{"n": "8"},
	}, f.emu.Rows(stream.Name))
	assert.Equal(t, map[string]int{"zzz": 1, "yyy": 1}, f.emu.Stats().Dropped[stream.Name])

	resp, _ = f.post(t, f.ingestURL(eventsStream), tok, []byte(`[]`), nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "only the configured streams exist")
}

func TestDecodeRows(t *testing.T) {
	sc := newSchema(dcr.Stream{Name: "Custom-T_CL", Columns: []dcr.Column{
		{Name: "name", Type: dcr.TypeString},
		{Name: "d", Type: dcr.TypeDynamic},
		{Name: "n", Type: dcr.TypeLong},
	}})
	tests := []struct {
		name    string
		body    string
		rows    []string
		dropped map[string]int
		wantErr string
	}{
		{name: "empty array", body: " [ ] ", rows: nil},
		{name: "empty object", body: `[{}]`, rows: []string{`{}`}},
		{
			name: "declared order", body: `[{"n":1,"d":null,"name":"x"}]`,
			rows: []string{`{"name":"x","d":null,"n":1}`},
		},
		{
			name: "white space everywhere",
			body: "\n[ {\t\"name\" :\r\n \"x\" , \"d\" : [ 1 , {\"a\" :\n 2} ] } ,\n{ } ]\n",
			rows: []string{`{"name":"x","d":[1,{"a":2}]}`, `{}`},
		},
		{
			name: "brackets and quotes inside strings",
			body: `[{"name":"a\"}],{[\\","d":{"k":"]}\"{","l":["[",{"m":"}"}]},"n":"5"}]`,
			rows: []string{`{"name":"a\"}],{[\\","d":{"k":"]}\"{","l":["[",{"m":"}"}]},"n":"5"}`},
		},
		{
			name: "escaped key", body: `[{"n\u0061me":"x","\u00e9t\u00e9":1}]`,
			rows: []string{`{"name":"x"}`}, dropped: map[string]int{"été": 1},
		},
		{
			name: "duplicate key keeps the last", body: `[{"name":"a","name":"b"}]`,
			rows: []string{`{"name":"b"}`},
		},
		{
			name: "numbers", body: `[{"n":-12,"d":1.5e+3},{"n":0,"d":-0.0}]`,
			rows: []string{`{"d":1.5e+3,"n":-12}`, `{"d":-0.0,"n":0}`},
		},
		{name: "null row", body: `[{"name":"x"},null]`, wantErr: "Row 1 is not a JSON object."},
		{name: "number row", body: `[1]`, wantErr: "Row 0 is not a JSON object."},
		{name: "object body", body: `{"name":"x"}`, wantErr: "must be a JSON array of objects"},
		{name: "unterminated", body: `[{"name":"x"}`, wantErr: "not valid JSON"},
		{name: "trailing comma", body: `[{"name":"x"},]`, wantErr: "not valid JSON"},
		{name: "two values", body: `[] []`, wantErr: "not valid JSON"},
		{
			name: "wrong type", body: `[{"n":"x"}]`,
			wantErr: `Row 0: the value of column 'n' can not be converted to type 'long': "x".`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := decodeRows([]byte(tt.body), sc)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			var rows []string
			for _, r := range b.rows {
				rows = append(rows, string(r))
				assert.True(t, json.Valid(r), string(r))
			}
			assert.Equal(t, tt.rows, rows)
			if tt.dropped == nil {
				tt.dropped = map[string]int{}
			}
			assert.Equal(t, tt.dropped, b.dropped)
		})
	}
}
