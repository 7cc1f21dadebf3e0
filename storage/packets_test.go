package storage

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gopline/gopline/media"
)

// storedChunks returns copies of the stream's chunks, in index order.
func storedChunks(t *testing.T, r *Recording, stream string) []storedChunk {
	t.Helper()
	var chunks []storedChunk
	err := r.view(func(tx *bolt.Tx) error {
		sb, ok := openStreamBuckets(tx, stream)
		if !ok {
			t.Fatalf("no stream %q", stream)
		}
		cc := newChunkCursor(sb.root)
		ch, ok, err := cc.first()
		for ; ok; ch, ok, err = cc.next() {
			chunks = append(chunks, storedChunk{first: ch.first, b: append([]byte(nil), ch.b...)})
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return chunks
}

// recordSizes records packets of the given sizes, a keyframe every gop
// packets, committing every batch packets, and returns the packets.
func recordSizes(t *testing.T, r *Recording, sizes []int, gop, batch int) []*media.Packet {
	t.Helper()
	if err := r.CreateStream(StreamInfo{Name: "/camera", Codec: media.H264}); err != nil {
		t.Fatal(err)
	}
	var packets []*media.Packet
	for i, n := range sizes {
		seq := uint64(i)
		p := &media.Packet{Codec: media.H264, Data: make([]byte, n), Key: i%gop == 0, Seq: seq, GOP: seq - seq%uint64(gop),
			Epoch: 1, CaptureTime: time.Unix(1e9, 0).Add(time.Duration(i) * time.Second / 30), Width: 320, Height: 240}
		p.Data[0] = byte(i)
		packets = append(packets, p)
		if err := r.Append("/camera", p); err != nil {
			t.Fatal(err)
		}
		if i%batch == batch-1 {
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	return packets
}

func TestChunksHoldOneGOPWithinTheirBounds(t *testing.T) {
	repeat := func(n, size int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = size
		}
		return s
	}
	for _, tc := range []struct {
		name       string
		sizes      []int
		gop, batch int
		chunks     int  // how many chunks the stream should have; 0 to skip
		reopen     bool // append 4 more deltas after closing and opening again
	}{
		// A commit of a whole GOP makes one chunk of it.
		{"whole GOPs per commit", repeat(150, 1200), 30, 30, 5, false},
		// Chunks close at maxChunkBytes: a GOP of 90 KB takes two.
		{"GOPs larger than a chunk", repeat(90, 3000), 30, 30, 6, false},
		// A record larger than maxChunkBytes is a chunk of its own.
		{"packets larger than a chunk", repeat(12, 100_000), 6, 4, 12, false},
		// Small commits make chunks of a few commits (rewriteRatio,
		// maxRewriteBytes).
		{"three packets per commit", repeat(150, 1200), 30, 3, 0, false},
		{"one packet per commit", repeat(60, 1200), 30, 1, 0, false},
		// Deltas that continue a stored chain join its chunk (4 of them
		// may rewrite 10 KB: rewriteRatio).
		{"reopened", repeat(10, 1000), 30, 10, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rec.gopline")
			r, err := Open(path, WithBatch(1000, 0), WithSync(SyncNone))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			packets := recordSizes(t, r, tc.sizes, tc.gop, tc.batch)
			if tc.reopen {
				if err := r.Close(); err != nil {
					t.Fatal(err)
				}
				if r, err = Open(path, WithBatch(1000, 0)); err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				stored := len(packets)
				for i := stored; i < stored+4; i++ {
					p := packets[1].Clone()
					p.Seq, p.Data[0] = uint64(i), byte(i)
					p.CaptureTime = packets[0].CaptureTime.Add(time.Duration(i) * time.Second / 30)
					packets = append(packets, p)
					if err := r.Append("/camera", p); err != nil {
						t.Fatal(err)
					}
				}
				if err := r.Flush(); err != nil {
					t.Fatal(err)
				}
			}
			chunks := storedChunks(t, r, "/camera")
			if tc.chunks > 0 && len(chunks) != tc.chunks {
				t.Errorf("%d chunks, want %d", len(chunks), tc.chunks)
			}
			maxCommit := 0
			for _, p := range packets {
				maxCommit = max(maxCommit, len(encodeRecord(p))*tc.batch)
			}
			next, most := uint64(0), 0
			for _, ch := range chunks {
				if ch.first != next {
					t.Fatalf("chunk at %d, want %d: indexes are not contiguous", ch.first, next)
				}
				got, n, err := decodeAll(t, ch.b, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range got {
					i := ch.first + uint64(d.j)
					if d.err != nil || d.p.Data[0] != byte(i) || d.p.GOP != got[0].p.GOP {
						t.Fatalf("chunk at %d: record %d is %+v, %v; want packet %d of GOP %d", ch.first, d.j, d.p, d.err, i, got[0].p.GOP)
					}
					if d.p.Key != (d.j == 0 && d.p.Key) {
						t.Fatalf("chunk at %d: keyframe %d inside it", ch.first, i)
					}
				}
				if len(ch.b) > maxChunkBytes && n != 1 {
					t.Fatalf("chunk at %d: %d bytes in %d records, over maxChunkBytes", ch.first, len(ch.b), n)
				}
				if bound := chunkHeaderSize + min(rewriteRatio*maxCommit, maxRewriteBytes) + maxCommit; tc.batch < tc.gop && len(ch.b) > bound {
					t.Fatalf("chunk at %d: %d bytes from commits of at most %d, more than %d", ch.first, len(ch.b), maxCommit, bound)
				}
				next, most = next+uint64(n), max(most, n)
			}
			if tc.batch < tc.gop && maxCommit < maxRewriteBytes && most <= tc.batch {
				t.Errorf("no chunk holds more than one commit's %d packets", tc.batch)
			}
			if next != uint64(len(packets)) {
				t.Fatalf("chunks hold %d packets, want %d", next, len(packets))
			}
		})
	}
}
