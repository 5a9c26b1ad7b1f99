// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package itemlog // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/itemlog"

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// maxDepth bounds the nesting of a body, so a hostile one cannot exhaust the stack.
const maxDepth = 64

// decoder reads JSON straight into pdata values. It saves most of the allocations a general
// decoder makes: strings without escapes, keys and values, are slices of one copy of the
// whole input, and each map is sized by what the last object under the same key held.
type decoder struct {
	data  []byte
	text  string // a copy of data, which strings share
	pos   int
	hints map[string]int
}

// newDecoder returns a decoder of data. data may be reused once the decoder is done: values
// refer to a copy.
//
// Limitation: every string of a page shares one copy of the page, so a component that keeps
// one value of a record for long keeps the whole page's text in memory with it.
func newDecoder(data []byte) *decoder {
	return &decoder{
		data:  data,
		text:  string(data),
		hints: map[string]int{},
	}
}

func (d *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", d.pos, fmt.Sprintf(format, args...))
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the next byte that is not white space, or 0 at the end.
func (d *decoder) peek() byte {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

func (d *decoder) expect(c byte) error {
	if d.peek() != c {
		if d.pos >= len(d.data) {
			return d.errorf("unexpected end, want %q", c)
		}
		return d.errorf("found %q, want %q", d.data[d.pos], c)
	}
	d.pos++
	return nil
}

// object calls field for each key of the object at the current position; field must read
// the value.
func (d *decoder) object(field func(key string) error) error {
	if err := d.expect('{'); err != nil {
		return err
	}
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	for {
		if d.peek() != '"' {
			return d.errorf("want an object key")
		}
		key, err := d.key()
		if err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return d.errorf("want , or } in an object")
		}
	}
}

// array calls elem for each element of the array at the current position; elem must read
// the element.
func (d *decoder) array(elem func() error) error {
	if err := d.expect('['); err != nil {
		return err
	}
	if d.peek() == ']' {
		d.pos++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return nil
		default:
			return d.errorf("want , or ] in an array")
		}
	}
}

// value reads any JSON value into v. parent is the key the value sits under, for sizing.
func (d *decoder) value(v pcommon.Value, parent string, depth int) error {
	if depth > maxDepth {
		return d.errorf("nested deeper than %d", maxDepth)
	}
	switch c := d.peek(); {
	case c == '"':
		s, err := d.str()
		if err != nil {
			return err
		}
		v.SetStr(s)
	case c == '{':
		return d.mapValue(v.SetEmptyMap(), parent, depth)
	case c == '[':
		s := v.SetEmptySlice()
		return d.array(func() error { return d.value(s.AppendEmpty(), parent, depth+1) })
	case c == 't':
		if err := d.literal("true"); err != nil {
			return err
		}
		v.SetBool(true)
	case c == 'f':
		if err := d.literal("false"); err != nil {
			return err
		}
		v.SetBool(false)
	case c == 'n':
		// An empty value is JSON null: the key stays, as the API sent it.
		return d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number(v)
	case c == 0:
		return d.errorf("unexpected end")
	default:
		return d.errorf("unexpected %q", c)
	}
	return nil
}

// mapValue reads an object into m.
func (d *decoder) mapValue(m pcommon.Map, parent string, depth int) error {
	if hint := d.hints[parent]; hint > 0 {
		m.EnsureCapacity(hint)
	}
	err := d.object(func(key string) error {
		return d.value(m.PutEmpty(key), key, depth+1)
	})
	d.hints[parent] = m.Len()
	return err
}

func (d *decoder) literal(lit string) error {
	if !bytes.HasPrefix(d.data[d.pos:], []byte(lit)) {
		return d.errorf("want %s", lit)
	}
	d.pos += len(lit)
	return nil
}

// number reads a JSON number: an integer into an int, anything else into a double.
func (d *decoder) number(v pcommon.Value) error {
	start := d.pos
	neg := d.data[d.pos] == '-'
	if neg {
		d.pos++
	}
	var n int64
	digits := 0
	for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
		n = n*10 + int64(d.data[d.pos]-'0')
		d.pos++
		digits++
	}
	if digits == 0 {
		return d.errorf("bad number")
	}
	isInt := true
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if (c < '0' || c > '9') && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-' {
			break
		}
		isInt = false
		d.pos++
	}
	if isInt && digits <= 18 {
		if neg {
			n = -n
		}
		v.SetInt(n)
		return nil
	}
	text := string(d.data[start:d.pos])
	if isInt {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			v.SetInt(i)
			return nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return d.errorf("bad number %q", text)
	}
	v.SetDouble(f)
	return nil
}

// key reads an object key.
func (d *decoder) key() (string, error) {
	return d.str()
}

// str reads a string value.
func (d *decoder) str() (string, error) {
	start, end, kind, err := d.scanString()
	switch {
	case err != nil:
		return "", err
	case kind == escaped:
		return unescape(d.data[start:end])
	case kind == nonASCII:
		return validUTF8(d.text[start:end]), nil
	default:
		return d.text[start:end], nil
	}
}

// What a string holds, as far as decoding it goes.
const (
	plainASCII = iota
	nonASCII
	escaped
)

// scanString moves past a quoted string and returns where its contents start and end, and
// whether they hold escapes or bytes beyond ASCII.
func (d *decoder) scanString() (start, end, kind int, err error) {
	d.pos++ // the opening quote
	start = d.pos
	data := d.data
	for {
		// Skip eight bytes at a time while none of them needs a look.
		for d.pos+8 <= len(data) && !special(binary.LittleEndian.Uint64(data[d.pos:])) {
			d.pos += 8
		}
		if d.pos >= len(data) {
			return 0, 0, 0, d.errorf("unterminated string")
		}
		switch c := data[d.pos]; {
		case c == '"':
			end = d.pos
			d.pos++
			return start, end, kind, nil
		case c == '\\':
			kind = escaped
			d.pos += 2
		case c < 0x20:
			return 0, 0, 0, d.errorf("control character in a string")
		case c >= utf8.RuneSelf && kind == plainASCII:
			kind = nonASCII
			d.pos++
		default:
			d.pos++
		}
	}
}

// Masks for looking at the eight bytes of a uint64 at once.
const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// special reports whether one of the eight bytes in x may be a quote, a backslash, a control
// character or beyond ASCII. It may say so of others too, never the reverse.
func special(x uint64) bool {
	quote := x ^ (lowBits * '"')
	backslash := x ^ (lowBits * '\\')
	return ((quote-lowBits)&^quote|(backslash-lowBits)&^backslash|(x-lowBits*0x20)&^x|x)&highBits != 0
}

// validUTF8 replaces invalid UTF-8, which pdata could not marshal, as encoding/json does.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// unescape decodes the contents of a JSON string that holds escapes.
func unescape(raw []byte) (string, error) {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(raw) {
			return "", errors.New("bad escape at the end of a string")
		}
		switch raw[i] {
		case '"', '\\', '/':
			b.WriteByte(raw[i])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n, err := unicodeEscape(raw[i+1:])
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
			i += n
		default:
			return "", fmt.Errorf("bad escape \\%c in a string", raw[i])
		}
	}
	return validUTF8(b.String()), nil
}

// unicodeEscape reads the hex digits after \u, and a second \uXXXX when the first is half
// of a surrogate pair. It returns the rune and how many bytes it used.
func unicodeEscape(rest []byte) (rune, int, error) {
	r, ok := hex4(rest)
	if !ok {
		return 0, 0, errors.New(`bad \u escape in a string`)
	}
	if utf16.IsSurrogate(r) && len(rest) >= 10 && rest[4] == '\\' && rest[5] == 'u' {
		if r2, ok := hex4(rest[6:]); ok {
			if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
				return pair, 10, nil
			}
		}
	}
	if utf16.IsSurrogate(r) {
		return utf8.RuneError, 4, nil
	}
	return r, 4, nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}
