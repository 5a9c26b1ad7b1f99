package logsingestion

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-sophos/otelcol-sophos/internal/dcr"
)

// schema is a stream declaration prepared for checking rows.
type schema struct {
	columns []column
	index   map[string]int
}

type column struct {
	name string
	typ  string
	key  []byte // the name as a JSON string followed by ':'
}

func newSchema(st dcr.Stream) schema {
	sc := schema{index: make(map[string]int, len(st.Columns))}
	for _, c := range st.Columns {
		key, _ := json.Marshal(c.Name)
		sc.index[c.Name] = len(sc.columns)
		sc.columns = append(sc.columns, column{name: c.Name, typ: c.Type, key: append(key, ':')})
	}
	return sc
}

// batch is the outcome of decoding one request body.
type batch struct {
	rows    [][]byte       // each row with only declared columns, in declared order
	dropped map[string]int // undeclared column -> count
}

// errContent is a body the service can not take; its text is the 400's message.
type errContent struct{ msg string }

func (e errContent) Error() string { return e.msg }

func contentErr(format string, args ...any) error {
	return errContent{msg: fmt.Sprintf(format, args...)}
}

// decodeRows reads a JSON array of objects from body, checks every declared column's value
// against its type and keeps only declared columns. It fails on the first bad row, and then no
// row of the request is kept.
//
// The body is checked as a whole with json.Valid first; the rows are then split by a small
// scanner that may assume valid JSON, which is several times faster than decoding each row.
func decodeRows(body []byte, sc schema) (batch, error) {
	b := batch{dropped: map[string]int{}}
	if !json.Valid(body) {
		err := json.Unmarshal(body, new(json.RawMessage))
		return b, contentErr("The request body is not valid JSON: %v.", err)
	}

	sp := splitter{b: body}
	sp.space()
	if sp.peek() != '[' {
		return b, contentErr("The request body must be a JSON array of objects.")
	}
	sp.i++
	sp.space()
	if sp.peek() == ']' {
		return b, nil
	}

	vals := make([]json.RawMessage, len(sc.columns))
	for row := 0; ; row++ {
		sp.space()
		if sp.peek() != '{' {
			return b, contentErr("Row %d is not a JSON object.", row)
		}
		clear(vals)
		if err := sp.object(func(name []byte, raw json.RawMessage) error {
			ci, ok := sc.index[string(name)]
			if !ok {
				b.dropped[string(name)]++
				return nil
			}
			c := sc.columns[ci]
			if !validValue(c.typ, raw) {
				return contentErr("Row %d: the value of column '%s' can not be converted "+
					"to type '%s': %s.", row, c.name, c.typ, preview(raw))
			}
			vals[ci] = raw
			return nil
		}); err != nil {
			return b, err
		}
		out, err := encodeRow(sc, vals)
		if err != nil {
			return b, contentErr("Row %d: %v.", row, err)
		}
		b.rows = append(b.rows, out)

		sp.space()
		if sp.peek() == ']' {
			return b, nil
		}
		sp.i++ // ','
	}
}

// splitter walks JSON that json.Valid accepted.
type splitter struct {
	b []byte
	i int
}

func (sp *splitter) peek() byte {
	if sp.i >= len(sp.b) {
		return 0
	}
	return sp.b[sp.i]
}

func (sp *splitter) space() {
	for sp.i < len(sp.b) {
		switch sp.b[sp.i] {
		case ' ', '\t', '\n', '\r':
			sp.i++
		default:
			return
		}
	}
}

// object calls fn with each member of the object that starts at sp.i, and moves past it.
func (sp *splitter) object(fn func(name []byte, raw json.RawMessage) error) error {
	sp.i++ // '{'
	for {
		sp.space()
		if sp.peek() == '}' {
			sp.i++
			return nil
		}
		if sp.peek() == ',' {
			sp.i++
			sp.space()
		}
		key := sp.value()
		name := key[1 : len(key)-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			var s string
			if err := json.Unmarshal(key, &s); err != nil {
				return contentErr("Invalid column name %s.", key)
			}
			name = []byte(s)
		}
		sp.space()
		sp.i++ // ':'
		sp.space()
		if err := fn(name, sp.value()); err != nil {
			return err
		}
	}
}

// value returns the JSON value that starts at sp.i and moves past it.
func (sp *splitter) value() json.RawMessage {
	start := sp.i
	switch sp.b[sp.i] {
	case '"':
		sp.str()
	case '{', '[':
		depth := 0
		for {
			switch sp.b[sp.i] {
			case '"':
				sp.str()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			sp.i++
			if depth == 0 {
				break
			}
		}
	default:
		for sp.i < len(sp.b) {
			switch sp.b[sp.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return sp.b[start:sp.i:sp.i]
			}
			sp.i++
		}
	}
	return sp.b[start:sp.i:sp.i]
}

// str moves past the string that starts at sp.i.
func (sp *splitter) str() {
	sp.i++
	for {
		j := bytes.IndexAny(sp.b[sp.i:], "\"\\")
		sp.i += j
		if sp.b[sp.i] == '"' {
			sp.i++
			return
		}
		sp.i += 2 // an escape and the character it escapes
	}
}

// encodeRow writes the present declared columns as one line of compact JSON.
func encodeRow(sc schema, vals []json.RawMessage) ([]byte, error) {
	n := 2
	for i, v := range vals {
		if v != nil {
			n += len(sc.columns[i].key) + len(v) + 1
		}
	}
	row := make([]byte, 0, n)
	row = append(row, '{')
	first := true
	for i, v := range vals {
		if v == nil {
			continue
		}
		if !first {
			row = append(row, ',')
		}
		first = false
		row = append(row, sc.columns[i].key...)
		// A raw line break can only be white space between tokens; JSON Lines can not have it.
		if (v[0] == '{' || v[0] == '[') && bytes.ContainsAny(v, "\r\n") {
			var buf bytes.Buffer
			if err := json.Compact(&buf, v); err != nil {
				return nil, err
			}
			row = append(row, buf.Bytes()...)
			continue
		}
		row = append(row, v...)
	}
	return append(row, '}'), nil
}

// validValue reports whether raw, one JSON value, can be taken as a column of type typ.
// null is a missing value and fits every type.
func validValue(typ string, raw json.RawMessage) bool {
	if len(raw) == 0 {
		return false
	}
	c := raw[0]
	if c == 'n' {
		return true
	}

	switch typ {
	case dcr.TypeDynamic:
		return true
	case dcr.TypeString:
		return c != '{' && c != '['
	case dcr.TypeBoolean:
		if c == 't' || c == 'f' {
			return true
		}
		s, ok := unquote(raw)
		return ok && (strings.EqualFold(s, "true") || strings.EqualFold(s, "false"))
	case dcr.TypeInt:
		return validInteger(raw, 32)
	case dcr.TypeLong:
		return validInteger(raw, 64)
	case dcr.TypeReal:
		if isNumber(c) {
			return true
		}
		s, ok := unquote(raw)
		if !ok {
			return false
		}
		_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return err == nil
	case dcr.TypeDatetime:
		s, ok := unquote(raw)
		return ok && validDatetime(s)
	}
	return false
}

func isNumber(c byte) bool {
	return c == '-' || (c >= '0' && c <= '9')
}

// validInteger takes a JSON integer, an integral number such as 3.0 or 1e3, or a string that
// holds one, within the range of a bits-wide signed integer.
func validInteger(raw json.RawMessage, bits int) bool {
	s := string(raw)
	if !isNumber(raw[0]) {
		var ok bool
		if s, ok = unquote(raw); !ok {
			return false
		}
		s = strings.TrimSpace(s)
	}
	if _, err := strconv.ParseInt(s, 10, bits); err == nil {
		return true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) {
		return false
	}
	limit := math.Ldexp(1, bits-1)
	return f >= -limit && f < limit
}

// datetimeLayouts are the ISO 8601 forms taken for a datetime column.
var datetimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

func validDatetime(s string) bool {
	s = strings.TrimSpace(s)
	for _, layout := range datetimeLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

func unquote(raw json.RawMessage) (string, bool) {
	if raw[0] != '"' || len(raw) < 2 {
		return "", false
	}
	if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

func preview(raw json.RawMessage) string {
	const max = 64
	if len(raw) <= max {
		return string(raw)
	}
	return string(raw[:max]) + "..."
}
