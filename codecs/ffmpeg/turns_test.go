package ffmpeg

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestSchedTurnsAreDueFirstThenOnceASlice(t *testing.T) {
	var turns schedTurns
	start := time.Unix(1000, 0)
	for _, c := range []struct {
		after time.Duration
		due   bool
	}{
		{0, true}, // the first call
		{time.Millisecond, false},
		{schedulerSlice - time.Microsecond, false},
		{schedulerSlice, true}, // a slice after the first turn
		{schedulerSlice + time.Millisecond, false},
		{2*schedulerSlice - time.Microsecond, false},
		{3 * schedulerSlice, true}, // a long frame: due at once, not twice
		{3*schedulerSlice + time.Microsecond, false},
	} {
		if got := turns.due(start.Add(c.after)); got != c.due {
			t.Errorf("due %v after the start = %v, want %v", c.after, got, c.due)
		}
	}
}

// A turn lets a goroutine that waits for the processor run: with one
// processor and the turn's goroutine never blocking, the other runs at the
// turn and not after it.
func TestATurnLetsAWaitingGoroutineRun(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var ran atomic.Bool
	go ran.Store(true)
	var turns schedTurns
	turns.take() // the first call: due
	if !ran.Load() {
		t.Fatal("the waiting goroutine did not run at the turn")
	}
}
