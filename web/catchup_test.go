package web

import (
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// A feed's writer skips the packets that waited too long, and what follows
// them up to a keyframe on time; it says where a run of skipped packets
// begins (to ask for the newest GOP) and, at the keyframe that ends it,
// how many it skipped and how much of the stream lay between. Replayed
// packets are never late, and a catchUp without a lag skips nothing.
func TestCatchUpSkipsToTheFirstKeyframeOnTimeAfterALatePacket(t *testing.T) {
	const lag = 2 * time.Second
	frame := 40 * time.Millisecond
	// in is one packet: a keyframe or not, replayed or not, how long it
	// waited in the queue; its capture time is its index in frames.
	type in struct {
		key, replayed bool
		waited        time.Duration
	}
	onTime, late := time.Duration(0), 3*time.Second
	cases := []struct {
		name    string
		maxLag  time.Duration
		packets []in
		written string // "w" written, "-" skipped, "b" skipped and began a run
		skipped int    // on the keyframe that ended the run
		behind  time.Duration
	}{
		{"all on time", lag, []in{{true, false, onTime}, {false, false, onTime}, {false, false, lag}}, "www", 0, 0},
		{"late deltas, then a keyframe on time", lag, []in{{true, false, onTime}, {false, false, late}, {false, false, late},
			{false, false, onTime}, {true, false, onTime}, {false, false, onTime}}, "wb--ww", 3, 4 * frame},
		{"a late keyframe is skipped too", lag, []in{{true, false, late}, {false, false, onTime}, {true, false, onTime}}, "b-w", 2, 0},
		{"a replay is never late", lag, []in{{false, false, late}, {true, true, late}, {false, true, late}, {false, false, onTime}},
			"bwww", 1, 0},
		{"two runs", lag, []in{{true, false, onTime}, {false, false, late}, {true, false, onTime}, {false, false, late},
			{true, false, onTime}}, "wbwbw", 1, 2 * frame},
		{"no lag skips nothing", 0, []in{{true, false, late}, {false, false, time.Hour}}, "ww", 0, 0},
	}
	epoch := time.Unix(1700000000, 0)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cu := catchUp{maxLag: c.maxLag}
			now := epoch.Add(time.Minute)
			got, skipped, behind := "", 0, time.Duration(0)
			for i, p := range c.packets {
				pkt := &media.Packet{Key: p.key, CaptureTime: epoch.Add(time.Duration(i) * frame)}
				if p.replayed {
					pkt = pkt.Replayed(media.Replay{})
				}
				step := cu.next(pkt, now.Add(-p.waited), now)
				switch {
				case step.Write:
					got += "w"
				case step.Began:
					got += "b"
				default:
					got += "-"
				}
				if step.Skipped > 0 {
					skipped, behind = step.Skipped, step.Behind
				}
				if step.Skipped > 0 && !(step.Write && p.key) {
					t.Errorf("packet %d: a run ends at a packet written that is not a keyframe", i)
				}
			}
			if got != c.written || skipped != c.skipped || behind != c.behind {
				t.Errorf("got %q, %d skipped, %v behind; want %q, %d, %v", got, skipped, behind, c.written, c.skipped, c.behind)
			}
		})
	}
}
