// Package packer packs JSON rows into Logs Ingestion request bodies: JSON arrays, gzipped or
// not, each at most a given number of bytes as sent.
//
// A gzip body is compressed once, row by row, into one deflate stream. The compressed size is
// known exactly only at a sync flush, so the packer estimates from the compression ratio seen so
// far and flushes (a checkpoint) only when the estimate says the next row may not fit. When a
// flush shows that the limit was passed after all, the body is cut back to the previous
// checkpoint, which is byte aligned, and closed there with a final stored block holding the
// closing bracket and a trailer computed from the checkpoint's CRC. The rows after the
// checkpoint move to the next body; nothing else is compressed twice.
package packer

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/klauspost/compress/flate"
)

// Request is one body made by Pack, holding rows First to End-1.
type Request struct {
	Body []byte
	// First and End delimit the rows in the body.
	First, End int
	// RawBytes is the size of the JSON array before compression.
	RawBytes int
	// TooLarge marks a single row, First, that does not fit in the limit alone. Body is nil.
	TooLarge bool
}

var (
	comma       = []byte{','}
	openBracket = []byte{'['}
)

// gzipHeader is a gzip member header with no name, no time and an unknown OS.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// finalBlock is a final stored deflate block holding "]"; it follows a sync flush.
var finalBlock = []byte{0x01, 0x01, 0x00, 0xfe, 0xff, ']'}

// tail is what a gzip body may need after the bytes counted so far: a sync flush marker and
// its padding (6), the final block (6) and the trailer (8), rounded up.
const tail = 24

// Packer packs rows into bodies. It keeps its buffers between calls; it is not safe for
// concurrent use.
type Packer struct {
	gzip  bool
	level int

	buf []byte
	fw  *flate.Writer
	out sliceWriter

	// ratio is compressed bytes per raw byte, as last measured; 1 until measured.
	ratio float64
}

// New returns a Packer that gzips at the given level (1 to 9) or, with gzip false, sends JSON
// as it is.
func New(gzip bool, level int) (*Packer, error) {
	p := &Packer{gzip: gzip, level: level, ratio: 1}
	if gzip {
		fw, err := flate.NewWriter(&p.out, level)
		if err != nil {
			return nil, fmt.Errorf("gzip level %d: %w", level, err)
		}
		p.fw = fw
	}
	return p, nil
}

// Pack packs rows first to end-1 into bodies of at most limit bytes, in order, and calls emit
// with each. The body passed to emit is valid until emit returns. Pack stops at and returns
// the first error of emit.
func (p *Packer) Pack(rows *Rows, first, end, limit int, emit func(Request) error) error {
	if !p.gzip {
		return p.packPlain(rows, first, end, limit, emit)
	}
	return p.packGzip(rows, first, end, limit, emit)
}

func (p *Packer) packPlain(rows *Rows, first, end, limit int, emit func(Request) error) error {
	for first < end {
		body := append(p.buf[:0], '[')
		i := first
		for ; i < end; i++ {
			row := rows.Row(i)
			if i > first && len(body)+1+len(row)+1 > limit {
				break
			}
			if i > first {
				body = append(body, ',')
			}
			body = append(body, row...)
		}
		body = append(body, ']')
		p.buf = body

		req := Request{Body: body, First: first, End: i, RawBytes: len(body)}
		if len(body) > limit {
			req = Request{First: first, End: first + 1, TooLarge: true}
			i = first + 1
		}
		if err := emit(req); err != nil {
			return err
		}
		first = i
	}
	return nil
}

// gzipBody is the state of the body being built.
type gzipBody struct {
	first  int // first row
	next   int // row after the last one written
	rawLen int // raw bytes written
	crc    uint32

	// The last checkpoint: rows before cpNext are in buf[:cpLen] for sure.
	cpNext   int
	cpLen    int
	cpRawLen int
	cpCRC    uint32

	// pessimistic estimates with the worst case of deflate, after an estimate proved wrong.
	pessimistic bool
}

func (p *Packer) packGzip(rows *Rows, first, end, limit int, emit func(Request) error) error {
	room := limit - tail
	b := p.start(first, false)
	for {
		if b.next == end {
			if b.next == b.first {
				return nil
			}
			if p.checkpoint(&b, room) {
				return p.finish(&b, emit)
			}
			if err := p.rollback(&b, emit); err != nil {
				return err
			}
			continue
		}

		row := rows.Row(b.next)
		add := len(row) + 1 // the row and its "[" or ","
		if b.next > b.first && b.cpLen+p.estimate(b, b.rawLen-b.cpRawLen+add) > room {
			if !p.checkpoint(&b, room) {
				if err := p.rollback(&b, emit); err != nil {
					return err
				}
				continue
			}
			if b.cpLen+p.estimate(b, add) > room {
				if err := p.finish(&b, emit); err != nil {
					return err
				}
				b = p.start(b.next, false)
				continue
			}
		}
		p.write(&b, row)
	}
}

// start begins a body at row first.
func (p *Packer) start(first int, pessimistic bool) gzipBody {
	p.out.buf = append(p.out.buf[:0], gzipHeader...)
	p.fw.Reset(&p.out)
	n := len(p.out.buf)
	return gzipBody{first: first, next: first, cpNext: first, cpLen: n, pessimistic: pessimistic}
}

// write compresses one more row into the body.
func (p *Packer) write(b *gzipBody, row []byte) {
	sep := comma
	if b.next == b.first {
		sep = openBracket
	}
	_, _ = p.fw.Write(sep)
	_, _ = p.fw.Write(row)
	b.crc = crc32.Update(b.crc, crc32.IEEETable, sep)
	b.crc = crc32.Update(b.crc, crc32.IEEETable, row)
	b.rawLen += len(row) + 1
	b.next++
}

// estimate returns the compressed size of raw more bytes: from the measured ratio with a
// margin, or the worst case of deflate (stored blocks) when pessimistic.
func (p *Packer) estimate(b gzipBody, raw int) int {
	worst := raw + raw/4096*5 + 64
	if b.pessimistic {
		return worst
	}
	return min(int(float64(raw)*p.ratio*1.1)+64, worst)
}

// checkpoint flushes the deflate stream and reports whether the body still fits in room.
// When it does, the flushed point becomes the checkpoint to cut back to.
func (p *Packer) checkpoint(b *gzipBody, room int) bool {
	_ = p.fw.Flush()
	n := len(p.out.buf)
	if n > room {
		return false
	}
	if b.rawLen > 0 {
		p.ratio = float64(n-len(gzipHeader)) / float64(b.rawLen)
	}
	b.cpNext, b.cpLen, b.cpRawLen, b.cpCRC = b.next, n, b.rawLen, b.crc
	return true
}

// rollback closes the body at its last checkpoint and emits it; the rows after the checkpoint
// start the next body. A body whose only row does not fit is that row's error.
func (p *Packer) rollback(b *gzipBody, emit func(Request) error) error {
	if b.cpNext > b.first {
		b.next, b.rawLen, b.crc = b.cpNext, b.cpRawLen, b.cpCRC
		p.out.buf = p.out.buf[:b.cpLen]
		if err := p.finish(b, emit); err != nil {
			return err
		}
		*b = p.start(b.next, false)
		return nil
	}

	if b.next-b.first == 1 {
		if err := emit(Request{First: b.first, End: b.first + 1, TooLarge: true}); err != nil {
			return err
		}
		*b = p.start(b.first+1, false)
		return nil
	}
	// Several rows and not one checkpoint: the estimate was wrong from the start.
	*b = p.start(b.first, true)
	return nil
}

// finish closes the body after its last checkpoint and emits it.
func (p *Packer) finish(b *gzipBody, emit func(Request) error) error {
	body := append(p.out.buf, finalBlock...)
	crc := crc32.Update(b.crc, crc32.IEEETable, finalBlock[len(finalBlock)-1:])
	body = binary.LittleEndian.AppendUint32(body, crc)
	body = binary.LittleEndian.AppendUint32(body, uint32(b.rawLen+1))
	p.out.buf = body

	return emit(Request{Body: body, First: b.first, End: b.next, RawBytes: b.rawLen + 1})
}

// sliceWriter is an io.Writer that appends to a slice the packer can cut back.
type sliceWriter struct{ buf []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}
