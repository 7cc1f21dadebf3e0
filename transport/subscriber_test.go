package transport

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// sent records what a Subscriber sends, without an actor system.
type sent struct{ msgs []any }

func (s *sent) send(to *actor.PID, msg any) { s.msgs = append(s.msgs, msg) }

func (s *sent) take() []any { m := s.msgs; s.msgs = nil; return m }

func newTestSubscriber(t *testing.T, out *sent) *Subscriber {
	t.Helper()
	prof := qos.DurableVideo()
	sub, err := NewSubscriber(SubscriberConfig{Topic: "/cam", Broker: actor.NewPID("local", "broker"),
		Self: actor.NewPID("local", "me"), Send: out.send, Window: 4, QoS: &prof, Owner: testOwner})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestSubscriberSubscribesWithItsProfile(t *testing.T) {
	var out sent
	sub := newTestSubscriber(t, &out)
	sub.Subscribe()
	msgs := out.take()
	s, ok := msgs[0].(*Subscribe)
	if len(msgs) != 1 || !ok || s.Window != 4 || s.QoS == nil || s.QoS.Durability != qos.TransientLocal || s.Subscriber.Id != "me" {
		t.Fatalf("Subscribe sent %#v", msgs)
	}
}

func TestSubscriberAcknowledgesEachDeliveryOnce(t *testing.T) {
	var out sent
	sub := newTestSubscriber(t, &out)
	replayed := &media.Packet{Key: true, Replay: media.Replay{Replayed: true}}
	for _, p := range []*media.Packet{replayed, {Seq: 1}, {Seq: 2}} {
		r, ok := sub.Handle(&Delivery{Topic: "/cam", Packet: p, Dropped: p.Seq})
		if !ok || r.Packet != p || r.Dropped != p.Seq || r.Event != nil || r.Ended {
			t.Fatalf("Delivery of %+v handled as %+v, %v", p, r, ok)
		}
	}
	if sub.Pending() != 3 {
		t.Fatalf("%d pending, want 3", sub.Pending())
	}
	sub.Ack()
	sub.AckAll()
	sub.Ack() // nothing left: no credit is made up
	msgs := out.take()
	if len(msgs) != 3 || sub.Pending() != 0 {
		t.Fatalf("acks sent %d, pending %d; want 3 and 0", len(msgs), sub.Pending())
	}
	for _, m := range msgs {
		if a, ok := m.(*Ack); !ok || a.Subscriber.Id != "me" {
			t.Fatalf("sent %#v, want an Ack from me", m)
		}
	}
}

func TestSubscriberTellsWhatEachMessageMeans(t *testing.T) {
	var out sent
	sub := newTestSubscriber(t, &out)
	ev := &Event{Topic: "/cam", Kind: EventLivelinessLost}
	cases := []struct {
		name string
		msg  any
		want Received
		ok   bool
	}{
		{"event", ev, Received{Event: ev}, true},
		{"subscribed", &Subscribed{Topic: "/cam"}, Received{}, true},
		{"another topic's delivery", &Delivery{Topic: "/other", Packet: &media.Packet{}}, Received{}, false},
		{"another topic's event", &Event{Topic: "/other"}, Received{}, false},
		{"another topic's end", &EndOfStream{Topic: "/other"}, Received{}, false},
		{"not a topic message", "tick", Received{}, false},
		{"end of stream", &EndOfStream{Topic: "/cam", Dropped: 7}, Received{Ended: true, Dropped: 7}, true},
	}
	for _, c := range cases {
		r, ok := sub.Handle(c.msg)
		if ok != c.ok || !reflect.DeepEqual(r, c.want) {
			t.Errorf("%s: got %+v, %v; want %+v, %v", c.name, r, ok, c.want, c.ok)
		}
	}
	if sub.Pending() != 0 || len(out.take()) != 0 {
		t.Fatal("messages of other topics changed the window or sent something")
	}
}

// testOwner owns the test subscriber's publishers.
var testOwner = NewOwner()

func TestSubscriberFarewellWaitsForTheOwnersPublishers(t *testing.T) {
	var out sent
	sub := newTestSubscriber(t, &out)
	if !sub.Halt() || sub.Halt() {
		t.Fatal("Halt sends one farewell")
	}
	msgs := out.take()
	u, ok := msgs[0].(*Unsubscribe)
	if len(msgs) != 1 || !ok || !u.Farewell || u.AfterPublishersOf != testOwner {
		t.Fatalf("Halt sent %#v", msgs)
	}
	if r, _ := sub.Handle(&EndOfStream{Topic: "/cam"}); !r.Ended {
		t.Fatal("the farewell's answer does not end the stream")
	}
	sub.Close() // the topic already forgot the subscriber
	if msgs := out.take(); len(msgs) != 0 {
		t.Fatalf("Close after an answered farewell sent %#v", msgs)
	}
}

func TestSubscriberClosesOnce(t *testing.T) {
	cases := []struct {
		name   string
		before func(*Subscriber)
	}{
		{"running", func(*Subscriber) {}},
		{"after the end of stream", func(s *Subscriber) { s.Handle(&EndOfStream{Topic: "/cam"}) }},
		{"after an unanswered farewell", func(s *Subscriber) { s.Halt() }},
	}
	for _, c := range cases {
		var out sent
		sub := newTestSubscriber(t, &out)
		c.before(sub)
		out.take()
		sub.Close()
		sub.Close()
		msgs := out.take()
		if u, ok := msgs[0].(*Unsubscribe); len(msgs) != 1 || !ok || u.Farewell {
			t.Errorf("%s: Close sent %#v, want one plain Unsubscribe", c.name, msgs)
		}
		if sub.Halt() {
			t.Errorf("%s: Halt after Close sent a farewell", c.name)
		}
	}
}

func TestSubscriberForwardsKeyframeRequests(t *testing.T) {
	var out sent
	sub := newTestSubscriber(t, &out)
	sub.RequestKeyframe()
	if k, ok := out.take()[0].(*KeyframeRequest); !ok || k.Topic != "/cam" || k.Subscriber.Id != "me" {
		t.Fatalf("sent %#v", k)
	}
}

func TestNewSubscriberRefusesAnIncompleteConfig(t *testing.T) {
	pid := actor.NewPID("local", "x")
	send := func(*actor.PID, any) {}
	if _, err := NewSubscriber(SubscriberConfig{Topic: "cam", Broker: pid, Self: pid, Send: send}); !errors.Is(err, ErrInvalidTopicName) {
		t.Errorf("a bad topic name: %v", err)
	}
	for _, cfg := range []SubscriberConfig{
		{Topic: "/cam", Self: pid, Send: send},
		{Topic: "/cam", Broker: pid, Send: send},
		{Topic: "/cam", Broker: pid, Self: pid},
	} {
		if _, err := NewSubscriber(cfg); !errors.Is(err, ErrSubscriberConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

// subscriberActor drives a Subscriber from an actor, as gopline's
// subscribers do, acknowledging each delivery at once.
type subscriberActor struct {
	cfg SubscriberConfig
	sub *Subscriber
	got chan<- Received
}

type haltNow struct{}

func (a *subscriberActor) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		cfg := a.cfg
		cfg.Self, cfg.Send = ctx.Self(), ctx.Send
		a.sub, _ = NewSubscriber(cfg)
		a.sub.Subscribe()
	case haltNow:
		a.sub.Halt()
	default:
		if r, ok := a.sub.Handle(ctx.Message()); ok && (r.Packet != nil || r.Ended || r.Event != nil) {
			if r.Packet != nil {
				a.sub.Ack()
			}
			a.got <- r
		}
	}
}

// TestSubscriberAgainstABroker: a late joiner of a durable topic gets the
// cached GOP marked and then live packets, and its farewell is answered
// with the end of the stream.
func TestSubscriberAgainstABroker(t *testing.T) {
	f := newFixture(t, WithDefaultQoS(qos.DurableVideo()))
	f.publish(5, 3) // GOPs at 0 and 3: the cache holds 3, 4
	f.flush()
	got := make(chan Received, 64)
	pid := f.sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &subscriberActor{cfg: SubscriberConfig{Topic: "/test/camera", Broker: f.topic, Window: 8}, got: got}
	}))
	next := func() Received {
		t.Helper()
		select {
		case r := <-got:
			return r
		case <-time.After(testTimeout):
			t.Fatal("nothing received")
		}
		return Received{}
	}
	for _, seq := range []uint64{3, 4} {
		if r := next(); r.Packet == nil || r.Packet.Seq != seq || !r.Packet.Replay.Replayed {
			t.Fatalf("want replayed packet %d, got %+v", seq, r)
		}
	}
	f.flush()
	f.publish(1, 3)
	if r := next(); r.Packet == nil || r.Packet.Seq != 5 || r.Packet.Replay.Replayed {
		t.Fatalf("want live packet 5, got %+v", r)
	}
	f.sys.Root.Send(pid, haltNow{})
	if r := next(); !r.Ended {
		t.Fatalf("want the end of the stream, got %+v", r)
	}
	if st := f.flush(); len(st.Subscribers) != 0 {
		t.Fatalf("the topic still has subscribers after the farewell: %+v", st.Subscribers)
	}
}
