package remote

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/transport"
)

// pauseKeepalive is the children's keepalive in the pause tests: a
// connection silent for it is pinged, and ended when the ping is not
// answered in half that again. A pause longer than both is the failure
// mode of a 30 s pause with the default keepalive (10 + 5 s).
const pauseKeepalive = time.Second

// A subscriber process that stops (SIGSTOP) for longer than the keepalive
// loses its subscription at both ends; when it continues, it is told,
// subscribes again and gets the cached GOP, the packets published while it
// had no subscription are counted as dropped, and the publisher forgets the
// dead subscription.
func TestPausedSubscriberComesBack(t *testing.T) {
	pub := startChild(t, "pub", childArgs{Keepalive: pauseKeepalive})
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam", Keepalive: pauseKeepalive})
	before := sub.packets(20)
	pause(t, sub, 4*pauseKeepalive)
	start := time.Now()
	before = append(before, sub.packetsUntil(transport.EventLivelinessLost)...)
	sub.waitEvent(transport.EventLivelinessRegained)
	first := sub.packets(1)[0]
	for !first.Replayed {
		first = sub.packets(1)[0]
	}
	after := append([]report{first}, sub.packets(30)...)
	checkContinuous(t, after)
	checkGapCounted(t, before[len(before)-1], after)
	t.Logf("frames again %v after the subscriber continued", time.Since(start))
	// The dead subscription is gone: one subscriber, the new one.
	pub.forgetsTheDead(subscriberForgotten)
}

// A publisher's node stopped (SIGSTOP) for longer than the keepalive, as
// a robot's process for 25 s with the default one, then continued: its
// subscriber is told it was lost and regained, and then gets its stream
// again, as it did not fall behind: nothing says it did, but for the
// packets that went out on the dead connection, counted as the gap they
// are. Paused for less than the keepalive, the subscription is kept, and
// no drop at all.
func TestPausedPublisherGivesNoFalseDrops(t *testing.T) {
	pub := startChild(t, "pub", childArgs{Keepalive: pauseKeepalive})
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam", Keepalive: pauseKeepalive})
	sub.packets(20)
	pause(t, pub, pauseKeepalive/2)
	sub.noDrops(50)
	before := sub.packets(1)
	pause(t, pub, 4*pauseKeepalive)
	before = append(before, sub.packetsUntil(transport.EventLivelinessLost)...)
	sub.waitEvent(transport.EventLivelinessRegained)
	after := sub.packets(50)
	checkResumedAfter(t, before[len(before)-1], after)
	checkOnlyGapsDropped(t, before[len(before)-1], after)
	sub.noDrops(50)
}

// checkResumedAfter checks that the replay after a resubscription, which
// the publisher's cache makes from the keyframe of the GOP it stopped in,
// passes the subscriber nothing at or before last, the last packet it had
// before the subscription was lost: the first packet of that stream after
// it is a newer one.
func checkResumedAfter(t *testing.T, last report, after []report) {
	t.Helper()
	for _, r := range after {
		if r.Epoch != last.Epoch {
			continue
		}
		if r.Seq <= last.Seq {
			t.Fatalf("seq %d (replayed %v) after seq %d before the pause: the subscriber went back in time", r.Seq, r.Replayed, last.Seq)
		}
		return
	}
}

// packetsUntil returns the packets n reports before an event of the given
// kind.
func (n *node) packetsUntil(kind transport.EventKind) []report {
	n.t.Helper()
	var out []report
	for deadline := time.Now().Add(20 * time.Second); ; {
		r := n.next(time.Until(deadline))
		switch {
		case r == nil:
			n.t.Fatalf("no %v event", kind)
		case r.Event == kind.String():
			return out
		case r.Packet:
			out = append(out, *r)
		}
	}
}

// checkGapCounted checks that the first packet after last, the last one
// before the subscription was lost, reports the packets in between as
// dropped, and that there were some (the publisher went on meanwhile).
func checkGapCounted(t *testing.T, last report, after []report) {
	t.Helper()
	for _, r := range after {
		if r.Epoch != last.Epoch || r.Seq <= last.Seq {
			continue
		}
		if want := r.Seq - last.Seq - 1; want == 0 || r.Dropped != want {
			t.Fatalf("seq %d after seq %d before the pause: dropped %d, want %d (and more than 0)", r.Seq, last.Seq, r.Dropped, want)
		}
		return
	}
	t.Fatalf("no packet after seq %d, the last before the pause, in %d packets", last.Seq, len(after))
}

// checkOnlyGapsDropped checks that the packets after last report as
// dropped exactly the packets missing before them, none other.
func checkOnlyGapsDropped(t *testing.T, last report, after []report) {
	t.Helper()
	for _, r := range after {
		var want uint64
		if r.Epoch == last.Epoch && r.Seq > last.Seq {
			want = r.Seq - last.Seq - 1
			last = r
		}
		if r.Dropped != want {
			t.Fatalf("seq %d: dropped %d, want %d (the packets missing before it)", r.Seq, r.Dropped, want)
		}
	}
}

// noDrops reads count packets and fails at a drop: a packet that says
// packets were dropped before it, or a dropped event.
func (n *node) noDrops(count int) {
	n.t.Helper()
	for got, deadline := 0, time.Now().Add(30*time.Second); got < count; {
		r := n.next(time.Until(deadline))
		switch {
		case r == nil:
			n.t.Fatalf("got %d of %d packets", got, count)
		case r.Event == transport.EventDropped.String() || r.Dropped > 0:
			n.t.Fatalf("after %d packets: a drop (%+v) without falling behind", got, *r)
		case r.Packet:
			got++
		}
	}
}

// pause stops n's process for d.
func pause(t *testing.T, n *node, d time.Duration) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(d)
	if err := n.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
}

// subscriberForgotten bounds how long a publisher keeps a subscription
// whose subscriber came back with a new one: the keepalive's two halves.
const subscriberForgotten = 3 * pauseKeepalive

// forgetsTheDead waits up to d for the publisher to list one subscriber.
func (n *node) forgetsTheDead(d time.Duration) {
	n.t.Helper()
	var seen []int
	for deadline := time.Now().Add(d); time.Now().Before(deadline); {
		if seen = append(seen, n.subscribers()); seen[len(seen)-1] == 1 {
			return
		}
	}
	n.t.Fatalf("the publisher listed %v subscribers, each second, want 1", seen)
}

// subscribers skips what the publisher reported so far and waits for its
// next report of its topic's subscribers.
func (n *node) subscribers() int {
	n.t.Helper()
	for len(n.lines) > 0 {
		<-n.lines
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := n.next(time.Until(deadline))
		if r == nil {
			n.t.Fatal("the publisher did not report its subscribers")
		}
		if r.Subs != nil {
			return *r.Subs
		}
	}
}

// The recovery after long pauses with the default keepalive, measured by
// hand (docs/remote.md): GOPLINE_PAUSES=5s,30s,60s,120s go test -run
// TestPauseRecoveryTimes -v ./transport/remote.
func TestPauseRecoveryTimes(t *testing.T) {
	list := os.Getenv("GOPLINE_PAUSES")
	if list == "" {
		t.Skip("set GOPLINE_PAUSES to a list of pauses, such as 5s,30s,60s,120s")
	}
	for _, text := range strings.Split(list, ",") {
		d, err := time.ParseDuration(text)
		if err != nil {
			t.Fatal(err)
		}
		life := d + time.Minute
		pub := startChild(t, "pub", childArgs{Lifetime: life})
		sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam", Lifetime: life})
		sub.packets(20)
		pause(t, sub, d)
		start := time.Now()
		// The first packet captured after the pause, not one in flight
		// before it, ends the wait.
		deadline := start.Add(time.Minute)
		var lost time.Duration
		for {
			r := sub.next(time.Until(deadline))
			if r == nil {
				t.Fatalf("pause %v: no packet again within a minute", d)
			}
			if r.Event == transport.EventLivelinessLost.String() && lost == 0 {
				lost = time.Since(start)
			}
			if r.Packet && r.Capture >= start.UnixNano() {
				told := "kept"
				if lost > 0 {
					told = fmt.Sprintf("lost, told %v after it ended", lost.Round(10*time.Millisecond))
				}
				t.Logf("pause %v: frames again %v after it ended (subscription %s; first packet replayed: %v)",
					d, time.Since(start).Round(10*time.Millisecond), told, r.Replayed)
				break
			}
		}
		pub.kill()
		sub.kill()
	}
}
