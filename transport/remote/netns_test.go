package remote

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/netnstest"
	"github.com/gopline/gopline/transport"
)

// hostPair is two network namespaces joined by a veth pair: two hosts on
// one /24, with nothing of either in the test's own namespace.
type hostPair struct {
	a, b         string // namespace names
	addrA, addrB string // without the prefix length
	vethA        string // A's end of the link, named inside A
}

// Bounds of the test. A node notices a silent link by gRPC's keepalive (see
// Start): within 5 s while it has data unacknowledged, since gRPC makes the
// keepalive timeout the socket's TCP_USER_TIMEOUT, and within 10 + 5 s on an
// idle link. Reconnecting takes at most the link's longest backoff and a
// probe. The children stop themselves after a minute (runChild), so the
// whole test, from the publisher's start, must fit in that.
const (
	netnsCutNoticed  = 35 * time.Second
	netnsReconnected = 15 * time.Second
)

// newHostPair makes the namespaces and the link, and removes them when the
// test ends. It skips the test where the machine does not allow it.
func newHostPair(t *testing.T) *hostPair {
	t.Helper()
	p := netnstest.New(t, "gopline", 213)
	return &hostPair{a: p.A, b: p.B, addrA: p.AddrA, addrB: p.AddrB, vethA: netnstest.VethA}
}

// ip runs an ip command inside namespace ns.
func (h *hostPair) ip(t *testing.T, ns string, args ...string) {
	t.Helper()
	args = append([]string{"-n", ns}, args...)
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, trimmed(out))
	}
}

// cut takes A's end of the link down: nothing passes either way, and
// neither side is told (no reset, no closed socket), as when a cable is
// pulled between two hosts.
func (h *hostPair) cut(t *testing.T) { h.ip(t, h.a, "link", "set", h.vethA, "down") }

func (h *hostPair) restore(t *testing.T) { h.ip(t, h.a, "link", "set", h.vethA, "up") }

func trimmed(out []byte) string { return strings.TrimSpace(string(out)) }

// startChildInNetns is startChild for a child inside namespace ns: the test
// binary again, run by `ip netns exec`, which execs it (so the node's
// process is the child's own, and kill ends it).
func startChildInNetns(t *testing.T, ns, role string, a childArgs) *node {
	t.Helper()
	return startChildWith(t, []string{"ip", "netns", "exec", ns}, role, a)
}

// awaitEvent waits up to d for an event of the given kind, skipping
// anything else, and returns how long it took. Unlike node.waitEvent it
// takes its bound and tells a child that ended from one that is silent.
func awaitEvent(n *node, kind transport.EventKind, d time.Duration) time.Duration {
	n.t.Helper()
	start := time.Now()
	timeout := time.After(d)
	for {
		select {
		case r, ok := <-n.lines:
			if !ok {
				n.t.Fatalf("the node ended before a %v event", kind)
			}
			if r.Event == kind.String() {
				return time.Since(start)
			}
		case <-timeout:
			n.t.Fatalf("no %v event within %v", kind, d)
		}
	}
}

// Two hosts, the link between them cut and restored as soon as the cut is
// noticed (a link that flaps): the subscriber notices the silent link by
// keepalive alone, says so, reconnects once the link is back, and receives
// whole GOPs again, in order.
func TestTwoHostsInNetworkNamespaces(t *testing.T) {
	if testing.Short() {
		t.Skip("cuts a link between two network namespaces and waits for keepalive to notice it")
	}
	h := newHostPair(t)
	pub := startChildInNetns(t, h.a, "pub", childArgs{Listen: h.addrA + ":0"})
	// The subscriber listens on the link too: the publisher's node sends
	// the deliveries back by a connection of its own.
	sub := startChildInNetns(t, h.b, "sub", childArgs{Listen: h.addrB + ":0", Addr: pub.addr, Topic: "/cam"})
	before := sub.packets(30)
	checkContinuous(t, before)

	h.cut(t)
	noticed := awaitEvent(sub, transport.EventLivelinessLost, netnsCutNoticed)
	t.Logf("the cut was noticed after %v", noticed.Round(100*time.Millisecond))

	after := h.restoreAndResubscribe(t, sub)
	if after[0].Epoch != before[0].Epoch || after[0].Seq <= before[len(before)-1].Seq {
		t.Errorf("after the reconnect: epoch %d seq %d, before the cut: epoch %d seq %d",
			after[0].Epoch, after[0].Seq, before[0].Epoch, before[len(before)-1].Seq)
	}
	checkContinuous(t, after)
}

// restoreAndResubscribe restores the link and returns the subscriber's
// next 30 packets once it is back, the first from the cached GOP.
func (h *hostPair) restoreAndResubscribe(t *testing.T, sub *node) []report {
	t.Helper()
	h.restore(t)
	back := awaitEvent(sub, transport.EventLivelinessRegained, netnsReconnected)
	t.Logf("the subscriber was back %v after the link", back.Round(100*time.Millisecond))
	after := sub.packets(30)
	if !after[0].Replayed {
		t.Errorf("the first packet after the reconnect (seq %d) is not the cached GOP's", after[0].Seq)
	}
	return after
}

// Two hosts, the link between them cut for longer than the keepalive
// (short here: the failure mode of a long cut with the default): both ends
// drop the subscription, and when the link is back the subscriber takes it
// up again and gets the cached GOP first, within a few seconds.
func TestLinkCutLongerThanTheKeepaliveComesBack(t *testing.T) {
	if testing.Short() {
		t.Skip("cuts a link between two network namespaces")
	}
	h := newHostPair(t)
	pub := startChildInNetns(t, h.a, "pub", childArgs{Listen: h.addrA + ":0", Keepalive: pauseKeepalive})
	sub := startChildInNetns(t, h.b, "sub", childArgs{Listen: h.addrB + ":0", Addr: pub.addr, Topic: "/cam", Keepalive: pauseKeepalive})
	checkContinuous(t, sub.packets(30))
	h.cut(t)
	// gRPC pings at most every 10 s on the connections a node makes,
	// which is how the subscriber's node learns of a silent link when
	// nothing it sent waits for an acknowledgement.
	awaitEvent(sub, transport.EventLivelinessLost, 10*time.Second+5*pauseKeepalive)
	time.Sleep(4 * pauseKeepalive)
	checkContinuous(t, h.restoreAndResubscribe(t, sub))
	pub.forgetsTheDead(subscriberForgotten)
}

// The recovery after long cuts of the link with the default keepalive,
// measured by hand (docs/remote.md): GOPLINE_CUTS=5s,30s,60s,120s go test
// -run TestCutRecoveryTimes -v ./transport/remote.
func TestCutRecoveryTimes(t *testing.T) {
	list := os.Getenv("GOPLINE_CUTS")
	if list == "" {
		t.Skip("set GOPLINE_CUTS to a list of cuts, such as 5s,30s,60s,120s")
	}
	for _, text := range strings.Split(list, ",") {
		d, err := time.ParseDuration(text)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(text, func(t *testing.T) { measureCut(t, d) })
	}
}

// measureCut cuts the link between a publisher and its subscriber for d
// and logs how long after the link is back frames flow again.
func measureCut(t *testing.T, d time.Duration) {
	h := newHostPair(t)
	life := d + time.Minute
	pub := startChildInNetns(t, h.a, "pub", childArgs{Listen: h.addrA + ":0", Lifetime: life})
	sub := startChildInNetns(t, h.b, "sub", childArgs{Listen: h.addrB + ":0", Addr: pub.addr, Topic: "/cam", Lifetime: life})
	sub.packets(20)
	h.cut(t)
	time.Sleep(d)
	h.restore(t)
	start := time.Now()
	var lost bool
	var got []report
	for deadline := start.Add(time.Minute); len(got) < 30; {
		r := sub.next(time.Until(deadline))
		if r == nil {
			t.Fatalf("cut %v: no packet again within a minute", d)
		}
		lost = lost || r.Event == transport.EventLivelinessLost.String()
		// The first packet captured after the cut, or the cached GOP
		// after the subscription was lost, ends the wait.
		if r.Packet && (len(got) > 0 || r.Capture >= start.UnixNano() || lost && r.Replayed) {
			if len(got) == 0 {
				t.Logf("cut %v: frames again %v after it ended (subscription lost: %v; first replayed: %v)",
					d, time.Since(start).Round(10*time.Millisecond), lost, r.Replayed)
			}
			got = append(got, *r)
		}
	}
	if lost {
		checkContinuous(t, got)
	}
}
