package qos

import (
	"fmt"
	"time"
)

// config holds the settings of a Gate and a KeyframeLimiter. A Gate's only
// settings are those of its keyframe-request limiter, so both take the same
// options.
type config struct {
	interval    time.Duration
	now         func() time.Time
	oncePerWait bool // a Gate's: see WithRequestOncePerWait
}

func newConfig(opts []Option) (config, error) {
	c := config{interval: DefaultKeyframeRequestInterval, now: time.Now}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return config{}, err
		}
	}
	return c, nil
}

// Option configures a Gate or a KeyframeLimiter (NewGate, NewKeyframeLimiter).
type Option func(*config) error

// WithKeyframeRequestInterval sets the shortest time between two keyframe
// requests (default DefaultKeyframeRequestInterval). d must not be negative;
// 0 turns rate limiting off, so that every request is allowed.
func WithKeyframeRequestInterval(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("%w: keyframe request interval %v (want >= 0)", ErrBadOption, d)
		}
		c.interval = d
		return nil
	}
}

// WithClock sets the clock that the rate limit is measured on (default
// time.Now). Tests use it to run time at will. now must not be nil.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrBadOption)
		}
		c.now = now
		return nil
	}
}

// WithRequestOncePerWait makes a Gate ask for a keyframe once per wait: at
// the first drop or Break that leaves it waiting, and not again until a
// packet passes. The pace of any further request is then set by whoever
// answers upstream with a limiter of its own: a gate element in front of a
// decoder, or the topic. A decoder's Gate takes it, so that a viewer's
// requests go through one limiter, not two in series. A KeyframeLimiter
// ignores it.
func WithRequestOncePerWait() Option {
	return func(c *config) error {
		c.oncePerWait = true
		return nil
	}
}
