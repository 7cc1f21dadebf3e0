package lograte

import (
	"testing"
	"time"
)

func TestLimiterLetsOneWarningThroughPerInterval(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := Limiter{Interval: 5 * time.Second}
	steps := []struct {
		at    time.Duration
		ok    bool
		count uint64
	}{
		{0, true, 1},                // the first is logged at once
		{time.Second, false, 0},     // held
		{4 * time.Second, false, 0}, // held
		{5 * time.Second, true, 3},  // stands for itself and the two held
		{6 * time.Second, false, 0}, // held
		{-time.Hour, true, 2},       // the clock stepped back: not silenced
		{-time.Hour + time.Second, false, 0},
	}
	for i, s := range steps {
		ok, count := l.Allow(start.Add(s.at))
		if ok != s.ok || count != s.count {
			t.Fatalf("step %d at %v: Allow = %v, %d; want %v, %d", i, s.at, ok, count, s.ok, s.count)
		}
	}
}

func TestZeroLimiterLetsEveryWarningThrough(t *testing.T) {
	var l Limiter
	now := time.Now()
	for i := 0; i < 3; i++ {
		if ok, count := l.Allow(now); !ok || count != 1 {
			t.Fatalf("warning %d: Allow = %v, %d; want true, 1", i, ok, count)
		}
	}
}

// Flush tells the warnings held back once the interval has passed, and
// nothing when none were, or before then.
func TestFlushTellsTheWarningsHeldBack(t *testing.T) {
	l := Limiter{Interval: 10 * time.Second}
	at := time.Unix(1_000_000, 0)
	l.Allow(at)
	l.Allow(at.Add(time.Second))
	l.Allow(at.Add(2 * time.Second))
	if n := l.Flush(at.Add(5 * time.Second)); n != 0 {
		t.Fatalf("flushed %d before the interval passed", n)
	}
	if n := l.Flush(at.Add(11 * time.Second)); n != 2 {
		t.Fatalf("flushed %d, want the 2 held back", n)
	}
	if n := l.Flush(at.Add(30 * time.Second)); n != 0 {
		t.Fatalf("flushed %d again", n)
	}
	if ok, n := l.Allow(at.Add(31 * time.Second)); !ok || n != 1 {
		t.Fatalf("the next warning: %v, %d; want it let through, for itself", ok, n)
	}
}
