package packer

// Rows holds encoded rows back to back in one buffer, so that a batch of thousands of rows
// needs two allocations rather than one per row.
type Rows struct {
	data []byte
	ends []int
}

// Buffer returns the shared buffer to append the next row to.
func (r *Rows) Buffer() []byte { return r.data }

// Commit records that buf, the buffer returned by Buffer with one row appended, holds a new row.
func (r *Rows) Commit(buf []byte) {
	r.data = buf
	r.ends = append(r.ends, len(buf))
}

// Len returns the number of rows.
func (r *Rows) Len() int { return len(r.ends) }

// Row returns the JSON of row i.
func (r *Rows) Row(i int) []byte {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.data[start:r.ends[i]]
}

// Size returns the number of bytes of rows first to end-1.
func (r *Rows) Size(first, end int) int {
	if first >= end {
		return 0
	}
	start := 0
	if first > 0 {
		start = r.ends[first-1]
	}
	return r.ends[end-1] - start
}

// Reset empties r and keeps its memory.
func (r *Rows) Reset() {
	r.data = r.data[:0]
	r.ends = r.ends[:0]
}
