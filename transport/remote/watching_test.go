package remote

import (
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/wire"
)

// A peer's actor.Watch, actor.Unwatch and actor.Terminated are dropped and
// counted, however many and however long their names: a flood of Watches
// adds no watcher to the gateway, and the stream stays open. A stream that
// claims the node's own address is refused.
func TestPeersWatchingMessagesAreDropped(t *testing.T) {
	sys := quietSystem()
	defer sys.Shutdown()
	n, err := Start(sys, transport.NewBus(sys), Config{Listen: "127.0.0.1:0", Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	const claim = "127.0.0.1:9"
	p := newPoser(t, n.Addr(), claim)
	gateway := actor.NewPID(n.Addr(), gatewayName)
	long := strings.Repeat("w", 60000)
	const sent = 300
	for i := range sent / 3 {
		watcher := actor.NewPID(claim, long[:1000+i])
		for _, err := range []error{
			p.send("actor.Watch", &actor.Watch{Watcher: watcher}, gateway, nil),
			p.send("actor.Unwatch", &actor.Unwatch{Watcher: watcher}, gateway, nil),
			p.send("actor.Terminated", &actor.Terminated{Who: actor.NewPID(claim, "x")}, actor.NewPID(n.Addr(), linkPrefix+"1"), nil),
		} {
			if err != nil {
				t.Fatalf("the poser's stream ended: %v", err)
			}
		}
	}
	for deadline := time.Now().Add(30 * time.Second); n.DroppedWatching() < sent; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d watching messages counted", n.DroppedWatching(), sent)
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-p.ended:
		t.Fatalf("the node ended the stream: %v", err)
	default:
	}

	self := newPoser(t, n.Addr(), n.Addr())
	self.send("gopline.wire.v1.TopicsRequest", &wire.TopicsRequest{}, gateway, nil)
	select {
	case err := <-self.ended:
		if !strings.Contains(err.Error(), "as its own") {
			t.Fatalf("the node ended the stream with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the node kept a stream that claimed its own address")
	}
}

// A forged Terminated does not disarm either end's watch: after one, the
// end of the other's process (kill -9) is still noticed, by the publisher
// (the subscription ends) and by the subscriber (told its publisher is
// lost).
func TestForgedTerminatedThenAKilledPeerIsNoticed(t *testing.T) {
	pub := startChild(t, "pub", childArgs{})
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam"})
	sub.packets(5)
	link := actor.NewPID(sub.addr, linkPrefix+"1")
	proxy := actor.NewPID(pub.addr, gatewayName+"/"+proxyPrefix+"1")
	toPub := newPoser(t, pub.addr, sub.addr)
	toSub := newPoser(t, sub.addr, pub.addr)
	if err := toPub.send("actor.Terminated", &actor.Terminated{Who: link}, proxy, nil); err != nil {
		t.Fatal(err)
	}
	if err := toSub.send("actor.Terminated", &actor.Terminated{Who: proxy}, link, nil); err != nil {
		t.Fatal(err)
	}
	sub.packets(20) // the forgeries were taken, and the subscription stands

	// The subscriber's process dies: the publisher's end of it ends.
	sub.kill()
	for deadline := time.Now().Add(time.Minute); ; {
		r := pub.next(time.Until(deadline))
		if r == nil {
			t.Fatal("the publisher kept the subscription of a killed subscriber")
		}
		if r.Subs != nil && *r.Subs == 0 {
			break
		}
	}

	// And the other way round, with a new subscriber.
	sub2 := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam"})
	sub2.packets(5)
	proxy2 := actor.NewPID(pub.addr, gatewayName+"/"+proxyPrefix+"2")
	toSub2 := newPoser(t, sub2.addr, pub.addr)
	link2 := actor.NewPID(sub2.addr, linkPrefix+"1")
	if err := toSub2.send("actor.Terminated", &actor.Terminated{Who: proxy2}, link2, nil); err != nil {
		t.Fatal(err)
	}
	sub2.packets(20)
	pub.kill()
	sub2.waitEvent(transport.EventLivelinessLost)
}

// A Subscribe that names another peer's link (which any peer can write)
// makes an end that sends the link its answer and nothing more, and ends
// when the link does not answer with the key.
func TestForgedSubscribesEndUnanswered(t *testing.T) {
	sys := quietSystem()
	defer sys.Shutdown()
	_, gateway, publish := publishing(t, sys)
	link, got := envelopes(sys)
	const forged = 5
	ended := make(chan *actor.PID, forged)
	for range forged {
		sys.Root.RequestWithCustomSender(gateway, &wire.Subscribe{Topic: "/cam", Key: newSubscriptionKey()}, link)
		_, proxy := await[*wire.Subscribed](t, got, "subscription")
		sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			switch m := ctx.Message().(type) {
			case *actor.Started:
				ctx.Watch(proxy)
			case *actor.Terminated:
				ended <- m.Who
			}
		}))
	}
	for range 20 {
		publish()
	}
	for i := range forged {
		select {
		case <-ended:
		case s := <-got:
			t.Fatalf("the link got %T", s.msg)
		case <-time.After(time.Minute):
			t.Fatalf("%d of %d unanswered subscriptions ended", i, forged)
		}
	}
	select {
	case s := <-got:
		t.Fatalf("the link got %T", s.msg)
	default:
	}
}

// A refusal for a limit the node is at is tried again: the subscriber is
// told its publisher is lost, not that it was refused; another refusal
// ends the subscription.
func TestLimitRefusalIsRetried(t *testing.T) {
	sys := quietSystem()
	defer sys.Shutdown()
	n := testNode(sys)
	l := newTestLink(t, n, "127.0.0.1:1", "/cam")
	link := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return l }))
	defer sys.Root.Stop(link)
	sub, got := envelopes(sys)
	gateway, _ := envelopes(sys)
	sys.Root.Send(link, &transport.Subscribe{Subscriber: sub})
	sys.Root.RequestWithCustomSender(link, &wire.Refused{Topic: "/cam", Reason: "the node serves 1024 subscriptions already", Key: l.key, Again: true}, gateway)
	for {
		m, _ := await[*transport.Event](t, got, "event")
		if m.Kind == transport.EventRefused {
			t.Fatalf("a refusal for a limit ended the subscription: %v", m.Err)
		}
		if m.Kind == transport.EventLivelinessLost {
			break
		}
	}
	sys.Root.RequestWithCustomSender(link, &wire.Refused{Topic: "/cam", Reason: "bad QoS", Key: l.key}, gateway)
	for {
		m, _ := await[*transport.Event](t, got, "event")
		if m.Kind == transport.EventRefused {
			break
		}
	}
	await[*transport.EndOfStream](t, got, "end of stream")
}
