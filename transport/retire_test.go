package transport

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// waitTopics waits until the Bus's topics are want: a broker retires in a
// turn of its own, after the clock's tick.
func waitTopics(t *testing.T, bus *Bus, want ...string) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !slices.Equal(bus.Topics(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("topics %v, want %v", bus.Topics(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// A topic whose last subscriber left, with no publisher and nothing
// cached, is forgotten after the linger, as ROS 2's graph forgets a topic
// when its last endpoint goes: a mistyped name does not stay listed. The
// name can be used again at once, for a new topic.
func TestATopicNobodyHoldsIsForgotten(t *testing.T) {
	clock := &fakeClock{}
	f := newFixture(t, WithClock(clock))
	typo := f.newSink(true)
	f.subscribe(typo, 4)
	f.send(&Unsubscribe{Subscriber: typo.pid})
	f.flush()
	clock.Advance(DefaultIdleTopicLinger - time.Millisecond)
	f.flush()
	if got := f.bus.Topics(); !slices.Equal(got, []string{"/test/camera"}) {
		t.Fatalf("topics %v before the linger ended", got)
	}
	clock.Advance(time.Millisecond)
	waitTopics(t, f.bus)
	if _, err := f.bus.Stats("/test/camera"); !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("Stats of a forgotten topic: %v", err)
	}

	// The name again: a new topic, which works.
	topic, err := f.bus.Topic("/test/camera")
	if err != nil {
		t.Fatal(err)
	}
	f.topic = topic
	sub := f.newSink(true)
	f.subscribe(sub, 4)
	f.publish(3, 10)
	f.flush(sub)
	delivered := 0
	for _, m := range sub.take() {
		if _, ok := m.(*Delivery); ok {
			delivered++
		}
	}
	if delivered != 3 {
		t.Fatalf("the new topic delivered %d packets, want 3", delivered)
	}
}

// What holds a topic keeps it: a subscriber, a publisher, a hand-out
// (Bus.Topic) since it became idle; a linger of 0 keeps every topic.
func TestWhatHoldsATopicKeepsIt(t *testing.T) {
	clock := &fakeClock{}
	f := newFixture(t, WithClock(clock))
	sub := f.newSink(true)
	f.subscribe(sub, 4)
	pub := f.newSink(true)
	f.send(&PublisherJoined{Publisher: pub.pid})
	f.send(&Unsubscribe{Subscriber: sub.pid})
	f.flush()
	clock.Advance(time.Hour)
	f.flush()
	if got := f.bus.Topics(); len(got) != 1 {
		t.Fatalf("a topic with a publisher was forgotten: %v", got)
	}
	f.subscribe(sub, 4)
	f.send(&PublisherLeft{Publisher: pub.pid})
	f.flush()
	clock.Advance(time.Hour)
	f.flush()
	if got := f.bus.Topics(); len(got) != 1 {
		t.Fatalf("a topic with a subscriber was forgotten: %v", got)
	}

	// Idle, then handed out: it stays another linger, then goes.
	f.send(&Unsubscribe{Subscriber: sub.pid})
	f.flush()
	if _, err := f.bus.Topic("/test/camera"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(DefaultIdleTopicLinger)
	f.flush()
	if got := f.bus.Topics(); len(got) != 1 {
		t.Fatalf("a topic handed out while it lingered was forgotten: %v", got)
	}
	clock.Advance(DefaultIdleTopicLinger)
	waitTopics(t, f.bus)
}

func TestALingerOfZeroKeepsEveryTopic(t *testing.T) {
	clock := &fakeClock{}
	f := newFixture(t, WithClock(clock), WithIdleTopicLinger(0))
	sub := f.newSink(true)
	f.subscribe(sub, 4)
	f.send(&Unsubscribe{Subscriber: sub.pid})
	f.flush()
	clock.Advance(time.Hour)
	f.flush()
	if got := f.bus.Topics(); len(got) != 1 {
		t.Fatalf("topics %v", got)
	}
}

// A topic made again while its retired broker may still be stopping waits
// for the name, and gets a broker that answers.
func TestATopicMadeAgainAfterItRetired(t *testing.T) {
	sys := newSystem(t)
	bus := NewBus(sys, WithIdleTopicLinger(time.Nanosecond))
	t.Cleanup(func() { _ = bus.Close() })
	for range 50 {
		topic, err := bus.Topic("/flicker")
		if err != nil {
			t.Fatal(err)
		}
		sink := spawnSink(t, sys, topic, true)
		res, err := sys.Root.RequestFuture(topic, &Subscribe{Subscriber: sink.pid}, testTimeout).Result()
		if _, ok := res.(*Subscribed); !ok {
			t.Fatalf("Subscribe answered %T, %v", res, err)
		}
		sys.Root.Send(topic, &Unsubscribe{Subscriber: sink.pid})
		waitTopics(t, bus)
		sys.Root.Stop(sink.pid)
	}
}
