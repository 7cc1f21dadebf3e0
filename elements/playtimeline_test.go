package elements

import (
	"testing"
	"time"
)

// Streams played together keep their recorded timing relative to each
// other: one origin, the earliest keyframe the streams begin at, and every
// packet at its recorded time after it, scaled by the rate, on every pass.
func TestAlignPlayKeepsTheStreamsOffset(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	// A GOP of 1 s; the second stream's keyframes are half a GOP after
	// the first's. Played from 1.2 s, the first begins at its keyframe at
	// 1 s, the second at its keyframe at 0.5 s.
	a := playExtent{begin: at(1000), end: at(3033)}
	b := playExtent{begin: at(500), end: at(2533)}
	wall := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	for _, rate := range []float64{1, 2, 0.5} {
		l := alignPlay([]playExtent{a, b}, rate)
		if !l.origin.Equal(at(500)) || !l.end.Equal(at(3033)) {
			t.Fatalf("rate %g: origin %v, end %v; want the earliest begin and the latest end", rate, l.origin.Sub(t0), l.end.Sub(t0))
		}
		scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) / rate) }
		pass := scaled(2533 * time.Millisecond)
		for p := range 3 {
			start := wall.Add(time.Duration(p) * pass)
			if got := l.due(wall, p, b.begin); !got.Equal(start) {
				t.Errorf("rate %g, pass %d: the earliest keyframe goes out %v after the pass begins, not as it begins", rate, p, got.Sub(start))
			}
			// Half a GOP after it, as recorded (scaled by the rate).
			if got := l.due(wall, p, a.begin).Sub(l.due(wall, p, b.begin)); got != scaled(500*time.Millisecond) {
				t.Errorf("rate %g, pass %d: the keyframes go out %v apart, recorded 500ms apart", rate, p, got)
			}
			// Packets recorded at one time go out at one time, whichever
			// stream they are of.
			if got := l.due(wall, p, at(2000)); !got.Equal(start.Add(scaled(1500 * time.Millisecond))) {
				t.Errorf("rate %g, pass %d: recorded 2 s goes out %v into the pass, want %v", rate, p, got.Sub(start), scaled(1500*time.Millisecond))
			}
		}
	}
}

// A lone stream's timeline begins at its own first packet.
func TestAlignPlayOfOneStream(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	l := alignPlay([]playExtent{{begin: t0, end: t0.Add(time.Second)}}, 1)
	wall := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	if got := l.due(wall, 0, t0); !got.Equal(wall) {
		t.Errorf("the first packet goes out %v after the play begins", got.Sub(wall))
	}
	if got := l.due(wall, 1, t0); !got.Equal(wall.Add(time.Second)) {
		t.Errorf("the second pass begins %v after the first, want 1s", got.Sub(wall))
	}
}

// The first to start sets when the play began, for all.
func TestPlayClockBeginsOnce(t *testing.T) {
	var c playClock
	first := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	if got := c.begin(first); !got.Equal(first) {
		t.Errorf("began %v, want %v", got, first)
	}
	if got := c.begin(first.Add(time.Second)); !got.Equal(first) {
		t.Errorf("a later start moved the beginning to %v", got)
	}
}
