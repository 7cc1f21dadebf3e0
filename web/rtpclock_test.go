package web

import (
	"testing"
	"time"
)

func TestRTPClockFollowsSendTime(t *testing.T) {
	start := time.Unix(1000, 0)
	c := newRTPClock(start, 100)
	if got := c.stamp(start); got != 100 {
		t.Fatalf("first stamp = %d, want the base 100", got)
	}
	if got := c.stamp(start.Add(time.Second)); got != 100+videoClockRate {
		t.Fatalf("a second later = %d, want %d", got, 100+videoClockRate)
	}
}

func TestRTPClockBurstIsStrictlyIncreasing(t *testing.T) {
	start := time.Unix(1000, 0)
	c := newRTPClock(start, ^uint32(0)-2) // wraps within the burst
	prev := c.stamp(start)
	for i := range 10 {
		ts := c.stamp(start) // a replayed GOP: all sent at once
		if int32(ts-prev) != 1 {
			t.Fatalf("picture %d of a burst: %d after %d, want one tick later", i, ts, prev)
		}
		prev = ts
	}
	later := c.stamp(start.Add(33 * time.Millisecond))
	base := ^uint32(0) - 2
	if want := base + 33*videoClockRate/1000; later != want {
		t.Fatalf("live picture after the burst = %d, want %d (send time)", later, want)
	}
}

func TestRTPClockNeverGoesBack(t *testing.T) {
	start := time.Unix(1000, 0)
	c := newRTPClock(start, 0)
	a := c.stamp(start.Add(time.Second))
	if b := c.stamp(start); int32(b-a) <= 0 {
		t.Fatalf("an earlier send time gave %d after %d", b, a)
	}
}
