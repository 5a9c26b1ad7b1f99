// Package ledger remembers which log records the Logs Ingestion API has accepted, by their
// log.record.uid, so that a record handed to the exporter again is not sent twice: Azure does
// not de-duplicate. Records come again when the persistent queue replays, after a crash, the
// batch that was in flight, and when a receiver reads again the page whose position it had
// not yet stored.
//
// The ledger holds the keys of the most recently accepted records, in segments of one request
// each, in memory and, when given a storage client, in storage too, so that it outlives a
// restart.
package ledger // import "github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/ledger"

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"sync"

	"github.com/cespare/xxhash/v2"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// Key identifies a record of a stream: 128 bits of hash of the stream name and the record's
// uid, so that keeping hundreds of thousands of them takes a few megabytes. The zero Key
// stands for a record without a uid: Accept and Release pass over it.
type Key [2]uint64

// secondSeed makes the second half of a Key independent of the first.
const secondSeed = 0x9e3779b97f4a7c15

// KeyOf returns the key of the record with the given uid in a stream.
func KeyOf(stream, uid string) Key { return NewHasher().Key(stream, uid) }

func keyOf(d *xxhash.Digest, stream, uid string) Key {
	d.ResetWithSeed(0)
	_, _ = d.WriteString(stream)
	_, _ = d.Write([]byte{0})
	_, _ = d.WriteString(uid)
	first := d.Sum64()
	d.ResetWithSeed(secondSeed)
	_, _ = d.WriteString(uid)
	_, _ = d.Write([]byte{0})
	_, _ = d.WriteString(stream)
	return Key{first, d.Sum64()}
}

// Hasher computes keys without allocating. It is not safe for concurrent use.
type Hasher struct{ d *xxhash.Digest }

// NewHasher returns a Hasher.
func NewHasher() *Hasher { return &Hasher{d: xxhash.New()} }

// Key returns the key of the record with the given uid in a stream.
func (h *Hasher) Key(stream, uid string) Key { return keyOf(h.d, stream, uid) }

// maxSegments bounds the segments kept whatever their size, so that a trickle of one-row
// requests does not make a restart read hundreds of thousands of storage keys.
const maxSegments = 1024

const (
	metaKey       = "sentinel.ledger"
	segmentPrefix = "sentinel.ledger."
	keyBytes      = 16
)

type segment struct {
	seq  uint64
	keys []Key
}

// Ledger is the set of recently accepted keys, plus the keys that batches in flight have
// claimed. It is safe for concurrent use.
type Ledger struct {
	client   storage.Client // nil: memory only
	capacity int

	mu       sync.Mutex
	accepted map[Key]uint64 // key -> seq of its segment
	pending  map[Key]struct{}
	segments []segment // oldest first
	total    int
	next     uint64
}

// Open returns a ledger remembering about capacity keys, loaded from client when it is not
// nil.
func Open(ctx context.Context, client storage.Client, capacity int) (*Ledger, error) {
	l := &Ledger{
		client:   client,
		capacity: capacity,
		accepted: make(map[Key]uint64),
		pending:  make(map[Key]struct{}),
	}
	if client == nil {
		return l, nil
	}
	if err := l.load(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Ledger) load(ctx context.Context) error {
	meta, err := l.client.Get(ctx, metaKey)
	if err != nil {
		return fmt.Errorf("ledger: read %s: %w", metaKey, err)
	}
	if len(meta) != 16 {
		return nil
	}
	first, next := binary.BigEndian.Uint64(meta), binary.BigEndian.Uint64(meta[8:])
	if next < first || next-first > maxSegments+1 {
		return fmt.Errorf("ledger: %s holds segments %d to %d, not a ledger written by this exporter",
			metaKey, first, next)
	}
	ops := make([]*storage.Operation, 0, next-first)
	for seq := first; seq < next; seq++ {
		ops = append(ops, storage.GetOperation(segmentKey(seq)))
	}
	if err := l.client.Batch(ctx, ops...); err != nil {
		return fmt.Errorf("ledger: read segments: %w", err)
	}
	var evicted []*storage.Operation
	for i, op := range ops {
		if len(op.Value)%keyBytes != 0 {
			return fmt.Errorf("ledger: %s has %d bytes, not whole keys", op.Key, len(op.Value))
		}
		keys := make([]Key, len(op.Value)/keyBytes)
		for j := range keys {
			b := op.Value[j*keyBytes:]
			keys[j] = Key{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}
		}
		// A smaller capacity than the last run's evicts the oldest segments now.
		for _, seq := range l.remember(segment{seq: first + uint64(i), keys: keys}) {
			evicted = append(evicted, storage.DeleteOperation(segmentKey(seq)))
		}
	}
	l.next = next
	if len(evicted) == 0 {
		return nil
	}
	if err := l.client.Batch(ctx, evicted...); err != nil {
		return fmt.Errorf("ledger: delete old segments: %w", err)
	}
	return nil
}

func segmentKey(seq uint64) string { return segmentPrefix + strconv.FormatUint(seq, 10) }

// Len returns how many accepted keys the ledger remembers.
func (l *Ledger) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.accepted)
}

// Claim reports whether a record may be sent: its key is neither accepted nor claimed by a
// batch in flight. A claimed key stays claimed until Accept or Release.
func (l *Ledger) Claim(k Key) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.accepted[k]; ok {
		return false
	}
	if _, ok := l.pending[k]; ok {
		return false
	}
	l.pending[k] = struct{}{}
	return true
}

// Release gives up claims whose records were not accepted, so that a retry may claim them
// again. Keys already accepted are left as they are.
func (l *Ledger) Release(keys []Key) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		delete(l.pending, k)
	}
}

// Accept records that the API accepted the records of keys, and stores them as one segment.
// The keys are remembered in memory even when storing fails.
func (l *Ledger) Accept(ctx context.Context, keys []Key) error {
	own := make([]Key, 0, len(keys))
	for _, k := range keys {
		if k != (Key{}) {
			own = append(own, k)
		}
	}
	if len(own) == 0 {
		return nil
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range own {
		delete(l.pending, k)
	}
	seg := segment{seq: l.next, keys: own}
	l.next++
	evicted := l.remember(seg)
	if l.client == nil {
		return nil
	}

	// Written under the lock, so that segments reach storage in the order of their numbers.
	ops := make([]*storage.Operation, 0, 2+len(evicted))
	ops = append(ops, storage.SetOperation(segmentKey(seg.seq), encode(own)))
	for _, seq := range evicted {
		ops = append(ops, storage.DeleteOperation(segmentKey(seq)))
	}
	meta := make([]byte, 16)
	binary.BigEndian.PutUint64(meta, l.segments[0].seq)
	binary.BigEndian.PutUint64(meta[8:], l.next)
	ops = append(ops, storage.SetOperation(metaKey, meta))
	if err := l.client.Batch(ctx, ops...); err != nil {
		return fmt.Errorf("ledger: store segment %d: %w", seg.seq, err)
	}
	return nil
}

// remember adds a segment and evicts the oldest ones beyond the capacity; it returns the
// numbers of the segments evicted. The caller holds the lock or owns the ledger.
func (l *Ledger) remember(seg segment) []uint64 {
	for _, k := range seg.keys {
		l.accepted[k] = seg.seq
	}
	l.segments = append(l.segments, seg)
	l.total += len(seg.keys)

	var evicted []uint64
	for len(l.segments) > 1 && (l.total-len(l.segments[0].keys) >= l.capacity ||
		len(l.segments) > maxSegments) {
		old := l.segments[0]
		for _, k := range old.keys {
			if l.accepted[k] == old.seq {
				delete(l.accepted, k)
			}
		}
		l.total -= len(old.keys)
		l.segments[0] = segment{}
		l.segments = l.segments[1:]
		evicted = append(evicted, old.seq)
	}
	return evicted
}

func encode(keys []Key) []byte {
	out := make([]byte, len(keys)*keyBytes)
	for i, k := range keys {
		binary.BigEndian.PutUint64(out[i*keyBytes:], k[0])
		binary.BigEndian.PutUint64(out[i*keyBytes+8:], k[1])
	}
	return out
}

// Close releases the storage client.
func (l *Ledger) Close(ctx context.Context) error {
	if l.client == nil {
		return nil
	}
	return l.client.Close(ctx)
}
