package remote

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/backoff"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/wire"
)

// recorder is an actor that hands every message it gets to a channel.
func recorder(sys *actor.ActorSystem) (*actor.PID, chan any) {
	ch := make(chan any, 256)
	pid := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case *actor.Started, *actor.Stopping, *actor.Stopped:
		default:
			ch <- ctx.Message()
		}
	}))
	return pid, ch
}

// acks sums the wire.Acks the link has sent to its node's end, whose
// messages come to ch, before a keyframe request sent to it now: the link
// passes the request on to the same end, after them.
func acks(t *testing.T, sys *actor.ActorSystem, link *actor.PID, ch chan any) int {
	t.Helper()
	sys.Root.Send(link, &transport.KeyframeRequest{})
	n := 0
	deadline := time.After(30 * time.Second)
	for {
		select {
		case m := <-ch:
			switch m := m.(type) {
			case *wire.Ack:
				n += int(m.Count)
			case *wire.KeyframeRequest:
				return n
			}
		case <-deadline:
			t.Fatalf("the link did not pass a keyframe request on (%d acks before)", n)
		}
	}
}

// The link's accounting, driven without a network: the node's end is a
// local actor standing in for a proxy.
func TestLinkCountsInvalidPacketsAndKeepsOldAcksFromTheNewSubscription(t *testing.T) {
	sys := quietSystem()
	defer sys.Shutdown()
	sub, got := recorder(sys)
	proxyA, toA := recorder(sys)
	proxyB, toB := recorder(sys)
	link, key := subscribedTestLink(t, testNode(sys), sub, proxyA)

	src := &source{epoch: 1, gop: 10}
	bad := packetToWire(src.next())
	good1, good2 := packetToWire(src.next()), packetToWire(src.next())
	bad.Data = nil // does not validate
	for _, p := range []*wire.Packet{good1, bad, good2} {
		sys.Root.RequestWithCustomSender(link, &wire.Delivery{Packet: p, Key: key}, proxyA)
	}
	var ds []*transport.Delivery
	for len(ds) < 2 {
		select {
		case m := <-got:
			if d, ok := m.(*transport.Delivery); ok {
				ds = append(ds, d)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the subscriber got %d deliveries", len(ds))
		}
	}
	if ds[0].Dropped != 0 || ds[1].Dropped != 1 {
		t.Fatalf("dropped %d, %d: the invalid packet is not counted with the next delivery", ds[0].Dropped, ds[1].Dropped)
	}
	if n := acks(t, sys, link, toA); n != 1 {
		t.Fatalf("the node's end got %d acks for the invalid packet, want 1", n)
	}

	// The link subscribes anew (a reconnect): the subscriber's acks for
	// what came through the old subscription do not credit the new one.
	sys.Root.RequestWithCustomSender(link, &wire.Subscribed{Topic: "/cam", Key: key}, proxyB)
	sys.Root.Send(link, &transport.Ack{})
	sys.Root.Send(link, &transport.Ack{})
	if n := acks(t, sys, link, toB); n != 0 {
		t.Fatalf("the new subscription got %d acks meant for the old one", n)
	}
	sys.Root.RequestWithCustomSender(link, &wire.Delivery{Packet: packetToWire((&source{epoch: 2, gop: 10}).next()), Key: key}, proxyB)
	sys.Root.Send(link, &transport.Ack{})
	if n := acks(t, sys, link, toB); n != 1 {
		t.Fatalf("the new subscription got %d acks for its one delivery", n)
	}
}

// A link that never reached its node gives up after the node's
// GiveUpAfter: the subscriber is told why, and its stream ends.
func TestLinkGivesUpOnANodeItNeverReached(t *testing.T) {
	sys := quietSystem()
	defer sys.Shutdown()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nobody listens there now
	why, kinds := giveUp(t, sys, addr)
	if why == nil || !strings.Contains(why.Error(), "cannot reach the node at "+addr) ||
		!strings.Contains(why.Error(), "connection refused") {
		t.Fatalf("the stream ended with %v (events %v); want why", why, kinds)
	}
}

// giveUp subscribes a link of a node that gives up after 300 ms to the
// node at addr, and returns, once the link ended its stream, the last
// event's error and every event's kind.
func giveUp(t *testing.T, sys *actor.ActorSystem, addr string) (why error, kinds []transport.EventKind) {
	t.Helper()
	_, dialOpts := grpcOptions(Config{}, newGuard(Config{}))
	n := testNode(sys)
	n.dialOpts, n.giveUpAfter = dialOpts, 300*time.Millisecond
	link := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return newTestLink(t, n, addr, "/cam") }))
	sub, got := recorder(sys)
	sys.Root.Send(link, &transport.Subscribe{Subscriber: sub})
	timeout := time.After(time.Minute)
	for {
		select {
		case m := <-got:
			switch m := m.(type) {
			case *transport.Event:
				why, kinds = m.Err, append(kinds, m.Kind)
			case *transport.EndOfStream:
				n.owned.Wait()
				return why, kinds
			}
		case <-timeout:
			t.Fatalf("the link did not give up (last: %v)", why)
		}
	}
}

// testNode is a node for a link driven without a network.
func testNode(sys *actor.ActorSystem) *Node {
	return &Node{system: sys, log: zerolog.Nop(), guard: newGuard(Config{Log: zerolog.Nop()})}
}

// newTestLink is newLink with the backoff Dial gives a link.
func newTestLink(t *testing.T, n *Node, addr, topic string) *link {
	retry, err := backoff.New(reconnectPolicy, nil)
	if err != nil {
		t.Fatal(err)
	}
	return newLink(n, addr, topic, retry)
}

// subscribedTestLink spawns, in n's system, a link to /cam on a node that
// is never dialled, subscribes sub through it, and confirms the
// subscription as the node's end at proxy would: the tests then drive the
// link by sending as that end. It returns the link and its key.
func subscribedTestLink(t *testing.T, n *Node, sub, proxy *actor.PID) (*actor.PID, subscriptionKey) {
	t.Helper()
	l := newTestLink(t, n, "127.0.0.1:1", "/cam")
	link := n.system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return l }))
	n.system.Root.Send(link, &transport.Subscribe{Subscriber: sub})
	n.system.Root.RequestWithCustomSender(link, &wire.Subscribed{Topic: "/cam", Key: l.key}, proxy)
	return link, l.key
}

// A link whose subscription stalled subscribes again as its publisher goes
// on in the middle of a GOP: the new subscription's replay of the cached
// GOP, from its keyframe, holds what the subscriber had. The subscriber is
// passed only what is newer, so its pictures never go back in time, and
// the node's end gets its credit back for what was held back.
func TestLinkPassesNoReplayedPacketTheSubscriberHadAfterAResubscription(t *testing.T) {
	sys := quietSystem()
	defer sys.Shutdown()
	sub, got := recorder(sys)
	proxyA, _ := recorder(sys)
	proxyB, toB := recorder(sys)
	link, key := subscribedTestLink(t, testNode(sys), sub, proxyA)

	src := &source{epoch: 1, gop: 10}
	var gop []*media.Packet
	for range 7 {
		gop = append(gop, src.next())
	}
	for _, p := range gop[:5] { // the subscriber has 0..4; then the link stalls
		sys.Root.RequestWithCustomSender(link, &wire.Delivery{Packet: packetToWire(p), Key: key}, proxyA)
	}
	sys.Root.RequestWithCustomSender(link, &wire.Subscribed{Topic: "/cam", Key: key}, proxyB)
	for i, p := range gop { // the replay of the cached GOP 0..6
		r := p.Replayed(media.Replay{Last: i == len(gop)-1})
		sys.Root.RequestWithCustomSender(link, &wire.Delivery{Packet: packetToWire(r), Key: key}, proxyB)
	}
	sys.Root.RequestWithCustomSender(link, &wire.Delivery{Packet: packetToWire(src.next()), Key: key}, proxyB) // live 7

	var seqs []uint64
	for len(seqs) < 8 {
		select {
		case m := <-got:
			if d, ok := m.(*transport.Delivery); ok {
				if d.Dropped != 0 {
					t.Errorf("seq %d: %d dropped, want none: nothing was missed", d.Packet.Seq, d.Dropped)
				}
				seqs = append(seqs, d.Packet.Seq)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the subscriber got %v", seqs)
		}
	}
	for i, seq := range seqs {
		if seq != uint64(i) {
			t.Fatalf("the subscriber got %v, want 0..7 once each, in order", seqs)
		}
	}
	if n := acks(t, sys, link, toB); n != 5 {
		t.Fatalf("the new subscription got %d acks for the 5 packets held back, want 5", n)
	}
}

// A link to a port that takes the connection and closes it (a proxy whose
// way on is closed, a black hole past it) gives up in words, not
// protoactor's (AddressTerminated), and does not tell its subscriber that
// a node it never reached was lost.
func TestLinkToAPortThatClosesEveryConnectionGivesUpInWords(t *testing.T) {
	sys := quietSystem()
	defer sys.Shutdown()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close() // as a proxy does whose way on is closed
		}
	}()
	addr := l.Addr().String()
	why, kinds := giveUp(t, sys, addr)
	if slices.Contains(kinds, transport.EventLivelinessLost) {
		t.Errorf("the subscriber was told a node it never reached was lost: %v", kinds)
	}
	if why == nil || !strings.Contains(why.Error(), "cannot reach the node at "+addr) || strings.Contains(why.Error(), "AddressTerminated") {
		t.Fatalf("the stream ended with %v; want why, in words", why)
	}
}
