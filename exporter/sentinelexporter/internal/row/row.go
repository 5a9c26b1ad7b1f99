// Package row turns log record bodies into Logs Ingestion rows: JSON objects whose keys are a
// stream's input columns, each value coerced to the column's declared type.
package row

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-sophos/otelcol-sophos/internal/dcr"
)

// MaxValueBytes is the size above which Azure truncates a field value.
const MaxValueBytes = 64 * 1024

// RawDataColumn holds a body that is not a map.
const RawDataColumn = "RawData"

// Schema is a stream's declared columns, indexed by name.
type Schema struct {
	types map[string]string
}

// NewSchema indexes the columns of a stream declaration.
func NewSchema(s dcr.Stream) *Schema {
	types := make(map[string]string, len(s.Columns))
	for _, c := range s.Columns {
		types[c.Name] = c.Type
	}
	return &Schema{types: types}
}

// Counts tallies, by column, the values an Encoder left out or flagged.
type Counts struct {
	// Dropped counts values whose column the stream does not declare.
	Dropped map[string]int
	// Invalid counts values that could not be coerced to their column's type.
	Invalid map[string]int
	// Truncated counts values over MaxValueBytes, which Azure truncates.
	Truncated map[string]int
}

func (c *Counts) add(m *map[string]int, column string) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[column]++
}

// Encoder writes rows for one stream. A nil schema sends bodies as they are.
type Encoder struct {
	schema *Schema
	Counts Counts

	// seen holds the columns of the previous row by position: rows of one stream mostly have
	// the same keys in the same order, and comparing a key is cheaper than hashing it.
	seen []seenColumn
}

type seenColumn struct {
	name     string
	typ      string
	declared bool
}

// NewEncoder returns an Encoder for a stream with the given schema, which may be nil.
func NewEncoder(schema *Schema) *Encoder {
	return &Encoder{schema: schema}
}

// Append appends the row of body to dst. A map body's top-level keys are the columns; any
// other body becomes the single column RawData.
func (e *Encoder) Append(dst []byte, body pcommon.Value) []byte {
	// Limitation: no TimeGenerated column is added from the record's timestamp; the DCR's
	// transformation derives it (the Sophos DCR from created_at), else Azure uses ingestion time.
	dst = append(dst, '{')
	if body.Type() != pcommon.ValueTypeMap {
		dst, _ = e.appendColumn(dst, 0, RawDataColumn, body, true)
		return append(dst, '}')
	}

	first := true
	pos := 0
	for k, v := range body.Map().All() {
		var ok bool
		dst, ok = e.appendColumn(dst, pos, k, v, first)
		if ok {
			first = false
		}
		pos++
	}
	return append(dst, '}')
}

// column returns the declared type of the column k, the pos-th key of its row.
func (e *Encoder) column(pos int, k string) (string, bool) {
	if pos < len(e.seen) && e.seen[pos].name == k {
		return e.seen[pos].typ, e.seen[pos].declared
	}
	typ, declared := e.schema.types[k]
	c := seenColumn{name: k, typ: typ, declared: declared}
	if pos < len(e.seen) {
		e.seen[pos] = c
	} else if pos == len(e.seen) {
		e.seen = append(e.seen, c)
	}
	return typ, declared
}

// appendColumn appends "k":v, preceded by a comma unless first; it reports whether it wrote.
func (e *Encoder) appendColumn(dst []byte, pos int, k string, v pcommon.Value, first bool) ([]byte, bool) {
	start := len(dst)
	if !first {
		dst = append(dst, ',')
	}
	dst = appendString(dst, k)
	dst = append(dst, ':')
	valueStart := len(dst)

	if e.schema == nil {
		dst = appendValue(dst, v)
	} else {
		typ, declared := e.column(pos, k)
		if !declared {
			e.Counts.add(&e.Counts.Dropped, k)
			return dst[:start], false
		}
		var ok bool
		dst, ok = appendCoerced(dst, v, typ)
		if !ok {
			e.Counts.add(&e.Counts.Invalid, k)
			return dst[:start], false
		}
	}

	// Limitation: a value over 64 KB is counted and sent whole; Azure truncates it.
	if len(dst)-valueStart > MaxValueBytes {
		e.Counts.add(&e.Counts.Truncated, k)
	}
	return dst, true
}
