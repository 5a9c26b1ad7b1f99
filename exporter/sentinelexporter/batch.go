package sentinelexporter

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/ledger"
	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/packer"
	"github.com/otelcol-sophos/otelcol-sophos/exporter/sentinelexporter/internal/row"
	"github.com/otelcol-sophos/otelcol-sophos/internal/freelist"
)

// streamRows are the rows of one stream in a batch, in the order of their records.
type streamRows struct {
	name string
	rows packer.Rows
	// refs holds, for each row, the index of its record in the batch.
	refs []int
	// keys holds, for each row, the ledger key its record claimed; zero when it has none.
	keys []ledger.Key
	enc  *row.Encoder
	// duplicates counts the records of the stream left out as already sent.
	duplicates int
}

// batch is a plog.Logs turned into rows, grouped by stream in order of first appearance.
type batch struct {
	streams  []*streamRows
	unrouted int
	records  int
	ledger   *ledger.Ledger // nil when deduplication is off
}

// freeRows keeps row buffers between batches, so that a buffer of many megabytes is not
// grown again for every batch.
//
// Limitation: up to 32 buffers stay allocated for the life of the process, each as large as
// the largest batch it held.
var freeRows = freelist.New(32, func() *streamRows { return &streamRows{} })

// uidAttribute is the semantic-convention attribute that identifies a log record.
const uidAttribute = "log.record.uid"

// buildBatch routes every record of ld and encodes its row. A record whose log.record.uid the
// ledger has seen accepted, or claimed by a batch in flight, is left out.
func (e *sentinelExporter) buildBatch(ctx context.Context, ld plog.Logs) *batch {
	b := &batch{ledger: e.ledger}
	byName := map[string]*streamRows{}
	var hasher *ledger.Hasher
	if e.ledger != nil {
		hasher = ledger.NewHasher()
	}
	index := 0
	for _, rl := range ld.ResourceLogs().All() {
		res := rl.Resource()
		for _, sl := range rl.ScopeLogs().All() {
			for _, rec := range sl.LogRecords().All() {
				name := e.router.stream(res, rec)
				if name == "" {
					b.unrouted++
					index++
					continue
				}
				s := byName[name]
				if s == nil {
					s = freeRows.Get()
					s.name = name
					s.enc = row.NewEncoder(e.schemas[name])
					byName[name] = s
					b.streams = append(b.streams, s)
				}
				var key ledger.Key
				if hasher != nil {
					if uid, ok := rec.Attributes().Get(uidAttribute); ok && uid.Str() != "" {
						key = hasher.Key(name, uid.Str())
						// Limitation: a copy left out because another batch holds the
						// record is lost with it if that batch's retries give up.
						if !e.ledger.Claim(key) {
							s.duplicates++
							index++
							continue
						}
					}
				}
				s.keys = append(s.keys, key)
				s.rows.Commit(s.enc.Append(s.rows.Buffer(), rec.Body()))
				s.refs = append(s.refs, index)
				index++
			}
		}
	}
	b.records = index

	for _, s := range b.streams {
		e.recordCounts(ctx, s.name, s.enc.Counts)
		if s.duplicates > 0 {
			e.telemetry.SentinelRecordsDeduplicated.Add(ctx, int64(s.duplicates), streamAttr(s.name))
		}
	}
	return b
}

func (e *sentinelExporter) recordCounts(ctx context.Context, stream string, c row.Counts) {
	add := func(counter metric.Int64Counter, byColumn map[string]int) {
		for column, n := range byColumn {
			counter.Add(ctx, int64(n), metric.WithAttributes(
				attribute.String("stream", stream), attribute.String("column", column)))
		}
	}
	add(e.telemetry.SentinelColumnsDropped, c.Dropped)
	add(e.telemetry.SentinelValuesInvalid, c.Invalid)
	add(e.telemetry.SentinelValuesTruncated, c.Truncated)
}

// release gives up the ledger claims of rows that were not accepted, so that their retry may
// claim them again, and gives the row buffers back for the next batch.
func (b *batch) release() {
	for _, s := range b.streams {
		if b.ledger != nil {
			b.ledger.Release(s.keys)
		}
		s.rows.Reset()
		s.refs = s.refs[:0]
		s.keys = s.keys[:0]
		s.duplicates = 0
		s.enc = nil
		freeRows.Put(s)
	}
	b.streams = nil
}

// subset returns the records of ld whose batch indexes are in refs, with their resources
// and scopes.
func (b *batch) subset(ld plog.Logs, refs []int) plog.Logs {
	keep := make([]bool, b.records)
	for _, i := range refs {
		keep[i] = true
	}

	out := plog.NewLogs()
	index := 0
	for _, rl := range ld.ResourceLogs().All() {
		var outRL plog.ResourceLogs
		hasRL := false
		for _, sl := range rl.ScopeLogs().All() {
			var outSL plog.ScopeLogs
			hasSL := false
			for _, rec := range sl.LogRecords().All() {
				if keep[index] {
					if !hasRL {
						hasRL = true
						outRL = out.ResourceLogs().AppendEmpty()
						rl.Resource().CopyTo(outRL.Resource())
						outRL.SetSchemaUrl(rl.SchemaUrl())
					}
					if !hasSL {
						hasSL = true
						outSL = outRL.ScopeLogs().AppendEmpty()
						sl.Scope().CopyTo(outSL.Scope())
						outSL.SetSchemaUrl(sl.SchemaUrl())
					}
					rec.CopyTo(outSL.LogRecords().AppendEmpty())
				}
				index++
			}
		}
	}
	return out
}
