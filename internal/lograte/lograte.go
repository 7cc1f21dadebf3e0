// Package lograte keeps a repeated warning from flooding a log: the first
// one is logged, then at most one per interval, each saying how many it
// stands for. Counts belong in stats; the log says that something is wrong.
package lograte

import "time"

// Limiter lets a repeated warning through at most once per Interval. The
// zero value lets every warning through. It is not safe for concurrent
// use: one actor owns it.
type Limiter struct {
	// Interval is the shortest time between two warnings let through.
	Interval time.Duration

	last time.Time // when a warning was last let through
	held uint64    // warnings since then, this one included
}

// Allow reports whether a warning at now may be logged, and how many
// warnings it stands for: itself and those held back since the last one. A
// clock that stepped back does not silence the warning.
func (l *Limiter) Allow(now time.Time) (ok bool, count uint64) {
	l.held++
	if since := now.Sub(l.last); !l.last.IsZero() && since >= 0 && since < l.Interval {
		return false, 0
	}
	count, l.last, l.held = l.held, now, 0
	return true, count
}

// Flush reports how many warnings were held back since the last one let
// through, once Interval has passed since it (0 when none were, or it has
// not), and starts a new interval when there were: a caller that flushes
// now and then tells the count of warnings that stopped coming, which no
// later Allow would.
func (l *Limiter) Flush(now time.Time) uint64 {
	if since := now.Sub(l.last); l.held == 0 || !l.last.IsZero() && since >= 0 && since < l.Interval {
		return 0
	}
	count := l.held
	l.last, l.held = now, 0
	return count
}
