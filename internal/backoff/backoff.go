// Package backoff spaces the attempts to reach something that went away (a
// camera that dropped or rebooted): exponential waits with jitter and a cap,
// forever or a bounded number of times. Backoff is a plain value; Wait is
// the one place that sleeps, and it ends early when told to stop.
package backoff

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Forever is the Retries of a policy that never gives up.
const Forever = -1

// Default waits: a camera that rebooted is back within seconds, so the first
// attempts come soon; the cap keeps a camera that is gone for long from
// being asked more than once per 5 s (mediamtx's pause between attempts), and
// the jitter keeps many sources that lost one network at once from coming
// back in step.
const (
	DefaultInitial = 250 * time.Millisecond
	DefaultMax     = 5 * time.Second
	DefaultJitter  = 0.2
)

// ErrStopped is Wait's error when the stop channel closed first.
var ErrStopped = errors.New("backoff: stopped")

// Policy says how long to wait before each attempt.
type Policy struct {
	// Initial is the wait before the first attempt; each later wait doubles,
	// up to Max.
	Initial, Max time.Duration
	// Jitter is the fraction, 0 to 1, by which a wait is shortened at random.
	Jitter float64
	// Retries is how many attempts are made before giving up: Forever, 0
	// (none), or a count.
	Retries int
}

// DefaultPolicy retries forever with the default waits.
func DefaultPolicy() Policy {
	return Policy{Initial: DefaultInitial, Max: DefaultMax, Jitter: DefaultJitter, Retries: Forever}
}

// Check reports a policy that cannot be followed.
func (p Policy) Check() error {
	switch {
	case p.Initial <= 0 || p.Max < p.Initial:
		return fmt.Errorf("backoff: waits %v to %v (want 0 < initial <= max)", p.Initial, p.Max)
	case !(p.Jitter >= 0 && p.Jitter <= 1):
		return fmt.Errorf("backoff: jitter %v (want 0 to 1)", p.Jitter)
	case p.Retries < Forever:
		return fmt.Errorf("backoff: retries %d (want %d for ever, 0 or more)", p.Retries, Forever)
	}
	return nil
}

// Backoff follows a Policy through one outage: Next gives each wait, Reset
// starts over once the thing came back. It is not safe for concurrent use.
type Backoff struct {
	policy  Policy
	random  func() float64 // in [0, 1)
	attempt int            // attempts handed out since the last Reset
}

// New returns a Backoff of policy whose jitter draws from random (nil:
// math/rand/v2's Float64).
func New(policy Policy, random func() float64) (*Backoff, error) {
	if err := policy.Check(); err != nil {
		return nil, err
	}
	if random == nil {
		random = rand.Float64
	}
	return &Backoff{policy: policy, random: random}, nil
}

// Next returns the wait before the next attempt, or false when the policy's
// retries are spent.
func (b *Backoff) Next() (time.Duration, bool) {
	if b.policy.Retries != Forever && b.attempt >= b.policy.Retries {
		return 0, false
	}
	d := b.policy.Initial
	for i := 0; i < b.attempt && d < b.policy.Max; i++ {
		d *= 2
	}
	d = min(d, b.policy.Max)
	b.attempt++
	return d - time.Duration(b.policy.Jitter*b.random()*float64(d)), true
}

// Attempt returns how many attempts Next has handed out since the last
// Reset.
func (b *Backoff) Attempt() int { return b.attempt }

// Reset starts the waits over, for the next outage.
func (b *Backoff) Reset() { b.attempt = 0 }

// Wait sleeps d on the clock whose timers after makes (nil: time.After),
// and returns ErrStopped at once when stop closes first.
func Wait(d time.Duration, stop <-chan struct{}, after func(time.Duration) <-chan time.Time) error {
	if after == nil {
		after = time.After
	}
	select {
	case <-stop:
		return ErrStopped
	default:
	}
	select {
	case <-after(d):
		return nil
	case <-stop:
		return ErrStopped
	}
}
