package ffmpeg

import (
	"regexp"
	"sync"
	"time"

	"github.com/gopline/gopline/internal/lograte"
)

// repeatInterval spaces the repeats of one FFmpeg log line: a camera that
// stays down makes FFmpeg say "Connection refused" at every attempt to
// reconnect, every few seconds for as long as it is down; once per interval
// says as much, with the count.
const repeatInterval = 30 * time.Second

// maxRepeatKeys bounds the lines remembered, which must not grow the map
// without end. When it is full it starts over.
const maxRepeatKeys = 256

// numbers are the numbers in a line (a macroblock, a timestamp, a count of
// packets), which make each of a decoder's complaints about a lossy stream
// another line: lines are compared without them, so that a flood of
// "error while decoding MB 23 45" is held back as one line's repeats.
var numbers = regexp.MustCompile(`[0-9]+`)

// contextAddress is the address of the FFmpeg object in a line's prefix
// ("[tcp @ 0x7f6574003ac0]"): it differs between attempts, so lines are
// compared without it.
var contextAddress = regexp.MustCompile(` @ 0x[0-9a-f]+\]`)

// repeats lets each FFmpeg log line through at most once per interval, and
// says how many it stands for. It is safe for concurrent use: FFmpeg logs
// from any thread.
type repeats struct {
	mu    sync.Mutex
	lines map[repeatKey]*lograte.Limiter
}

// repeatKey is a line as repeats compares it: without its context's
// address, its numbers as "#", and with the group it is counted in (the logger it goes to, or
// a source's group over its openings), so that two cameras that say the
// same each have their line counted apart.
type repeatKey struct {
	group any
	line  string
}

// allow reports whether line, counted in group (comparable), may be
// logged at now, and how many lines it stands for (itself and those held
// back since it was last let through).
func (r *repeats) allow(group any, line string, now time.Time) (bool, uint64) {
	key := repeatKey{group: group, line: numbers.ReplaceAllString(contextAddress.ReplaceAllString(line, "]"), "#")}
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.lines[key]
	if l == nil {
		if r.lines == nil || len(r.lines) >= maxRepeatKeys {
			r.lines = map[repeatKey]*lograte.Limiter{}
		}
		l = &lograte.Limiter{Interval: repeatInterval}
		r.lines[key] = l
	}
	return l.Allow(now)
}
