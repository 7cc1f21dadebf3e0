package ffmpeg

import (
	"runtime"
	"time"
)

// schedulerSlice is how long a goroutine that works through frames by long
// calls into C (libx264's encode of a 640x480 picture takes 2 to 3 ms) goes
// on before it gives the Go scheduler a turn: half of the 10 ms after which
// the runtime counts a goroutine as hogging its processor, so that a turn
// falls in every such span even when a frame takes a few milliseconds.
const schedulerSlice = 5 * time.Millisecond

// schedTurns gives the Go scheduler a turn, now and then, in a goroutine
// that would otherwise never reach it. A chain of nodes runs in its
// source's goroutine, which goes from one call into FFmpeg to the next
// without ever blocking in Go. After 10 ms of that, the runtime's monitor
// thread (sysmon) takes the goroutine's processor from it while it is in C,
// hands the processor to another thread, marks the goroutine for
// preemption, and then polls every 20 us for a while, expecting more such
// work: about 2,600 of the monitor's wake-ups and 3,000 context switches in
// an encode of 600 frames that gst-launch-1.0 does not have, and the timer
// interrupts that cut into libx264's threads. A goroutine that yields
// before that never looks stuck, and the monitor sleeps for 10 ms at a
// time.
//
// The zero value is ready; it is not safe for concurrent use (one encoder,
// one goroutine).
type schedTurns struct{ last time.Time }

// due reports whether a turn is due at now: at the first call, and then
// once schedulerSlice has passed since the last turn. A due turn counts as
// taken.
func (t *schedTurns) due(now time.Time) bool {
	if !t.last.IsZero() && now.Sub(t.last) < schedulerSlice {
		return false
	}
	t.last = now
	return true
}

// take yields the processor if a turn is due.
func (t *schedTurns) take() {
	if t.due(time.Now()) {
		runtime.Gosched()
	}
}
