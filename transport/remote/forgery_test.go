package remote

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/wire"
)

// sent is a message an envelope recorder got, with its sender.
type sent struct {
	msg    any
	sender *actor.PID
}

// envelopes is an actor that hands every message it gets, with its
// sender, to a channel.
func envelopes(sys *actor.ActorSystem) (*actor.PID, chan sent) {
	ch := make(chan sent, 1024)
	pid := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case *actor.Started, *actor.Stopping, *actor.Stopped:
		default:
			ch <- sent{ctx.Message(), ctx.Sender()}
		}
	}))
	return pid, ch
}

// await returns the next message of type T on ch, skipping others.
func await[T any](t *testing.T, ch chan sent, what string) (T, *actor.PID) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case s := <-ch:
			if m, ok := s.msg.(T); ok {
				return m, s.sender
			}
		case <-deadline:
			var zero T
			t.Fatalf("no %s", what)
			return zero, nil
		}
	}
}

// handled returns once the link handled the messages sent to it before:
// protoactor hands an actor its system messages (a Terminated) before
// the others waiting in its mailbox. The link's end must be proxy, whose
// messages come to toProxy.
func handled(t *testing.T, sys *actor.ActorSystem, link *actor.PID, toProxy chan sent) {
	t.Helper()
	sys.Root.Send(link, &transport.KeyframeRequest{})
	await[*wire.KeyframeRequest](t, toProxy, "keyframe request passed on")
}

// terminate tells pid that who stopped, as protoactor tells a watcher:
// what a peer's forged actor.Terminated comes to.
func terminate(t *testing.T, sys *actor.ActorSystem, pid, who *actor.PID, why actor.TerminatedReason) {
	t.Helper()
	p, ok := sys.ProcessRegistry.GetLocal(pid.Id)
	if !ok {
		t.Fatalf("no actor %v", pid)
	}
	p.SendSystemMessage(pid, &actor.Terminated{Who: who, Why: why})
}

// publishing starts a topic on a gateway of a node without a network and
// returns the gateway and a function that publishes the next packet.
func publishing(t *testing.T, sys *actor.ActorSystem) (n *Node, gateway *actor.PID, publish func()) {
	t.Helper()
	n = testNode(sys)
	n.bus = transport.NewBus(sys)
	topic, err := n.bus.Topic("/cam")
	if err != nil {
		t.Fatal(err)
	}
	gateway, err = sys.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return newGateway(n) }), gatewayName)
	if err != nil {
		t.Fatal(err)
	}
	src := &source{epoch: 1, gop: 10}
	return n, gateway, func() { sys.Root.Send(topic, &transport.Publish{Packet: src.next()}) }
}

// A Subscribe without a key gets a refusal that says so, not silence.
func TestSubscriptionWithoutAKeyIsRefused(t *testing.T) {
	sys := quietSystem()
	defer sys.Shutdown()
	_, gateway, _ := publishing(t, sys)
	link, got := envelopes(sys)
	for _, key := range [][]byte{nil, make([]byte, 8)} {
		sys.Root.RequestWithCustomSender(gateway, &wire.Subscribe{Topic: "/cam", Key: key}, link)
		m, _ := await[*wire.Refused](t, got, "refusal")
		if !strings.Contains(m.Reason, "key") {
			t.Fatalf("key of %d bytes refused for %q", len(key), m.Reason)
		}
	}
}

// The node's end of a subscription takes acknowledgements, keyframe
// requests and unsubscribes only with the subscription's key, and ends the
// subscription on a Terminated only when its link does not answer.
func TestProxyRefusesForgedMessages(t *testing.T) {
	sys := quietSystem()
	defer sys.Shutdown()
	n, gateway, publish := publishing(t, sys)
	link, got := envelopes(sys)
	key := newSubscriptionKey()
	sys.Root.RequestWithCustomSender(gateway, &wire.Subscribe{Topic: "/cam", Window: 1, Key: key}, link)
	ok, proxy := await[*wire.Subscribed](t, got, "subscription")
	if !key.matches(ok.Key) {
		t.Fatalf("Subscribed carries key %x, want %x", ok.Key, key)
	}
	// The link's keyed answer lets the subscription begin.
	sys.Root.RequestWithCustomSender(proxy, &wire.Confirmed{Key: key}, link)
	// deliver publishes a packet and returns its delivery, which must
	// carry the key. With a window of 1, each delivery needs the ack of
	// the one before it.
	deliver := func() *wire.Delivery {
		t.Helper()
		publish()
		d, _ := await[*wire.Delivery](t, got, "delivery")
		if !key.matches(d.Key) {
			t.Fatalf("a delivery carries key %x", d.Key)
		}
		return d
	}
	deliver()
	forged := n.ForgedMessages()
	for _, wrong := range [][]byte{nil, newSubscriptionKey()} {
		// The link's own name as sender: what a peer can write.
		sys.Root.RequestWithCustomSender(proxy, &wire.Ack{Count: 1000, Key: wrong}, link)
		sys.Root.RequestWithCustomSender(proxy, &wire.KeyframeRequest{Key: wrong}, link)
		sys.Root.RequestWithCustomSender(proxy, &wire.Unsubscribe{Key: wrong}, link)
		sys.Root.RequestWithCustomSender(proxy, &wire.Confirmed{Key: wrong}, link)
	}
	// A forged Terminated naming the link: the proxy asks the link, which
	// answers.
	terminate(t, sys, proxy, link, actor.TerminatedReason_Stopped)
	c, _ := await[*wire.Confirm](t, got, "confirm")
	if !key.matches(c.Key) {
		t.Fatalf("Confirm carries key %x", c.Key)
	}
	sys.Root.RequestWithCustomSender(proxy, &wire.Confirmed{Key: key}, link)
	sys.Root.RequestWithCustomSender(proxy, &wire.Ack{Count: 1, Key: key}, link)
	deliver() // the subscription stands, and the forged acks credited nothing more
	if got := n.ForgedMessages() - forged; got != 8 {
		t.Fatalf("%d forged messages counted, want 8", got)
	}

	// A Terminated that the link does not answer ends the subscription
	// after confirmTimeout.
	watcher := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *actor.Started:
			ctx.Watch(proxy)
		case *actor.Terminated:
			got <- sent{msg: m}
		}
	}))
	defer sys.Root.Stop(watcher)
	began := time.Now()
	terminate(t, sys, proxy, link, actor.TerminatedReason_Stopped)
	await[*wire.Confirm](t, got, "confirm")
	if m, _ := await[*actor.Terminated](t, got, "end of the subscription"); !m.Who.Equal(proxy) {
		t.Fatalf("%v stopped", m.Who)
	}
	if waited := time.Since(began); waited < confirmTimeout {
		t.Fatalf("the subscription ended after %v, before the link could answer", waited)
	}
}

// The link takes from the node only what carries its key: a peer that
// names the node's end as sender cannot slip a packet in, nor end or
// refuse the subscription.
func TestLinkRefusesForgedMessages(t *testing.T) {
	sys := quietSystem()
	defer sys.Shutdown()
	n := testNode(sys)
	sub, got := envelopes(sys)
	proxy, toProxy := envelopes(sys)
	link, key := subscribedTestLink(t, n, sub, proxy)

	src := &source{epoch: 1, gop: 10}
	evil := packetToWire((&source{epoch: 12345, seq: 1 << 40, gop: 10}).next())
	wrongKey := newSubscriptionKey()
	for _, wrong := range [][]byte{nil, wrongKey} {
		sys.Root.RequestWithCustomSender(link, &wire.DeliveryPart{Data: []byte("evil"), Key: wrong}, proxy)
		sys.Root.RequestWithCustomSender(link, &wire.Delivery{Packet: evil, Key: wrong}, proxy)
		sys.Root.RequestWithCustomSender(link, &wire.Event{Kind: uint32(transport.EventDeadlineMissed), Key: wrong}, proxy)
		sys.Root.RequestWithCustomSender(link, &wire.EndOfStream{Key: wrong}, proxy)
		sys.Root.RequestWithCustomSender(link, &wire.Unsubscribe{Key: wrong}, proxy)
		sys.Root.RequestWithCustomSender(link, &wire.Refused{Topic: "/cam", Reason: "forged", Key: wrong}, proxy)
		// Another end, which would take the link's acks and key.
		sys.Root.RequestWithCustomSender(link, &wire.Subscribed{Topic: "/cam", Key: wrong}, sub)
		sys.Root.RequestWithCustomSender(link, &wire.Confirm{Key: wrong}, proxy)
	}
	handled(t, sys, link, toProxy)
	// A forged Terminated naming the node's end: the link asks it.
	terminate(t, sys, link, proxy, actor.TerminatedReason_Stopped)
	c, _ := await[*wire.Confirm](t, toProxy, "confirm")
	if !key.matches(c.Key) {
		t.Fatalf("Confirm carries key %x", c.Key)
	}
	sys.Root.RequestWithCustomSender(link, &wire.Confirmed{Key: key}, proxy)
	// And one naming the subscriber, which runs.
	terminate(t, sys, link, sub, actor.TerminatedReason_Stopped)

	real := packetToWire(src.next())
	sys.Root.RequestWithCustomSender(link, &wire.Delivery{Packet: real, Key: key}, proxy)
	for {
		s := <-got
		switch m := s.msg.(type) {
		case *transport.Delivery:
			if m.Packet.Epoch != 1 || m.Packet.Seq != 0 {
				t.Fatalf("the subscriber got packet %d of epoch %d", m.Packet.Seq, m.Packet.Epoch)
			}
			if forged := n.ForgedMessages(); forged != 16 {
				t.Fatalf("%d forged messages counted, want 16", forged)
			}
			// The link's acks go to the node's end, with the key.
			sys.Root.Send(link, &transport.Ack{})
			if a, _ := await[*wire.Ack](t, toProxy, "ack"); !key.matches(a.Key) {
				t.Fatalf("Ack carries key %x", a.Key)
			}
			return
		case *transport.Event:
			t.Fatalf("the subscriber got event %v (%v)", m.Kind, m.Err)
		case *transport.EndOfStream:
			t.Fatal("the subscriber's stream ended")
		}
	}
}

// A Terminated the node's end does not answer, and the node's own word
// that the connection ended, lose the subscription: the subscriber is
// told, and the link subscribes again.
func TestLinkLosesAnEndThatDoesNotAnswer(t *testing.T) {
	for _, why := range []actor.TerminatedReason{actor.TerminatedReason_Stopped, actor.TerminatedReason_AddressTerminated} {
		t.Run(why.String(), func(t *testing.T) {
			sys := quietSystem()
			defer sys.Shutdown()
			n := testNode(sys)
			sub, got := envelopes(sys)
			proxy, toProxy := envelopes(sys)
			link, _ := subscribedTestLink(t, n, sub, proxy)
			handled(t, sys, link, toProxy)
			began := time.Now()
			terminate(t, sys, link, proxy, why)
			for {
				m, _ := await[*transport.Event](t, got, "event")
				if m.Kind != transport.EventLivelinessLost {
					continue
				}
				waited := time.Since(began)
				if why == actor.TerminatedReason_Stopped && waited < confirmTimeout {
					t.Fatalf("lost after %v, before the node's end could answer", waited)
				}
				sys.Root.Stop(link)
				n.owned.Wait()
				return
			}
		})
	}
}

// poser speaks to the node at addr over protoactor's stream as the node
// at claim would: it knows what any peer can learn of a subscription (the
// names of its ends, which a topic listing shows), not its key.
type poser struct {
	t      *testing.T
	stream remote.Remoting_ReceiveClient
	// ended gets how the node ended the stream.
	ended chan error
}

func newPoser(t *testing.T, addr, claim string) *poser {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); conn.Close() })
	stream, err := remote.NewRemotingClient(conn).Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&remote.RemoteMessage{MessageType: &remote.RemoteMessage_ConnectRequest{
		ConnectRequest: &remote.ConnectRequest{ConnectionType: &remote.ConnectRequest_ServerConnection{
			ServerConnection: &remote.ServerConnection{SystemId: "poser", Address: claim}}}}}); err != nil {
		t.Fatal(err)
	}
	p := &poser{t: t, stream: stream, ended: make(chan error, 1)}
	go func() {
		for {
			if _, err := stream.Recv(); err != nil {
				p.ended <- err
				return
			}
		}
	}()
	return p
}

// send sends msg, of protoactor type name typ, to target with sender (nil:
// none).
func (p *poser) send(typ string, msg proto.Message, target, sender *actor.PID) error {
	data, err := proto.Marshal(msg)
	if err != nil {
		p.t.Fatal(err)
	}
	b := &remote.MessageBatch{TypeNames: []string{typ}, Targets: []*actor.PID{target},
		Envelopes: []*remote.MessageEnvelope{{MessageData: data}}}
	if sender != nil {
		b.Senders, b.Envelopes[0].Sender = []*actor.PID{sender}, 1
	}
	return p.stream.Send(&remote.RemoteMessage{MessageType: &remote.RemoteMessage_MessageBatch{MessageBatch: b}})
}

// The audit's attacks, across processes: a third peer that poses as the
// subscriber's node keeps sending the publisher's end of the subscription
// a Terminated naming the link, an unsubscribe and acks; one that poses
// as the publisher's node sends the link a keyframe of its own, a refusal
// and a Terminated naming the node's end. The subscriber gets every packet
// in order, nothing of the poser's, and is never told its publisher was
// lost; both nodes log the forged messages.
func TestPosersCannotEndOrFeedASubscription(t *testing.T) {
	pub := startChild(t, "pub", childArgs{})
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam"})
	link := actor.NewPID(sub.addr, linkPrefix+"1")
	proxy := actor.NewPID(pub.addr, gatewayName+"/"+proxyPrefix+"1")
	var ps []report
	next := func() {
		t.Helper()
		for {
			r := sub.next(15 * time.Second)
			switch {
			case r == nil:
				t.Fatalf("the subscriber got %d packets", len(ps))
			case r.Event != "":
				t.Fatalf("after %d packets, the subscriber was told %s", len(ps), r.Event)
			case r.Packet:
				if r.Epoch == 12345 {
					t.Fatalf("the subscriber got the poser's packet %d", r.Seq)
				}
				ps = append(ps, *r)
				return
			}
		}
	}
	for len(ps) < 10 {
		next() // subscribed
	}
	toPub := newPoser(t, pub.addr, sub.addr)
	toSub := newPoser(t, sub.addr, pub.addr)
	evil := packetToWire((&source{epoch: 12345, seq: 1 << 40, gop: 10}).next())
	for range 20 {
		for _, err := range []error{
			toPub.send("actor.Terminated", &actor.Terminated{Who: link}, proxy, nil),
			toPub.send("gopline.wire.v1.Unsubscribe", &wire.Unsubscribe{}, proxy, link),
			toPub.send("gopline.wire.v1.Ack", &wire.Ack{Count: 1000}, proxy, link),
			toSub.send("gopline.wire.v1.Delivery", &wire.Delivery{Packet: evil}, link, proxy),
			toSub.send("gopline.wire.v1.Refused", &wire.Refused{Topic: "/cam", Reason: "forged"}, link, proxy),
			toSub.send("actor.Terminated", &actor.Terminated{Who: proxy}, link, nil),
		} {
			if err != nil {
				t.Fatalf("the poser's stream ended: %v", err)
			}
		}
		for range 5 {
			next()
		}
	}
	for range 50 {
		next() // after the last forgeries
	}
	checkContinuous(t, ps)
	for _, n := range []*node{pub, sub} {
		if !n.stderr.Await("a forged message", logWait) {
			t.Errorf("the node at %s does not log the forged messages:\n%s", n.addr, n.stderr.String())
		}
	}
	// A peer that names a node other than the one its stream claimed is
	// refused, its stream closed.
	liar := newPoser(t, pub.addr, "127.0.0.1:9")
	liar.send("actor.Terminated", &actor.Terminated{Who: link}, proxy, nil)
	select {
	case err := <-liar.ended:
		if !strings.Contains(err.Error(), "not an actor of the stream's node") {
			t.Fatalf("the node ended the stream with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the node kept the stream of a peer that named another node")
	}
}
