package transport

import (
	"cmp"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// testTimeout bounds every wait of a test; a correct run never comes near it.
const testTimeout = 10 * time.Second

// newSystem returns an actor system that logs nothing, shut down when the
// test ends.
func newSystem(t testing.TB) *actor.ActorSystem {
	t.Helper()
	sys := actor.NewActorSystem(actor.WithLoggerFactory(discardLogger))
	t.Cleanup(sys.Shutdown)
	return sys
}

func discardLogger(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }

// fakeClock is a Clock the test moves by hand; brokers read it from their
// own goroutines. Advance calls the timers that come due, in the test's
// goroutine, before it returns: what they send a broker arrives before
// anything the test sends afterwards.
type fakeClock struct {
	mu     sync.Mutex
	ns     int64
	timers []*fakeTimer
}

type fakeTimer struct {
	c    *fakeClock
	at   int64
	f    func()
	done bool // fired or stopped
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Unix(0, c.ns)
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.ns + int64(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.done
	t.done = true
	return was
}

// pending returns how many timers are set and have neither fired nor been
// stopped.
func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.done {
			n++
		}
	}
	return n
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.ns += int64(d)
	var due []*fakeTimer
	kept := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.done:
		case t.at <= c.ns:
			t.done = true
			due = append(due, t)
		default:
			kept = append(kept, t)
		}
	}
	c.timers = kept
	c.mu.Unlock()
	slices.SortFunc(due, func(a, b *fakeTimer) int { return cmp.Compare(a.at, b.at) })
	for _, t := range due {
		t.f()
	}
}

// fixture is one topic on a fresh Bus.
type fixture struct {
	t     *testing.T
	sys   *actor.ActorSystem
	bus   *Bus
	topic *actor.PID
	src   packetSource
}

// newFixture makes a topic whose publishers offer sensor_data (volatile)
// unless opts say otherwise.
func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	sys := newSystem(t)
	bus := NewBus(sys, append([]Option{WithDefaultQoS(qos.SensorData())}, opts...)...)
	t.Cleanup(func() { _ = bus.Close() })
	topic, err := bus.Topic("/test/camera")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, sys: sys, bus: bus, topic: topic, src: packetSource{epoch: 1}}
}

// publish publishes n packets from the fixture's source, a keyframe every
// gop packets (counted from Seq 0), and returns them.
func (f *fixture) publish(n, gop int) []*media.Packet {
	pkts := make([]*media.Packet, n)
	for i := range pkts {
		key := !f.src.started || (f.src.seq+1)%uint64(gop) == 0
		pkts[i] = f.src.next(key)
		f.sys.Root.Send(f.topic, &Publish{Packet: pkts[i]})
	}
	return pkts
}

// send sends msg to the topic from the test goroutine; messages the test
// sends reach the broker in the order they were sent.
func (f *fixture) send(msg any) { f.sys.Root.Send(f.topic, msg) }

func (f *fixture) stats() TopicStats {
	f.t.Helper()
	st, err := f.bus.Stats("/test/camera")
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

// flush returns when the broker has handled every message the test sent
// before, and the sinks have recorded everything the broker sent them until
// then: the broker answers Stats after the earlier messages in its mailbox,
// and each sink answers ping after the deliveries already in its own.
func (f *fixture) flush(sinks ...*testSink) TopicStats {
	f.t.Helper()
	st := f.stats()
	for _, s := range sinks {
		s.ping()
	}
	return st
}

// subscribe subscribes s with the given window and waits until the broker
// has registered it.
func (f *fixture) subscribe(s *testSink, window int) {
	f.t.Helper()
	res, err := f.sys.Root.RequestFuture(f.topic, &Subscribe{Subscriber: s.pid, Window: window}, testTimeout).Result()
	if err != nil {
		f.t.Fatal(err)
	}
	if _, ok := res.(*Subscribed); !ok {
		f.t.Fatalf("Subscribe answered %T, want *Subscribed", res)
	}
}

// testSink is an actor that records what it receives: deliveries, end of
// stream, keyframe requests. It acknowledges each delivery at once
// (autoAck) or when the test says (ack).
type testSink struct {
	t      testing.TB
	sys    *actor.ActorSystem
	pid    *actor.PID
	events chan any
}

type sinkActor struct {
	topic   *actor.PID
	autoAck bool
	events  chan<- any
	pending []*Delivery
}

// ackOldest asks a sink to acknowledge its n oldest pending deliveries; it
// answers once the acks are sent.
type ackOldest struct{ n int }

// ping asks a sink to answer; it does so after everything before it.
type ping struct{}

func (a *sinkActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *Delivery:
		a.events <- m
		if a.autoAck {
			ctx.Send(a.topic, &Ack{Subscriber: ctx.Self()})
		} else {
			a.pending = append(a.pending, m)
		}
	case *EndOfStream, *KeyframeRequest, *Event:
		a.events <- m
	case *ackOldest:
		n := min(m.n, len(a.pending))
		for range n {
			ctx.Send(a.topic, &Ack{Subscriber: ctx.Self()})
		}
		a.pending = a.pending[n:]
		ctx.Respond(n)
	case *ping:
		ctx.Respond(&ping{})
	}
}

func (f *fixture) newSink(autoAck bool) *testSink {
	f.t.Helper()
	return spawnSink(f.t, f.sys, f.topic, autoAck)
}

func spawnSink(t testing.TB, sys *actor.ActorSystem, topic *actor.PID, autoAck bool) *testSink {
	t.Helper()
	events := make(chan any, 4096)
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &sinkActor{topic: topic, autoAck: autoAck, events: events}
	}))
	return &testSink{t: t, sys: sys, pid: pid, events: events}
}

func (s *testSink) ping() {
	s.t.Helper()
	if _, err := s.sys.Root.RequestFuture(s.pid, &ping{}, testTimeout).Result(); err != nil {
		s.t.Fatalf("sink %v: %v", s.pid, err)
	}
}

// ack makes the sink acknowledge its n oldest deliveries and returns when the
// acks are on their way: anything the test sends the broker afterwards
// arrives after them.
func (s *testSink) ack(n int) {
	s.t.Helper()
	if _, err := s.sys.Root.RequestFuture(s.pid, &ackOldest{n}, testTimeout).Result(); err != nil {
		s.t.Fatalf("sink %v: %v", s.pid, err)
	}
}

func (s *testSink) stop() {
	s.t.Helper()
	if err := s.sys.Root.StopFuture(s.pid).Wait(); err != nil {
		s.t.Fatalf("stopping sink %v: %v", s.pid, err)
	}
}

// take returns what the sink has recorded so far (call flush first).
func (s *testSink) take() []any {
	var out []any
	for {
		select {
		case e := <-s.events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// deliveries returns the deliveries among events, in order.
func deliveries(events []any) []*Delivery {
	var out []*Delivery
	for _, e := range events {
		if d, ok := e.(*Delivery); ok {
			out = append(out, d)
		}
	}
	return out
}

func count[T any](events []any) int {
	n := 0
	for _, e := range events {
		if _, ok := e.(T); ok {
			n++
		}
	}
	return n
}

func seqs(ds []*Delivery) []uint64 {
	out := make([]uint64, len(ds))
	for i, d := range ds {
		out[i] = d.Packet.Seq
	}
	return out
}

// checkDecodable fails the test unless ds is a sequence a decoder can
// decode: it starts with a keyframe and every delta follows its predecessor
// in the same GOP.
func checkDecodable(t testing.TB, ds []*Delivery) {
	t.Helper()
	dec := &decodable{}
	for i, d := range ds {
		if !dec.check(d.Packet) {
			t.Fatalf("delivery %d (seq %d, gop %d, key %v) cannot be decoded; sequence %v",
				i, d.Packet.Seq, d.Packet.GOP, d.Packet.Key, seqs(ds))
		}
	}
}

// waitUntil polls cond until it holds. It is for conditions the actor system
// reaches on its own time (a watched actor's death reaching the broker,
// goroutines ending), not a substitute for a message that says so.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}
