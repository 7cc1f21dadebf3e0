package elements

import (
	"slices"
	"testing"

	"github.com/gopline/gopline/media"
)

// queueStep is one put (or take, when take is set) on an appQueue, and what
// it must leave: the items queued (by Seq), the ones it dropped, and
// whether it refused the item for room or left it out before any keyframe.
type queueStep struct {
	put, take bool
	seq       uint64
	key       bool
	queued    []uint64
	dropped   []uint64
	full      bool
	early     bool
}

func seqs[T media.Item](items []T) []uint64 {
	out := []uint64{}
	for _, it := range items {
		switch v := any(it).(type) {
		case *media.Frame:
			out = append(out, v.Seq)
		case *media.Packet:
			out = append(out, v.Seq)
		}
	}
	return out
}

func runQueue[T media.Item](t *testing.T, q *appQueue[T], make func(seq uint64, key bool) T, steps []queueStep) {
	t.Helper()
	made := map[uint64]T{}
	for i, s := range steps {
		var r putResult[T]
		if s.take {
			q.take()
		} else {
			it, ok := made[s.seq]
			if !ok {
				it = make(s.seq, s.key)
				made[s.seq] = it
			}
			r = q.put(it, ok)
		}
		if got := seqs(q.items); !slices.Equal(got, s.queued) && !(len(got) == 0 && len(s.queued) == 0) {
			t.Fatalf("step %d (%+v): queued %v, want %v", i, s, got, s.queued)
		}
		if got := seqs(r.dropped); !slices.Equal(got, s.dropped) && !(len(got) == 0 && len(s.dropped) == 0) {
			t.Fatalf("step %d (%+v): dropped %v, want %v", i, s, got, s.dropped)
		}
		if r.full != s.full || r.early != s.early {
			t.Fatalf("step %d (%+v): full %v early %v", i, s, r.full, r.early)
		}
	}
}

func packet(seq uint64, key bool) *media.Packet { return &media.Packet{Seq: seq, Key: key} }
func frame(seq uint64, _ bool) *media.Frame     { return &media.Frame{Seq: seq} }

func TestAnAppQueueOfFramesKeepsItsBound(t *testing.T) {
	for _, c := range []struct {
		overflow Overflow
		last     queueStep
	}{
		{OverflowDropOldest, queueStep{put: true, seq: 3, queued: []uint64{1, 2, 3}, dropped: []uint64{0}}},
		{OverflowDropNewest, queueStep{put: true, seq: 3, queued: []uint64{0, 1, 2}, dropped: []uint64{3}}},
		{OverflowBlock, queueStep{put: true, seq: 3, queued: []uint64{0, 1, 2}, full: true}},
	} {
		t.Run(c.overflow.String(), func(t *testing.T) {
			q := newAppQueue[*media.Frame](3, c.overflow)
			runQueue(t, &q, frame, []queueStep{
				{put: true, seq: 0, queued: []uint64{0}},
				{put: true, seq: 1, queued: []uint64{0, 1}},
				{put: true, seq: 2, queued: []uint64{0, 1, 2}},
				c.last,
			})
		})
	}
}

// Packets wait for a keyframe, and a dropped packet takes the deltas that
// relied on it along: what the queue hands out always decodes.
func TestAnAppQueueOfPacketsHandsOutOnlyWhatDecodes(t *testing.T) {
	full := []queueStep{
		{put: true, seq: 0, early: true},
		{put: true, seq: 1, key: true, queued: []uint64{1}},
		{put: true, seq: 2, queued: []uint64{1, 2}},
		{put: true, seq: 3, queued: []uint64{1, 2, 3}},
	}
	t.Run("drop-oldest up to the next keyframe", func(t *testing.T) {
		q := newAppQueue[*media.Packet](4, OverflowDropOldest)
		runQueue(t, &q, packet, append(slices.Clone(full),
			queueStep{put: true, seq: 4, key: true, queued: []uint64{1, 2, 3, 4}},
			queueStep{put: true, seq: 5, queued: []uint64{4, 5}, dropped: []uint64{1, 2, 3}},
		))
	})
	t.Run("drop-oldest with no keyframe left", func(t *testing.T) {
		q := newAppQueue[*media.Packet](3, OverflowDropOldest)
		runQueue(t, &q, packet, append(slices.Clone(full),
			queueStep{put: true, seq: 4, dropped: []uint64{1, 2, 3, 4}},
			queueStep{put: true, seq: 5, dropped: []uint64{5}},
			queueStep{put: true, seq: 6, key: true, queued: []uint64{6}},
			queueStep{put: true, seq: 7, queued: []uint64{6, 7}},
		))
	})
	t.Run("drop-newest until a keyframe has room", func(t *testing.T) {
		q := newAppQueue[*media.Packet](3, OverflowDropNewest)
		runQueue(t, &q, packet, append(slices.Clone(full),
			queueStep{put: true, seq: 4, queued: []uint64{1, 2, 3}, dropped: []uint64{4}},
			queueStep{take: true, queued: []uint64{2, 3}},
			queueStep{put: true, seq: 5, queued: []uint64{2, 3}, dropped: []uint64{5}},
			queueStep{put: true, seq: 6, key: true, queued: []uint64{2, 3, 6}},
			queueStep{put: true, seq: 7, queued: []uint64{2, 3, 6}, dropped: []uint64{7}},
		))
	})
	t.Run("block: a refused packet pushed again goes on", func(t *testing.T) {
		q := newAppQueue[*media.Packet](3, OverflowBlock)
		runQueue(t, &q, packet, append(slices.Clone(full),
			queueStep{put: true, seq: 4, queued: []uint64{1, 2, 3}, full: true},
			queueStep{take: true, queued: []uint64{2, 3}},
			queueStep{put: true, seq: 4, queued: []uint64{2, 3, 4}},
		))
	})
	t.Run("block: a refused packet never pushed again breaks the chain", func(t *testing.T) {
		q := newAppQueue[*media.Packet](3, OverflowBlock)
		runQueue(t, &q, packet, append(slices.Clone(full),
			queueStep{put: true, seq: 4, queued: []uint64{1, 2, 3}, full: true},
			queueStep{take: true, queued: []uint64{2, 3}},
			queueStep{put: true, seq: 5, queued: []uint64{2, 3}, dropped: []uint64{5}},
			queueStep{put: true, seq: 6, key: true, queued: []uint64{2, 3, 6}},
		))
	})
}
