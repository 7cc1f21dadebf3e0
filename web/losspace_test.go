package web

import (
	"testing"
	"time"
)

// A viewer is thinned to keyframes after three lossy reports in a row,
// not after one burst; it gets the whole stream back after three clear
// reports in a row once its hold is over; thinned again soon after, it is
// held twice as long, up to a minute.
func TestLossPacerThinsAViewerThatKeepsLosingAndHoldsItLongerWhenItFlaps(t *testing.T) {
	type step struct {
		at     time.Duration
		lossy  bool
		change paceChange
	}
	s := time.Second
	cases := []struct {
		name  string
		steps []step
	}{
		{"a burst that NACK repairs", []step{{0, true, paceSame}, {1 * s, true, paceSame}, {2 * s, false, paceSame},
			{3 * s, true, paceSame}, {4 * s, true, paceSame}, {5 * s, false, paceSame}}},
		{"loss that lasts", []step{{0, true, paceSame}, {1 * s, true, paceSame}, {2 * s, true, paceThin}, {3 * s, true, paceSame}}},
		{"clear before the hold is over", []step{{0, true, paceSame}, {1 * s, true, paceSame}, {2 * s, true, paceThin},
			{3 * s, false, paceSame}, {4 * s, false, paceSame}, {5 * s, false, paceSame}, {6 * s, false, paceSame},
			{7 * s, false, paceFull}}},
		{"a lossy report restarts the clear ones", []step{{0, true, paceSame}, {1 * s, true, paceSame}, {2 * s, true, paceThin},
			{8 * s, false, paceSame}, {9 * s, false, paceSame}, {10 * s, true, paceSame}, {11 * s, false, paceSame},
			{12 * s, false, paceSame}, {13 * s, false, paceFull}}},
		{"flapping doubles the hold", []step{{0, true, paceSame}, {1 * s, true, paceSame}, {2 * s, true, paceThin},
			{5 * s, false, paceSame}, {6 * s, false, paceSame}, {7 * s, false, paceFull},
			{8 * s, true, paceSame}, {9 * s, true, paceSame}, {10 * s, true, paceThin}, // held 10 s
			{17 * s, false, paceSame}, {18 * s, false, paceSame}, {19 * s, false, paceSame}, {20 * s, false, paceFull}}},
		{"a long clear spell resets the hold", []step{{0, true, paceSame}, {1 * s, true, paceSame}, {2 * s, true, paceThin},
			{5 * s, false, paceSame}, {6 * s, false, paceSame}, {7 * s, false, paceFull},
			{100 * s, true, paceSame}, {101 * s, true, paceSame}, {102 * s, true, paceThin},
			{105 * s, false, paceSame}, {106 * s, false, paceSame}, {107 * s, false, paceFull}}},
	}
	start := time.Unix(1700000000, 0)
	for _, c := range cases {
		var p lossPacer
		for i, st := range c.steps {
			if got := p.report(start.Add(st.at), st.lossy); got != st.change {
				t.Errorf("%s: report %d (at %v, lossy %v) changed %v, want %v", c.name, i, st.at, st.lossy, got, st.change)
			}
		}
	}
}

// However often a viewer flaps, its hold stops at maxThinHold.
func TestLossPacerHoldsAViewerAMinuteAtMost(t *testing.T) {
	start := time.Unix(1700000000, 0)
	var p lossPacer
	now := start
	for i := 0; i < 20; i++ {
		for p.report(now, true) != paceThin {
			now = now.Add(time.Second)
		}
		thinned := now
		for p.report(now, false) != paceFull {
			now = now.Add(time.Second)
		}
		if held := now.Sub(thinned); held > maxThinHold+clearReportsToResume*time.Second {
			t.Fatalf("thinning %d held %v, want at most %v", i, held, maxThinHold)
		}
	}
	if p.hold != maxThinHold {
		t.Errorf("hold %v after 20 flaps, want %v", p.hold, maxThinHold)
	}
}

// The writer leaves out every picture but keyframes while the viewer is
// thinned, and after that the pictures up to the next keyframe, which the
// ones after it decode from.
func TestDeltaSkipSendsKeyframesOnlyAndResumesAtAKeyframe(t *testing.T) {
	type pic struct {
		key, keyframesOnly, skip bool
	}
	pics := []pic{
		{true, false, false}, {false, false, false}, // the whole stream
		{false, true, true}, {true, true, false}, {false, true, true}, {false, true, true}, // thinned
		{false, false, true}, {false, false, true}, // whole again: the deltas wait for a keyframe
		{true, false, false}, {false, false, false},
	}
	var d deltaSkip
	for i, p := range pics {
		if got := d.skip(p.key, p.keyframesOnly); got != p.skip {
			t.Errorf("picture %d (keyframe %v, keyframes only %v): skip %v, want %v", i, p.key, p.keyframesOnly, got, p.skip)
		}
	}
}
