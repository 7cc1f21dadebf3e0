package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// DefaultMinGap and DefaultMaxGap bound the time between two joins: at 100
// ms on average, 100 joins take about 10 s, and since the gaps are not
// multiples of a frame period, joins land at every phase of a GOP. A cached
// or requested first picture comes well within the gap; viewers waiting
// for a regular keyframe overlap.
const (
	DefaultMinGap = 50 * time.Millisecond
	DefaultMaxGap = 150 * time.Millisecond
)

// Schedule is when viewers join: Joins of them, one after another, each a
// random gap of MinGap to MaxGap after the one before, drawn from Seed, so
// that a seed always gives the same schedule. Zero gaps take the defaults.
type Schedule struct {
	Joins          int
	Seed           uint64
	MinGap, MaxGap time.Duration
}

func (s Schedule) withDefaults() Schedule {
	if s.MinGap == 0 && s.MaxGap == 0 {
		s.MinGap, s.MaxGap = DefaultMinGap, DefaultMaxGap
	}
	return s
}

// Validate reports whether viewers can join on s, its zero gaps taking the
// defaults.
func (s Schedule) Validate() error {
	s = s.withDefaults()
	switch {
	case s.Joins < 1:
		return fmt.Errorf("bench: %d joins: want at least 1", s.Joins)
	case s.MinGap < 0 || s.MaxGap < s.MinGap:
		return fmt.Errorf("bench: gaps %v..%v", s.MinGap, s.MaxGap)
	}
	return nil
}

// JoinAtRandom calls join(i) for each i from 0 to s.Joins-1 on s's
// schedule, each call in a goroutine of its own, the first at once. Calls
// overlap when one lasts longer than the gap. It returns when every call
// has returned: ctx's error if ctx ended, some calls then never made.
func JoinAtRandom(ctx context.Context, s Schedule, join func(i int)) error {
	s = s.withDefaults()
	if err := s.Validate(); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x6c6174656a6f696e))
	var wg sync.WaitGroup
	next := time.Now()
	for i := range s.Joins {
		if i > 0 {
			next = next.Add(s.MinGap + time.Duration(rng.Int64N(int64(s.MaxGap-s.MinGap)+1)))
		}
		if err := sleepUntil(ctx, next); err != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			join(i)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// Sleep sleeps for d or until ctx ends, and returns ctx's error then.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sleepUntil sleeps until t or until ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	if d := time.Until(t); d > 0 {
		return Sleep(ctx, d)
	}
	return ctx.Err()
}
