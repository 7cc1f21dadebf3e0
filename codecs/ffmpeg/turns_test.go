package ffmpeg

import (
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
