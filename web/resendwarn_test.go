package web

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// A viewer's refused resends are warned of once: at once when its link is
// known slow, else only once they lasted longer than the node takes to
// find a slow link slow.
func TestRefusedResendsAreWarnedOfOnceAViewer(t *testing.T) {
	cases := []struct {
		name    string
		samples []struct {
			refused uint64
			slow    bool
		}
		warnAt int // the sample that warns, -1 for none
	}{
		{name: "none refused, never", samples: []struct {
			refused uint64
			slow    bool
		}{{0, false}, {0, true}, {0, true}, {0, false}, {0, false}}, warnAt: -1},
		{name: "a slow link's, once it is known slow", samples: []struct {
			refused uint64
			slow    bool
		}{{0, false}, {40, false}, {900, false}, {2000, true}, {3000, true}, {4000, true}}, warnAt: 3},
		{name: "a link not known slow, after lossyReportsToThin samples of refusals", samples: []struct {
			refused uint64
			slow    bool
		}{{5, false}, {5, false}, {6, false}, {6, false}, {7, false}, {8, false}}, warnAt: lossyReportsToThin},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var w refusalWatch
			warned := -1
			for i, s := range c.samples {
				if w.sampled(s.refused, s.slow) {
					if warned >= 0 {
						t.Fatalf("warned at samples %d and %d: want once", warned, i)
					}
					warned = i
				}
			}
			if warned != c.warnAt {
				t.Errorf("warned at sample %d, want %d", warned, c.warnAt)
			}
		})
	}
}

// The viewers of a handler share one limit: a warning per interval, each
// saying how many viewers it stands for, whatever goroutines they warn
// from; a nil limiter lets each through.
func TestRefusedResendWarningsAreLimitedAcrossViewers(t *testing.T) {
	t0 := time.Unix(1000, 0)
	w := newWarnLimiter(clientWarnEvery)
	var wg sync.WaitGroup
	var mu sync.Mutex
	let := 0
	for range 20 { // 20 viewers at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := w.allow(t0); ok {
				mu.Lock()
				let++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if let != 1 {
		t.Fatalf("%d of 20 viewers' warnings let through at once, want 1", let)
	}
	if ok, n := w.allow(t0.Add(clientWarnEvery)); !ok || n != 20 {
		t.Errorf("a warning clientWarnEvery later: let through %v, standing for %d; want true, 20 (itself and the 19 held)", ok, n)
	}
	var none *warnLimiter
	for range 3 {
		if ok, n := none.allow(t0); !ok || n != 1 {
			t.Fatalf("a nil limiter: %v, %d; want each warning through", ok, n)
		}
	}
}

// The warning says what the refusals mean and what the user can do: a
// slow link's names its rate and asks for a faster link or a lower
// bitrate; another's points at the viewer's network or software.
func TestRefusedResendsWarningSaysWhatToDo(t *testing.T) {
	rc := resendCounts{Resent: 91, Refused: 24191}
	slow := refusedResendsWarning("/cam", rc, true, 118_000)
	for _, want := range []string{"/cam", "24191 refused", "91 resent", "118 kbit/s", "faster link", "lower bitrate"} {
		if !strings.Contains(slow, want) {
			t.Errorf("the slow link's warning %q does not say %q", slow, want)
		}
	}
	other := refusedResendsWarning("/cam", rc, false, 5_000_000)
	for _, want := range []string{"/cam", "24191 refused", "seems to carry the stream", "network"} {
		if !strings.Contains(other, want) {
			t.Errorf("the warning %q does not say %q", other, want)
		}
	}
}
