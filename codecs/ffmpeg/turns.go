package ffmpeg

import (
	"time"
	_ "unsafe" // for go:linkname
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
// thread (sysmon) marks the goroutine for preemption and, finding it in C,
// takes its processor and hands it to another thread; the goroutine, back
// from C, has to find a processor again and wakes the monitor, which then
// polls every 20 us for a while, expecting more of the same. In an encode
// of 600 frames at 640x480 that was 1,360 to 5,440 of the monitor's sleeps
// (170 to 970 with the turns) and up to 3,500 context switches of the
// process that gst-launch-1.0 does not make, with the timer interrupts that
// cut into libx264's threads (docs/benchmarks.md, "One encode job"). A
// goroutine that yields more often than that never looks stuck, and the
// monitor backs off to sleeping 10 ms at a time.
//
// A turn is the runtime's goyield, not runtime.Gosched. Gosched puts the
// goroutine on the global run queue and wakes a thread for an idle
// processor to look at it: 19 us on the calling thread here, with a core
// idle beside it, and another thread's spin on that core (which libx264's
// threads want). goyield puts it at the back of its own processor's queue,
// with no wake: whatever waits there runs first, then the goroutine goes on,
// in 0.2 us. Either one counts as a new turn to the monitor. A turn lies
// between two libx264 calls, on the encode job's critical path: the mean
// gap between them went from 162 to 152 us (docs/benchmarks.md, "A turn
// without a wake").
//
// A live source's chain, which waits for every frame, needs the turns as
// well: a goroutine woken from a wait goes on in its processor's current
// time slice, so to the monitor it still looks like one goroutine running
// for long. A 30 frames/s test pattern through the encoder, 90 frames: 116
// to 152 preemptions by the monitor without the turns, 15 to 19 with one
// at every frame (each frame comes more than schedulerSlice after the last).
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
		goyield()
	}
}

// goyield is runtime.goyield: runtime.Gosched onto the current processor's
// own run queue, without waking another thread. The runtime keeps it for
// callers outside the standard library (its comment says so: its signature
// does not change).
//
//go:linkname goyield runtime.goyield
func goyield()
