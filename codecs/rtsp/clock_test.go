package rtsp

import (
	"testing"
	"time"
)

func TestLiveClock(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	frame := int64(clockRate / 10) // 10 frames/s
	var c liveClock
	steps := []struct {
		name    string
		pts     int64
		came    time.Duration // after t0
		want    time.Duration // after t0
		restart bool
	}{
		{"the first packet starts the clock", 0, 0, 0, false},
		{"jitter: a late packet keeps its time", frame, 150 * time.Millisecond, 100 * time.Millisecond, false},
		{"one early by less than its lead moves the start earlier", 2 * frame, 180 * time.Millisecond, 180 * time.Millisecond, false},
		{"then times follow from the new start", 3 * frame, 300 * time.Millisecond, 280 * time.Millisecond, false},
		{"an RTP clock that jumps back starts over", 0, 5 * time.Second, 5 * time.Second, true},
		{"one that jumps ahead starts over", 1000 * frame, 5100 * time.Millisecond, 5100 * time.Millisecond, true},
		{"and goes on from there", 1001 * frame, 5250 * time.Millisecond, 5200 * time.Millisecond, false},
	}
	for _, s := range steps {
		jumps := c.jumps
		got := c.at(s.pts, t0.Add(s.came))
		if got != t0.Add(s.want) || (c.jumps > jumps) != s.restart {
			t.Fatalf("%s: %v (restart %v), want %v (restart %v)", s.name, got.Sub(t0), c.jumps > jumps, s.want, s.restart)
		}
	}
}

func TestRTPTimeUnwrapsTheCounter(t *testing.T) {
	var r rtpTime
	for _, c := range []struct {
		ts   uint32
		want int64
	}{{4294960000, 0}, {4294963000, 3000}, {704, 8000}, {400, 7696}, {3704, 11000}} {
		if got := r.unwrap(c.ts); got != c.want {
			t.Fatalf("%d: %d, want %d", c.ts, got, c.want)
		}
	}
}
