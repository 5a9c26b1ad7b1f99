package packer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// variedRows returns n rows that compress about as well as security events do.
func variedRows(n int, seed uint64) *Rows {
	rnd := rand.New(rand.NewPCG(seed, 1))
	rows := &Rows{}
	for i := range n {
		buf := rows.Buffer()
		buf = fmt.Appendf(buf, `{"id":"%08x-%04x","seq":%d,"host":"host-%d","ip":"10.%d.%d.%d",`+
			`"name":"Event of type %d on endpoint %d","pad":"%s"}`,
			rnd.Uint32(), rnd.Uint32()&0xffff, i, rnd.IntN(900), rnd.IntN(256), rnd.IntN(256),
			rnd.IntN(256), rnd.IntN(40), rnd.IntN(5000), bytes.Repeat([]byte("x"), rnd.IntN(300)))
		rows.Commit(buf)
	}
	return rows
}

// randomRow returns a row of n incompressible bytes.
func randomRow(rows *Rows, n int, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, 2))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	buf := append(rows.Buffer(), `{"blob":"`...)
	for range n {
		buf = append(buf, letters[rnd.IntN(len(letters))])
	}
	rows.Commit(append(buf, `"}`...))
}

type packed struct {
	bodies   [][]byte
	reqs     []Request
	tooLarge []int
}

func pack(t *testing.T, p *Packer, rows *Rows, limit int) packed {
	t.Helper()
	var out packed
	err := p.Pack(rows, 0, rows.Len(), limit, func(r Request) error {
		if r.TooLarge {
			out.tooLarge = append(out.tooLarge, r.First)
			return nil
		}
		out.bodies = append(out.bodies, bytes.Clone(r.Body))
		out.reqs = append(out.reqs, r)
		return nil
	})
	require.NoError(t, err)
	return out
}

// decode returns the rows of a body, decompressing it when gzipped.
func decode(t *testing.T, body []byte, gzipped bool) []json.RawMessage {
	t.Helper()
	raw := body
	if gzipped {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		require.NoError(t, err)
		raw, err = io.ReadAll(zr)
		require.NoError(t, err, "the body must be a valid gzip member")
	}
	var rows []json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &rows))
	return rows
}

func TestPackKeepsEveryBodyUnderTheLimit(t *testing.T) {
	tests := []struct {
		name  string
		gzip  bool
		level int
		rows  int
		limit int
	}{
		{name: "gzip 1 MiB", gzip: true, level: 6, rows: 25_000, limit: 1 << 20},
		{name: "gzip 64 KiB", gzip: true, level: 6, rows: 5_000, limit: 64 << 10},
		{name: "gzip 4 KiB", gzip: true, level: 1, rows: 2_000, limit: 4096},
		{name: "gzip level 9", gzip: true, level: 9, rows: 5_000, limit: 32 << 10},
		{name: "plain 64 KiB", gzip: false, rows: 3_000, limit: 64 << 10},
		{name: "one row", gzip: true, level: 6, rows: 1, limit: 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := variedRows(tt.rows, 7)
			p, err := New(tt.gzip, tt.level)
			require.NoError(t, err)

			out := pack(t, p, rows, tt.limit)

			next := 0
			for i, body := range out.bodies {
				assert.LessOrEqual(t, len(body), tt.limit, "body %d", i)
				got := decode(t, body, tt.gzip)
				req := out.reqs[i]
				require.Equal(t, next, req.First, "bodies follow each other")
				require.Len(t, got, req.End-req.First)
				for j, row := range got {
					require.Equal(t, string(rows.Row(req.First+j)), string(row), "row %d", req.First+j)
				}
				next = req.End
			}
			assert.Equal(t, rows.Len(), next, "every row sent")
			assert.Empty(t, out.tooLarge)
			for i, body := range out.bodies[:max(len(out.bodies)-1, 0)] {
				assert.Greater(t, len(body), tt.limit*85/100, "body %d is nearly full", i)
			}
		})
	}
}

func TestPackRowTooLargeAlone(t *testing.T) {
	for _, gz := range []bool{true, false} {
		t.Run(fmt.Sprintf("gzip=%v", gz), func(t *testing.T) {
			rows := variedRows(3, 1)
			randomRow(rows, 20_000, 3) // row 3: does not fit in 8 KiB even compressed
			more := variedRows(3, 2)
			for i := range more.Len() {
				rows.Commit(append(rows.Buffer(), more.Row(i)...))
			}
			p, err := New(gz, 6)
			require.NoError(t, err)

			out := pack(t, p, rows, 8192)

			assert.Equal(t, []int{3}, out.tooLarge)
			var sent []int
			for i, body := range out.bodies {
				assert.LessOrEqual(t, len(body), 8192)
				for j := range decode(t, body, gz) {
					sent = append(sent, out.reqs[i].First+j)
				}
			}
			assert.Equal(t, []int{0, 1, 2, 4, 5, 6}, sent)
		})
	}
}

func TestPackIncompressibleRows(t *testing.T) {
	// Rows that do not compress make the first estimate wrong; bodies must still fit.
	rows := &Rows{}
	for i := range 50 {
		randomRow(rows, 1500, uint64(i))
	}
	p, err := New(true, 6)
	require.NoError(t, err)
	p.ratio = 0.05 // as if the previous batch compressed 20 times

	out := pack(t, p, rows, 8192)

	total := 0
	for i, body := range out.bodies {
		assert.LessOrEqual(t, len(body), 8192)
		total += len(decode(t, body, true))
		assert.Equal(t, out.reqs[i].End-out.reqs[i].First, len(decode(t, body, true)))
	}
	assert.Equal(t, 50, total)
}

func TestPackStopsAtEmitError(t *testing.T) {
	rows := variedRows(5_000, 3)
	p, err := New(true, 6)
	require.NoError(t, err)
	calls := 0
	err = p.Pack(rows, 0, rows.Len(), 16<<10, func(Request) error {
		calls++
		return fmt.Errorf("refused")
	})
	assert.EqualError(t, err, "refused")
	assert.Equal(t, 1, calls)
}
