package qos_test

import (
	"testing"
	"time"

	"github.com/gopline/gopline/qos"
)

func mustLimiter(t *testing.T, opts ...qos.Option) *qos.KeyframeLimiter {
	t.Helper()
	l, err := qos.NewKeyframeLimiter(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestLimiterHoldsAStormOfRequests sends 10,000 requests over 3 s, as a burst
// of joiners and losses would: about ten go out, the rest are counted.
func TestLimiterHoldsAStormOfRequests(t *testing.T) {
	clk := newFakeClock()
	l := mustLimiter(t, qos.WithClock(clk.Now))
	const requests = 10000
	var allowed uint64
	var last time.Time
	for i := range requests {
		clk.Advance(3 * time.Second / requests)
		if l.Allow() {
			if allowed > 0 && clk.Now().Sub(last) < qos.DefaultKeyframeRequestInterval {
				t.Fatalf("request %d allowed %v after the previous one", i, clk.Now().Sub(last))
			}
			allowed++
			last = clk.Now()
		}
	}
	if allowed < 10 || allowed > 11 {
		t.Errorf("%d requests allowed in 3 s at one per 300 ms, want 10 or 11", allowed)
	}
	if s := l.Stats(); s.Allowed != allowed || s.Allowed+s.Suppressed != requests {
		t.Errorf("stats %+v, want %d allowed of %d", s, allowed, requests)
	}
}

func TestLimiterTiming(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name     string
		interval time.Duration
		at       []time.Duration // times of the requests, from the start
		want     []bool
	}{
		{"the first request goes out at once", 300 * ms, []time.Duration{0}, []bool{true}},
		{"the next goes out exactly one interval later", 300 * ms,
			[]time.Duration{0, 299 * ms, 300 * ms, 599 * ms, 600 * ms}, []bool{true, false, true, false, true}},
		{"suppressed requests do not push the next one back", 300 * ms,
			[]time.Duration{0, 100 * ms, 200 * ms, 300 * ms}, []bool{true, false, false, true}},
		{"the interval counts from the last allowed request", 300 * ms,
			[]time.Duration{0, 1000 * ms, 1200 * ms, 1300 * ms}, []bool{true, true, false, true}},
		{"interval 0 allows every request", 0,
			[]time.Duration{0, 0, 0, 1 * ms}, []bool{true, true, true, true}},
		{"a clock that steps back is quiet for at most one interval", 300 * ms,
			[]time.Duration{time.Hour, 0, 299 * ms, 300 * ms}, []bool{true, false, false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			start := clk.Now()
			l := mustLimiter(t, qos.WithClock(clk.Now), qos.WithKeyframeRequestInterval(tc.interval))
			if l.Interval() != tc.interval {
				t.Errorf("Interval() = %v", l.Interval())
			}
			var allowed uint64
			for i, at := range tc.at {
				clk.t = start.Add(at)
				got := l.Allow()
				if got != tc.want[i] {
					t.Errorf("request %d at %v: Allow() = %v", i, at, got)
				}
				if got {
					allowed++
				}
			}
			if s := l.Stats(); s.Allowed != allowed || s.Allowed+s.Suppressed != uint64(len(tc.at)) {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestNewKeyframeLimiterDefaults(t *testing.T) {
	l := mustLimiter(t)
	if l.Interval() != qos.DefaultKeyframeRequestInterval {
		t.Errorf("Interval() = %v, want %v", l.Interval(), qos.DefaultKeyframeRequestInterval)
	}
	if !l.Allow() || l.Allow() {
		t.Error("want the first request allowed and an immediate second suppressed")
	}
}

// The zero KeyframeLimiter is not meant to be used, but it must not panic.
func TestZeroLimiterAllowsEveryRequest(t *testing.T) {
	var l qos.KeyframeLimiter
	for range 3 {
		if !l.Allow() {
			t.Fatal("zero limiter suppressed a request")
		}
	}
}
