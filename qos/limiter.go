package qos

import "time"

// DefaultKeyframeRequestInterval is the shortest time between two keyframe
// requests that a KeyframeLimiter allows by default. A keyframe (an IDR with
// its parameter sets) costs the bytes of several deltas; without a bound, a
// burst of late joiners or of losses would turn the stream into keyframes
// only, which costs bandwidth and causes the very losses it answers. 300 ms is
// about ten frames at 30 frames/s: a viewer recovers within a third of a
// second while the stream stays mostly deltas.
const DefaultKeyframeRequestInterval = 300 * time.Millisecond

// KeyframeLimiter allows at most one keyframe request per interval. A Gate
// uses one for the requests of one subscriber; the topic broker uses one per
// topic for the requests it forwards to the encoder.
//
// A KeyframeLimiter is not safe for concurrent use: one goroutine (one actor)
// owns it. Make one with NewKeyframeLimiter; the zero value allows every
// request, on time.Now.
type KeyframeLimiter struct {
	interval time.Duration
	now      func() time.Time
	last     time.Time // when the last request was allowed (see Allow)
	primed   bool      // last is set
	stats    LimiterStats
}

// LimiterStats counts a KeyframeLimiter's answers.
type LimiterStats struct {
	// Allowed counts the requests that Allow let through.
	Allowed uint64
	// Suppressed counts the requests that Allow refused because the last
	// allowed one was too recent.
	Suppressed uint64
}

// NewKeyframeLimiter returns a limiter that allows the first request at once
// and then at most one per interval (WithKeyframeRequestInterval, default
// DefaultKeyframeRequestInterval), measured on the clock of WithClock.
func NewKeyframeLimiter(opts ...Option) (*KeyframeLimiter, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	l := newKeyframeLimiter(c)
	return &l, nil
}

func newKeyframeLimiter(c config) KeyframeLimiter {
	return KeyframeLimiter{interval: c.interval, now: c.now}
}

// Allow reports whether a keyframe request may go out now: true when no
// request was allowed in the last interval. It counts every answer.
//
// A clock that steps back (an injected clock that is not monotonic) restarts
// the interval at the earlier time, so the limiter is never silent for more
// than one interval after the step, and never lets a burst through.
func (l *KeyframeLimiter) Allow() bool {
	if l.interval > 0 {
		now := l.clock()
		if l.primed && now.Sub(l.last) < l.interval {
			if now.Before(l.last) {
				l.last = now
			}
			l.stats.Suppressed++
			return false
		}
		l.primed, l.last = true, now
	}
	l.stats.Allowed++
	return true
}

// Interval returns the shortest time between two allowed requests.
func (l *KeyframeLimiter) Interval() time.Duration { return l.interval }

// Stats returns the counts of allowed and suppressed requests so far.
func (l *KeyframeLimiter) Stats() LimiterStats { return l.stats }

func (l *KeyframeLimiter) clock() time.Time {
	if l.now == nil {
		return time.Now()
	}
	return l.now()
}
