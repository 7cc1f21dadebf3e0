package backoff

import (
	"errors"
	"testing"
	"time"
)

func waits(t *testing.T, p Policy, random func() float64, n int) []time.Duration {
	t.Helper()
	b, err := New(p, random)
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Duration
	for range n {
		d, ok := b.Next()
		if !ok {
			break
		}
		out = append(out, d)
	}
	return out
}

func TestWaitsDoubleUpToTheCap(t *testing.T) {
	p := Policy{Initial: 100 * time.Millisecond, Max: time.Second, Retries: Forever}
	got := waits(t, p, func() float64 { return 0 }, 7)
	want := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("waits %v, want %v ms", got, want)
		}
	}
}

func TestJitterShortensAWaitByAtMostItsFraction(t *testing.T) {
	p := Policy{Initial: time.Second, Max: time.Second, Jitter: 0.2, Retries: Forever}
	if got := waits(t, p, func() float64 { return 0.5 }, 1); got[0] != 900*time.Millisecond {
		t.Fatalf("wait %v with half the jitter, want 900ms", got[0])
	}
	for _, d := range waits(t, p, nil, 200) {
		if d < 800*time.Millisecond || d > time.Second {
			t.Fatalf("wait %v outside [800ms, 1s]", d)
		}
	}
}

func TestRetriesBoundTheAttempts(t *testing.T) {
	p := DefaultPolicy()
	p.Retries = 3
	if got := waits(t, p, nil, 10); len(got) != 3 {
		t.Fatalf("%d attempts with retries=3", len(got))
	}
	p.Retries = 0
	if got := waits(t, p, nil, 10); len(got) != 0 {
		t.Fatalf("%d attempts with retries=0", len(got))
	}
	p.Retries = Forever
	if got := waits(t, p, nil, 1000); len(got) != 1000 {
		t.Fatalf("%d attempts for ever", len(got))
	}
}

func TestResetStartsTheWaitsOver(t *testing.T) {
	p := Policy{Initial: time.Second, Max: 8 * time.Second, Retries: 2}
	b, err := New(p, func() float64 { return 0 })
	if err != nil {
		t.Fatal(err)
	}
	b.Next()
	b.Next()
	if _, ok := b.Next(); ok {
		t.Fatal("a third attempt with retries=2")
	}
	b.Reset()
	if d, ok := b.Next(); !ok || d != time.Second || b.Attempt() != 1 {
		t.Fatalf("after Reset: %v, %v, attempt %d; want 1s, true, 1", d, ok, b.Attempt())
	}
}

func TestBadPoliciesAreRefused(t *testing.T) {
	for _, p := range []Policy{
		{Initial: 0, Max: time.Second},
		{Initial: time.Second, Max: time.Millisecond},
		{Initial: time.Second, Max: time.Second, Jitter: 1.5},
		{Initial: time.Second, Max: time.Second, Retries: -2},
	} {
		if _, err := New(p, nil); err == nil {
			t.Errorf("policy %+v accepted", p)
		}
	}
}

// fakeClock's timers fire only when the test says.
type fakeClock struct{ asked chan time.Duration }

func (c *fakeClock) after(d time.Duration) <-chan time.Time {
	c.asked <- d
	return make(chan time.Time) // never fires
}

func TestWaitEndsWhenStopped(t *testing.T) {
	clock := &fakeClock{asked: make(chan time.Duration, 1)}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- Wait(time.Hour, stop, clock.after) }()
	if d := <-clock.asked; d != time.Hour {
		t.Fatalf("timer of %v, want 1h", d)
	}
	close(stop)
	if err := <-done; !errors.Is(err, ErrStopped) {
		t.Fatalf("Wait = %v, want ErrStopped", err)
	}
	if err := Wait(time.Hour, stop, clock.after); !errors.Is(err, ErrStopped) {
		t.Fatalf("Wait after stop = %v, want ErrStopped", err)
	}
}

func TestWaitReturnsWhenItsTimerFires(t *testing.T) {
	fired := make(chan time.Time, 1)
	fired <- time.Time{}
	var asked time.Duration
	after := func(d time.Duration) <-chan time.Time { asked = d; return fired }
	if err := Wait(3*time.Second, make(chan struct{}), after); err != nil || asked != 3*time.Second {
		t.Fatalf("Wait = %v after a timer of %v; want nil after 3s", err, asked)
	}
}
