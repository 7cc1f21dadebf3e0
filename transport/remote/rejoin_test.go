package remote

import (
	"testing"

	"github.com/gopline/gopline/media"
)

// step is a packet delivered to the subscriber, or a resubscription before
// it, and the gap rejoinGap is to count at it.
type step struct {
	rejoin     bool
	epoch, seq uint64
	wantMissed uint64
}

func TestRejoinGapCountsWhatNoSubscriptionCarried(t *testing.T) {
	cases := []struct {
		name  string
		steps []step
	}{
		{"keyframes only: the packets published between two subscriptions are missed", []step{
			{epoch: 1, seq: 10}, {epoch: 1, seq: 11},
			{rejoin: true, epoch: 1, seq: 311, wantMissed: 299}, {epoch: 1, seq: 312},
		}},
		{"a replay of packets delivered before is no gap, the first newer one is", []step{
			{epoch: 1, seq: 10}, {epoch: 1, seq: 11},
			{rejoin: true, epoch: 1, seq: 8}, {epoch: 1, seq: 9}, {epoch: 1, seq: 11},
			{epoch: 1, seq: 15, wantMissed: 3}, {epoch: 1, seq: 16},
		}},
		{"a resubscription that continues where the last left off misses nothing", []step{
			{epoch: 1, seq: 10}, {rejoin: true, epoch: 1, seq: 11}, {epoch: 1, seq: 12},
		}},
		{"within one subscription a hole is the node's to count", []step{
			{epoch: 1, seq: 10}, {epoch: 1, seq: 20}, {epoch: 1, seq: 21},
		}},
		{"a restarted stream is no gap", []step{
			{epoch: 1, seq: 10}, {rejoin: true, epoch: 2, seq: 0}, {epoch: 2, seq: 5},
		}},
		{"the first subscription misses nothing", []step{
			{rejoin: true, epoch: 1, seq: 500}, {epoch: 1, seq: 501},
		}},
		{"only the first packet after a resubscription counts the gap", []step{
			{epoch: 1, seq: 10}, {rejoin: true, epoch: 1, seq: 20, wantMissed: 9}, {epoch: 1, seq: 25},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var g rejoinGap
			for i, s := range c.steps {
				if s.rejoin {
					g.rejoin()
				}
				p := &media.Packet{Codec: media.JPEG, Key: true, Epoch: s.epoch, Seq: s.seq, GOP: s.seq}
				if got := g.next(p); got != s.wantMissed {
					t.Fatalf("step %d (epoch %d seq %d): missed %d, want %d", i, s.epoch, s.seq, got, s.wantMissed)
				}
			}
		})
	}
}
