package ledger

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/otelcol-sophos/otelcol-sophos/internal/storageext/filestoragetest"
)

// openFileClient opens a client of the real file_storage extension on dir.
func openFileClient(t *testing.T, dir string) storage.Client {
	t.Helper()
	ext := filestoragetest.Start(t, component.MustNewID("file_storage"), dir)
	t.Cleanup(func() { _ = ext.Shutdown(context.Background()) })
	client, err := ext.(storage.Extension).GetClient(context.Background(), component.KindExporter,
		component.MustNewID("sentinel"), "ledger")
	require.NoError(t, err)
	return client
}

func keys(stream string, from, to int) []Key {
	out := make([]Key, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, KeyOf(stream, fmt.Sprintf("id-%d", i)))
	}
	return out
}

func claimAll(l *Ledger, ks []Key) int {
	n := 0
	for _, k := range ks {
		if l.Claim(k) {
			n++
		}
	}
	return n
}

func TestClaimAcceptRelease(t *testing.T) {
	ctx := context.Background()
	l, err := Open(ctx, nil, 1000)
	require.NoError(t, err)

	sent, failed := keys("s", 0, 10), keys("s", 10, 20)
	require.Equal(t, 20, claimAll(l, append(append([]Key{}, sent...), failed...)))
	assert.Zero(t, claimAll(l, sent), "keys of a batch in flight are not claimed twice")

	require.NoError(t, l.Accept(ctx, append([]Key{{}}, sent...)))
	l.Release(append(append([]Key{}, sent...), failed...))
	assert.Zero(t, claimAll(l, sent), "accepted keys stay accepted after a release")
	assert.Equal(t, 10, claimAll(l, failed), "released keys may be sent again")
	assert.Equal(t, 10, l.Len(), "the zero key of a record without uid is not remembered")
}

func TestKeysDependOnStreamAndUID(t *testing.T) {
	assert.Equal(t, KeyOf("a", "1"), NewHasher().Key("a", "1"))
	assert.NotEqual(t, KeyOf("a", "1"), KeyOf("b", "1"))
	assert.NotEqual(t, KeyOf("a", "1"), KeyOf("a", "2"))
	assert.NotEqual(t, KeyOf("a", "b\x00c"), KeyOf("a\x00b", "c"))
}

func TestCapacityEvictsOldestRequests(t *testing.T) {
	ctx := context.Background()
	l, err := Open(ctx, nil, 250)
	require.NoError(t, err)
	for r := range 5 {
		ks := keys("s", r*100, (r+1)*100)
		require.Equal(t, 100, claimAll(l, ks))
		require.NoError(t, l.Accept(ctx, ks))
	}
	// The newest 250 keys or more are kept, whole requests at a time.
	assert.Equal(t, 300, l.Len())
	assert.Equal(t, 200, claimAll(l, keys("s", 0, 200)), "evicted requests are forgotten")
	assert.Zero(t, claimAll(l, keys("s", 200, 500)))
}

func TestSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	client := openFileClient(t, dir)
	l, err := Open(ctx, client, 250)
	require.NoError(t, err)
	for r := range 5 {
		ks := keys("s", r*100, (r+1)*100)
		claimAll(l, ks)
		require.NoError(t, l.Accept(ctx, ks))
	}
	claimAll(l, keys("s", 500, 600)) // in flight at the crash: never accepted
	require.NoError(t, l.Close(ctx))

	again, err := Open(ctx, openFileClient(t, t.TempDir()), 250)
	require.NoError(t, err)
	assert.Zero(t, again.Len(), "another directory holds another ledger")

	reopened, err := Open(ctx, openFileClient(t, dir), 250)
	require.NoError(t, err)
	assert.Equal(t, 300, reopened.Len())
	assert.Zero(t, claimAll(reopened, keys("s", 200, 500)), "accepted before the restart")
	assert.Equal(t, 100, claimAll(reopened, keys("s", 500, 600)), "in flight is not accepted")
	assert.Equal(t, 200, claimAll(reopened, keys("s", 0, 200)))
}

func TestSmallerCapacityAfterRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := Open(ctx, openFileClient(t, dir), 1000)
	require.NoError(t, err)
	for r := range 5 {
		ks := keys("s", r*100, (r+1)*100)
		claimAll(l, ks)
		require.NoError(t, l.Accept(ctx, ks))
	}
	require.NoError(t, l.Close(ctx))

	smaller, err := Open(ctx, openFileClient(t, dir), 150)
	require.NoError(t, err)
	assert.Equal(t, 200, smaller.Len())
	require.NoError(t, smaller.Accept(ctx, keys("s", 500, 600)))
	require.NoError(t, smaller.Close(ctx))

	third, err := Open(ctx, openFileClient(t, dir), 150)
	require.NoError(t, err)
	assert.Equal(t, 200, third.Len())
	assert.Zero(t, claimAll(third, keys("s", 400, 600)))
}

func TestRefusesForeignData(t *testing.T) {
	ctx := context.Background()
	client := openFileClient(t, t.TempDir())
	require.NoError(t, client.Set(ctx, metaKey, make([]byte, 15)))
	_, err := Open(ctx, client, 10)
	require.NoError(t, err, "a meta value of the wrong size is ignored")

	meta := make([]byte, 16)
	meta[7] = 9 // first segment 9, next segment 0
	require.NoError(t, client.Set(ctx, metaKey, meta))
	_, err = Open(ctx, client, 10)
	assert.ErrorContains(t, err, "not a ledger written by this exporter")
}

func BenchmarkClaimAccept(b *testing.B) {
	ctx := context.Background()
	l, err := Open(ctx, nil, 100_000)
	require.NoError(b, err)
	h := NewHasher()
	uids := make([]string, 10_000)
	for i := range uids {
		uids[i] = fmt.Sprintf("5e1a6c0e-0000-4000-8000-%012d", i)
	}
	ks := make([]Key, len(uids))
	b.ReportAllocs()
	b.ResetTimer()
	for n := range b.N {
		for i, uid := range uids {
			ks[i] = h.Key("Custom-SophosEPEvents_CL", uid+fmt.Sprint(n%64))
			l.Claim(ks[i])
		}
		_ = l.Accept(ctx, ks)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(uids)), "ns/record")
}
