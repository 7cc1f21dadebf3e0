package qos_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct{ t time.Time }

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// mustGate returns a Gate on clk with the given keyframe request interval.
func mustGate(t testing.TB, clk *fakeClock, interval time.Duration) *qos.Gate {
	t.Helper()
	g, err := qos.NewGate(qos.WithClock(clk.Now), qos.WithKeyframeRequestInterval(interval))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// checker watches a Gate's decisions and fails the test when one breaks a
// promise of the Gate:
//
//   - decodability: every passed delta continues the chain of passed packets
//     (same Epoch, Seq one more than the previous passed packet's, GOP of the
//     chain's keyframe), and after a Break the next passed packet is a
//     keyframe;
//   - progress: a keyframe that is not a duplicate always passes, and a delta
//     that continues the chain passes unless the Gate was waiting;
//   - duplicates: while the chain is intact, a packet at or before the last
//     passed Seq of its epoch is dropped as a Duplicate, so no picture is
//     decoded twice;
//   - requests: only drops that need a keyframe (and Breaks) request one,
//     never two within the interval;
//   - accounting: Stats match what the decisions said.
type checker struct {
	t        testing.TB
	g        *qos.Gate
	clk      *fakeClock
	interval time.Duration

	have             bool // a packet has passed: epoch, gop and last are set
	broken           bool // a Break since the last passed keyframe
	epoch, gop, last uint64

	admitted, passed, breaks uint64
	dropped                  [16]uint64
	requests                 uint64
	lastRequest              time.Time
	requested                bool
}

func newChecker(t testing.TB, g *qos.Gate, clk *fakeClock, interval time.Duration) *checker {
	return &checker{t: t, g: g, clk: clk, interval: interval}
}

func (c *checker) admit(p *media.Packet) qos.Decision {
	c.t.Helper()
	wasWaiting := c.g.Waiting()
	d := c.g.Admit(p)
	c.admitted++
	if d.Pass != (d.Reason == qos.NotDropped) {
		c.t.Fatalf("%s: Pass %v with reason %v", describe(p), d.Pass, d.Reason)
	}
	if d.Pass && d.RequestKeyframe {
		c.t.Fatalf("%s: passed and requested a keyframe", describe(p))
	}
	if d.RequestKeyframe {
		c.request()
	}
	if !d.Pass {
		c.dropped[d.Reason]++
		switch d.Reason {
		case qos.Duplicate, qos.NilPacket:
			if d.RequestKeyframe {
				c.t.Fatalf("%s: %v requested a keyframe", describe(p), d.Reason)
			}
		default:
			if !c.g.Waiting() {
				c.t.Fatalf("%s: dropped as %v but not waiting", describe(p), d.Reason)
			}
		}
	}
	if p == nil {
		if d.Pass || d.Reason != qos.NilPacket {
			c.t.Fatalf("nil packet: %+v", d)
		}
		return d
	}
	key := p.Key || p.Codec.IntraOnly()
	fresh := !c.have || p.Epoch != c.epoch || p.Seq > c.last
	continues := c.have && !key && p.Epoch == c.epoch && p.Seq == c.last+1 && p.GOP == c.gop
	switch {
	case key && fresh && !d.Pass:
		c.t.Fatalf("%s: a new keyframe was dropped as %v", describe(p), d.Reason)
	case continues && !wasWaiting && !d.Pass:
		c.t.Fatalf("%s: a delta that continues the chain was dropped as %v", describe(p), d.Reason)
	case d.Pass && !key && (wasWaiting || c.broken || !continues):
		c.t.Fatalf("%s: passed a delta the decoder cannot decode (chain epoch %d gop %d last %d, waiting %v, broken %v)",
			describe(p), c.epoch, c.gop, c.last, wasWaiting, c.broken)
	case d.Reason == qos.Duplicate && fresh:
		c.t.Fatalf("%s: dropped as a duplicate but is new", describe(p))
	case !fresh && !wasWaiting && d.Reason != qos.Duplicate:
		c.t.Fatalf("%s: not new while the chain is intact, but answered %+v", describe(p), d)
	}
	if d.Pass {
		c.passed++
		if key {
			c.have, c.broken, c.epoch, c.gop = true, false, p.Epoch, p.GOP
			if c.g.Waiting() {
				c.t.Fatalf("%s: still waiting after a keyframe passed", describe(p))
			}
		}
		c.last = p.Seq
	}
	return d
}

func (c *checker) brk() bool {
	c.t.Helper()
	req := c.g.Break()
	c.breaks++
	c.broken = true
	if req {
		c.request()
	}
	if !c.g.Waiting() {
		c.t.Fatal("not waiting after Break")
	}
	return req
}

func (c *checker) request() {
	c.t.Helper()
	now := c.clk.Now()
	if c.requested && now.Sub(c.lastRequest) < c.interval {
		c.t.Fatalf("keyframe requested %v after the previous one (interval %v)", now.Sub(c.lastRequest), c.interval)
	}
	c.requested, c.lastRequest = true, now
	c.requests++
}

// checkStats compares the Gate's Stats with the decisions seen.
func (c *checker) checkStats() {
	c.t.Helper()
	s := c.g.Stats()
	var sum uint64
	for r, n := range s.DroppedBy {
		sum += n
		if n != c.dropped[r] {
			c.t.Errorf("DroppedBy[%v] = %d, decisions said %d", qos.DropReason(r), n, c.dropped[r])
		}
	}
	switch {
	case s.Passed+s.Dropped != c.admitted:
		c.t.Errorf("Passed %d + Dropped %d != admitted %d", s.Passed, s.Dropped, c.admitted)
	case s.Passed != c.passed:
		c.t.Errorf("Passed %d, decisions said %d", s.Passed, c.passed)
	case sum != s.Dropped:
		c.t.Errorf("DroppedBy adds up to %d, Dropped is %d", sum, s.Dropped)
	case s.DroppedBy[qos.NotDropped] != 0:
		c.t.Errorf("DroppedBy[NotDropped] = %d", s.DroppedBy[qos.NotDropped])
	case s.Breaks != c.breaks:
		c.t.Errorf("Breaks %d, called %d", s.Breaks, c.breaks)
	case s.KeyframeRequests != c.requests:
		c.t.Errorf("KeyframeRequests %d, decisions said %d", s.KeyframeRequests, c.requests)
	}
}

func describe(p *media.Packet) string {
	if p == nil {
		return "nil packet"
	}
	kind := "D"
	if p.Key {
		kind = "K"
	}
	return fmt.Sprintf("%s%d (%v, epoch %d, gop %d)", kind, p.Seq, p.Codec, p.Epoch, p.GOP)
}
