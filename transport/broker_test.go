package transport

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

func TestFanOutDeliversTheSamePacketPointer(t *testing.T) {
	f := newFixture(t)
	sinks := make([]*testSink, 5)
	for i := range sinks {
		sinks[i] = f.newSink(true)
		f.subscribe(sinks[i], 0)
	}
	p := f.publish(1, 30)[0]
	data := bytes.Clone(p.Data)
	st := f.flush(sinks...)

	for i, s := range sinks {
		ds := deliveries(s.take())
		if len(ds) != 1 {
			t.Fatalf("sink %d got %d deliveries, want 1", i, len(ds))
		}
		if ds[0].Packet != p {
			t.Fatalf("sink %d got a different *Packet than was published", i)
		}
		if ds[0].Topic != "/test/camera" || ds[0].Dropped != 0 || ds[0].Packet.Replay.Replayed {
			t.Fatalf("sink %d got %+v", i, ds[0])
		}
	}
	if !bytes.Equal(p.Data, data) {
		t.Fatal("the packet's data changed on the way")
	}
	if st.Published != 1 || st.Delivered != 5 || len(st.Subscribers) != 5 {
		t.Fatalf("stats %+v, want 1 published, 5 delivered, 5 subscribers", st)
	}
	if st.Codec != p.Codec || st.Width != p.Width || st.Height != p.Height {
		t.Fatalf("stats say %v %dx%d, the packet is %v %dx%d", st.Codec, st.Width, st.Height, p.Codec, p.Width, p.Height)
	}
}

func TestSlowSubscriberHoldsBackNobody(t *testing.T) {
	f := newFixture(t)
	fast, slow := f.newSink(true), f.newSink(false)
	f.subscribe(fast, 1000)
	f.subscribe(slow, 3)

	// The slow subscriber acknowledges nothing: after three deliveries its
	// window is full and it misses the rest of the 100 packets.
	f.publish(100, 10)
	f.flush(fast, slow)
	fastGot := deliveries(fast.take())
	if len(fastGot) != 100 {
		t.Fatalf("fast subscriber got %d of 100 packets", len(fastGot))
	}
	checkDecodable(t, fastGot)
	slowGot := deliveries(slow.take())
	if got := seqs(slowGot); !slices.Equal(got, []uint64{0, 1, 2}) {
		t.Fatalf("slow subscriber got %v, want [0 1 2]", got)
	}

	// Once it catches up, it resumes at the next keyframe and learns how
	// many packets it missed.
	slow.ack(3)
	f.publish(20, 10) // seq 100..119, keyframes at 100 and 110
	st := f.flush(fast, slow)
	if n := len(deliveries(fast.take())); n != 20 {
		t.Fatalf("fast subscriber got %d of 20 packets", n)
	}
	more := deliveries(slow.take())
	if got := seqs(more); !slices.Equal(got, []uint64{100, 101, 102}) {
		t.Fatalf("slow subscriber got %v after catching up, want [100 101 102]", got)
	}
	if more[0].Dropped != 97 {
		t.Fatalf("first delivery after the gap says %d dropped, want 97 (seq 3..99)", more[0].Dropped)
	}
	slowGot = append(slowGot, more...)
	checkDecodable(t, slowGot)

	var slowStats WindowStats
	for _, s := range st.Subscribers {
		if s.Subscriber.Equal(slow.pid) {
			slowStats = s.WindowStats
		}
	}
	if slowStats.Delivered != 6 || slowStats.Dropped != 114 || slowStats.InFlight != 3 {
		t.Fatalf("slow subscriber's stats %+v, want 6 delivered, 114 dropped, 3 in flight", slowStats)
	}
	if st.Published != 120 || st.Delivered != 126 || st.Dropped != 114 {
		t.Fatalf("topic stats %+v, want 120 published, 126 delivered, 114 dropped", st)
	}
}

func TestSubscriberReportedDropsCountAtTheTopic(t *testing.T) {
	f := newFixture(t)
	s := f.newSink(false)
	f.subscribe(s, 8)
	f.publish(4, 10)
	f.flush(s)
	// What a remote subscription's end sends for deliveries its link could
	// not take: the credit back, and the drop.
	f.send(&Ack{Subscriber: s.pid, Dropped: 1})
	f.send(&Ack{Subscriber: s.pid, Dropped: 1})
	s.ack(2)
	st := f.flush(s)
	if len(st.Subscribers) != 1 {
		t.Fatalf("stats list %d subscribers, want 1", len(st.Subscribers))
	}
	if ws := st.Subscribers[0].WindowStats; ws.Delivered != 2 || ws.Dropped != 2 || ws.InFlight != 0 {
		t.Fatalf("subscriber's stats %+v, want 2 delivered, 2 dropped, none in flight", ws)
	}
	if st.Delivered != 2 || st.Dropped != 2 {
		t.Fatalf("topic stats: %d delivered, %d dropped; want 2 and 2", st.Delivered, st.Dropped)
	}
}

func TestUnsubscribeStopsDeliveries(t *testing.T) {
	f := newFixture(t)
	s := f.newSink(true)
	f.subscribe(s, 0)
	f.publish(5, 10)
	f.send(&Unsubscribe{Subscriber: s.pid})
	f.publish(5, 10)
	st := f.flush(s)
	if got := seqs(deliveries(s.take())); !slices.Equal(got, []uint64{0, 1, 2, 3, 4}) {
		t.Fatalf("got %v, want [0 1 2 3 4] and nothing after Unsubscribe", got)
	}
	if len(st.Subscribers) != 0 || st.Delivered != 5 {
		t.Fatalf("stats %+v, want no subscriber and 5 delivered", st)
	}
}

func TestSubscriberDeathStopsDeliveries(t *testing.T) {
	f := newFixture(t)
	s, other := f.newSink(true), f.newSink(true)
	f.subscribe(s, 0)
	f.subscribe(other, 0)
	f.publish(3, 10)
	f.flush(s)
	s.stop()
	waitUntil(t, "the broker drops the stopped subscriber", func() bool {
		return len(f.stats().Subscribers) == 1
	})
	f.publish(3, 10)
	st := f.flush(other)
	if st.Delivered != 3+6 {
		t.Fatalf("delivered %d, want 9 (3 to the dead subscriber before it died, 6 to the other)", st.Delivered)
	}
	if !st.Subscribers[0].Subscriber.Equal(other.pid) {
		t.Fatalf("the remaining subscriber is %v, want %v", st.Subscribers[0].Subscriber, other.pid)
	}
	if n := len(deliveries(other.take())); n != 6 {
		t.Fatalf("the living subscriber got %d of 6 packets", n)
	}
}

func TestMidGOPSubscriberStartsAtKeyframe(t *testing.T) {
	f := newFixture(t)
	f.publish(5, 10) // seq 0..4: a GOP in progress
	s := f.newSink(true)
	f.subscribe(s, 0)
	f.publish(20, 10) // seq 5..24: the GOP's rest, then keyframes at 10 and 20
	st := f.flush(s)
	ds := deliveries(s.take())
	if len(ds) == 0 || !ds[0].Packet.Key || ds[0].Packet.Seq != 10 {
		t.Fatalf("first delivery %v, want the keyframe seq 10", seqs(ds))
	}
	checkDecodable(t, ds)
	if len(ds) != 15 || ds[0].Dropped != 0 {
		t.Fatalf("got %v (first Dropped %d), want seq 10..24 with nothing reported dropped", seqs(ds), ds[0].Dropped)
	}
	if st.Skipped != 5 || st.Dropped != 0 {
		t.Fatalf("stats %+v, want 5 skipped (seq 5..9) and none dropped", st)
	}
}

func TestEndOfStreamWhenLastPublisherLeaves(t *testing.T) {
	f := newFixture(t)
	s := f.newSink(true)
	f.subscribe(s, 0)
	pubA, pubB := f.newSink(true), f.newSink(true)
	f.send(&PublisherJoined{Publisher: pubA.pid})
	f.send(&PublisherJoined{Publisher: pubB.pid})
	f.publish(3, 10)
	f.send(&PublisherLeft{Publisher: pubA.pid})
	if st := f.flush(s); st.Publishers != 1 {
		t.Fatalf("%d publishers after one of two left, want 1", st.Publishers)
	}
	if n := count[*EndOfStream](s.take()); n != 0 {
		t.Fatalf("EndOfStream while a publisher remains (%d)", n)
	}
	f.send(&PublisherLeft{Publisher: pubB.pid})
	f.send(&PublisherLeft{Publisher: pubB.pid}) // a repeat says nothing new
	f.flush(s)
	events := s.take()
	if n := count[*EndOfStream](events); n != 1 {
		t.Fatalf("got %d EndOfStream after the last publisher left, want 1", n)
	}
	if eos := events[len(events)-1].(*EndOfStream); eos.Topic != "/test/camera" {
		t.Fatalf("EndOfStream for topic %q", eos.Topic)
	}

	// A publisher that stops without a word has left too.
	pubC := f.newSink(true)
	f.send(&PublisherJoined{Publisher: pubC.pid})
	f.flush()
	pubC.stop()
	waitUntil(t, "the broker notices the stopped publisher", func() bool {
		return f.stats().Publishers == 0
	})
	f.flush(s)
	if n := count[*EndOfStream](s.take()); n != 1 {
		t.Fatalf("got %d EndOfStream after the publisher stopped, want 1", n)
	}

	// The next stream starts at a keyframe, even if its first packet is not one.
	f.src.restart()
	f.src.next(true) // not published: the new stream's keyframe was lost
	f.publish(12, 10)
	f.flush(s)
	ds := deliveries(s.take())
	if len(ds) == 0 || ds[0].Packet.Seq != 10 || ds[0].Packet.Epoch != f.src.epoch {
		t.Fatalf("after end of stream got %v, want the new stream from its keyframe seq 10", seqs(ds))
	}
}

func TestNoEndOfStreamWithoutPublisher(t *testing.T) {
	f := newFixture(t)
	s := f.newSink(true)
	f.subscribe(s, 0)
	f.send(&PublisherLeft{})
	f.flush(s)
	if n := count[*EndOfStream](s.take()); n != 0 {
		t.Fatalf("got %d EndOfStream on a topic that never had a publisher", n)
	}
}

func TestAnonymousPublisherEndsStream(t *testing.T) {
	f := newFixture(t)
	s := f.newSink(true)
	f.subscribe(s, 0)
	f.publish(2, 10) // Publish without a Publisher
	f.send(&PublisherLeft{})
	f.flush(s)
	if n := count[*EndOfStream](s.take()); n != 1 {
		t.Fatalf("got %d EndOfStream, want 1", n)
	}
}

func TestCloseEndsSubscribersStreams(t *testing.T) {
	f := newFixture(t)
	s := f.newSink(true)
	f.subscribe(s, 0)
	f.publish(2, 10)
	if err := f.bus.Close(); err != nil {
		t.Fatal(err)
	}
	s.ping()
	events := s.take()
	if len(deliveries(events)) != 2 || count[*EndOfStream](events) != 1 {
		t.Fatalf("after Close the subscriber has %v, want 2 deliveries then EndOfStream", events)
	}
	if _, err := f.bus.Topic("/test/camera"); err != ErrBusClosed {
		t.Fatalf("Topic after Close: %v, want ErrBusClosed", err)
	}
}

func TestKeyframeRequestsForwardedAndRateLimited(t *testing.T) {
	clock := &fakeClock{}
	f := newFixture(t, WithClock(clock))
	sub := f.newSink(true)
	f.subscribe(sub, 0)

	// No publisher yet: there is nobody to ask, and the limit is not used up.
	f.send(&KeyframeRequest{Topic: "/test/camera"})

	pub1, pub2 := f.newSink(true), f.newSink(true)
	f.send(&PublisherJoined{Publisher: pub1.pid})
	f.sys.Root.Send(f.topic, &Publish{Packet: f.src.next(true), Publisher: pub2.pid}) // joins by publishing
	for range 3 {
		f.send(&KeyframeRequest{})
	}
	f.flush()
	clock.Advance(qos.DefaultKeyframeRequestInterval - time.Millisecond)
	f.send(&KeyframeRequest{})
	f.flush()
	clock.Advance(time.Millisecond)
	f.send(&KeyframeRequest{})
	st := f.flush(pub1, pub2)

	for i, p := range []*testSink{pub1, pub2} {
		events := p.take()
		if n := count[*KeyframeRequest](events); n != 2 {
			t.Fatalf("publisher %d got %d keyframe requests, want 2", i+1, n)
		}
		for _, e := range events {
			if r, ok := e.(*KeyframeRequest); ok && r.Topic != "/test/camera" {
				t.Fatalf("publisher %d got a request for topic %q", i+1, r.Topic)
			}
		}
	}
	if st.KeyframeRequests != 6 || st.KeyframeRequestsForwarded != 2 || st.KeyframeRequestsSuppressed != 3 {
		t.Fatalf("stats: %d requests, %d forwarded, %d suppressed; want 6, 2, 3",
			st.KeyframeRequests, st.KeyframeRequestsForwarded, st.KeyframeRequestsSuppressed)
	}
}

// gopRetainer keeps the current GOP, the way a TRANSIENT_LOCAL cache would.
type gopRetainer struct{ gop []*media.Packet }

func (r *gopRetainer) Retain(p *media.Packet) {
	if p.Key {
		r.gop = r.gop[:0]
	}
	r.gop = append(r.gop, p)
}

func (r *gopRetainer) Replay() []*media.Packet { return r.gop }

func TestRetainerReplaysBeforeLive(t *testing.T) {
	f := newFixture(t, WithDefaultQoS(qos.DurableVideo()),
		WithRetainer(func(string, qos.Profile) (Retainer, error) { return &gopRetainer{}, nil }))
	f.publish(14, 10) // seq 0..13: the current GOP is 10..13
	s := f.newSink(true)
	f.subscribe(s, 0)
	f.publish(3, 10) // seq 14..16
	st := f.flush(s)
	ds := deliveries(s.take())
	if got := seqs(ds); !slices.Equal(got, []uint64{10, 11, 12, 13, 14, 15, 16}) {
		t.Fatalf("late subscriber got %v, want the retained GOP 10..13 then live 14..16", got)
	}
	for i, d := range ds {
		if want := i < 4; d.Packet.Replay.Replayed != want || d.Packet.Replay.Last != (i == 3) {
			t.Fatalf("delivery of seq %d: marked %+v, want replayed %v", d.Packet.Seq, d.Packet.Replay, want)
		}
	}
	checkDecodable(t, ds)
	if st.Replayed != 4 {
		t.Fatalf("stats count %d replayed, want 4", st.Replayed)
	}
}

// panickyRetainer panics when it sees the packet with Seq panicAt.
type panickyRetainer struct{ panicAt uint64 }

func (r panickyRetainer) Retain(p *media.Packet) {
	if p.Seq == r.panicAt {
		panic("retainer failure")
	}
}

func (panickyRetainer) Replay() []*media.Packet { return nil }

func TestBrokerRestartKeepsSubscribers(t *testing.T) {
	f := newFixture(t, WithDefaultQoS(qos.DurableVideo()),
		WithRetainer(func(string, qos.Profile) (Retainer, error) { return panickyRetainer{panicAt: 5}, nil }))
	s := f.newSink(true)
	f.subscribe(s, 0)
	f.publish(15, 10) // the broker panics on seq 5
	st := f.flush(s)
	if st.Restarts != 1 || len(st.Subscribers) != 1 {
		t.Fatalf("stats %+v, want 1 restart and the subscriber kept", st)
	}
	ds := deliveries(s.take())
	if got := seqs(ds); !slices.Equal(got, []uint64{0, 1, 2, 3, 4, 10, 11, 12, 13, 14}) {
		t.Fatalf("got %v, want 0..4, then from the keyframe 10 on", got)
	}
}

func TestResubscribeStartsOver(t *testing.T) {
	f := newFixture(t)
	s := f.newSink(false)
	f.subscribe(s, 2)
	f.publish(5, 10) // 0, 1 delivered; window full
	f.subscribe(s, 4)
	f.publish(10, 10) // 5..9 skipped, then 10..13 delivered
	st := f.flush(s)
	if got := seqs(deliveries(s.take())); !slices.Equal(got, []uint64{0, 1, 10, 11, 12, 13}) {
		t.Fatalf("got %v, want [0 1 10 11 12 13]", got)
	}
	if len(st.Subscribers) != 1 || st.Subscribers[0].Size != 4 || st.Delivered != 6 {
		t.Fatalf("stats %+v, want one subscriber with window 4 and 6 delivered", st)
	}
}

// Drops after a subscriber's last delivery are reported with the end of
// the stream, so its counters add up.
func TestEndOfStreamReportsTheLastDrops(t *testing.T) {
	f := newFixture(t)
	s := f.newSink(false) // acknowledges nothing
	f.subscribe(s, 2)
	f.send(&PublisherJoined{})
	f.publish(5, 10)
	f.send(&PublisherLeft{})
	f.flush(s)
	var eos *EndOfStream
	for _, e := range s.take() {
		if m, ok := e.(*EndOfStream); ok {
			eos = m
		}
	}
	if eos == nil || eos.Dropped != 3 {
		t.Fatalf("end of stream %+v, want 3 drops reported", eos)
	}
}

func TestFarewellUnsubscribeEndsTheStreamAfterTheLastDelivery(t *testing.T) {
	f := newFixture(t)
	s := f.newSink(false) // acknowledges nothing
	f.subscribe(s, 2)
	f.send(&PublisherJoined{})
	f.publish(5, 10)
	f.send(&Unsubscribe{Subscriber: s.pid, Farewell: true})
	f.publish(5, 10)
	st := f.flush(s)
	got := s.take()
	if len(got) < 3 {
		t.Fatalf("got %v", got)
	}
	if seqs := seqs(deliveries(got)); !slices.Equal(seqs, []uint64{0, 1}) {
		t.Fatalf("deliveries %v, want [0 1] within the window", seqs)
	}
	eos, ok := got[len(got)-1].(*EndOfStream)
	if !ok || eos.Dropped != 3 {
		t.Fatalf("last message %#v, want the end of the stream with 3 drops", got[len(got)-1])
	}
	if len(st.Subscribers) != 0 {
		t.Fatalf("stats %+v, want no subscriber", st)
	}
}

// A farewell that names an owner waits for its publishers: the subscriber
// keeps receiving until the last of them has left, and only then gets the
// end of its stream.
func TestFarewellWaitsForTheOwnersPublishers(t *testing.T) {
	f := newFixture(t)
	s := f.newSink(true)
	f.subscribe(s, 0)
	ours, theirs := f.newSink(true), f.newSink(true)
	owner := NewOwner()
	f.send(&PublisherJoined{Publisher: ours.pid, Owner: owner})
	f.send(&PublisherJoined{Publisher: theirs.pid, Owner: NewOwner()})
	f.publish(3, 10)
	f.send(&Unsubscribe{Subscriber: s.pid, Farewell: true, AfterPublishersOf: owner})
	f.publish(3, 10) // ours is still publishing
	f.flush(s)
	if got := s.take(); len(deliveries(got)) != 6 || hasEndOfStream(got) {
		t.Fatalf("before our publisher left: %v; want 6 deliveries and no end", got)
	}
	f.send(&PublisherLeft{Publisher: ours.pid})
	f.publish(3, 10) // theirs only
	st := f.flush(s)
	got := s.take()
	if len(got) != 1 || !hasEndOfStream(got) {
		t.Fatalf("after our publisher left: %v; want only the end of the stream", got)
	}
	if len(st.Subscribers) != 0 {
		t.Fatalf("stats %+v, want no subscriber", st)
	}
}

// A farewell after the zero Owner, or an owner with no publisher on the
// topic, is answered at once.
func TestFarewellWithoutTheOwnersPublishersEndsAtOnce(t *testing.T) {
	f := newFixture(t)
	pub := f.newSink(true)
	f.send(&PublisherJoined{Publisher: pub.pid, Owner: NewOwner()})
	for _, after := range []Owner{{}, NewOwner()} {
		s := f.newSink(true)
		f.subscribe(s, 0)
		f.send(&Unsubscribe{Subscriber: s.pid, Farewell: true, AfterPublishersOf: after})
		f.flush(s)
		if got := s.take(); !hasEndOfStream(got) {
			t.Fatalf("farewell after %v: %v; want the end of the stream at once", after, got)
		}
	}
}

func hasEndOfStream(msgs []any) bool {
	for _, m := range msgs {
		if _, ok := m.(*EndOfStream); ok {
			return true
		}
	}
	return false
}

// A subscriber that falls behind every GOP is warned about once, named as
// it named itself (a viewer's client, not its actor), then at most every
// FellBehindLogEvery with the count of the times between; its every drop
// still reaches it as an event.
func TestFellBehindWarningIsRateLimited(t *testing.T) {
	clock := &fakeClock{}
	var log testlog.Buffer
	f := newFixture(t, WithClock(clock), WithLogger(zerolog.New(&log)))
	slow := f.newSink(false)
	const name = "WebSocket client 10.0.0.9:50000 subscription 1"
	if _, err := f.sys.Root.RequestFuture(f.topic, &Subscribe{Subscriber: slow.pid, Window: 2, Name: name}, testTimeout).Result(); err != nil {
		t.Fatal(err)
	}
	warnings := func() []string {
		var out []string
		for _, line := range strings.Split(log.String(), "\n") {
			if strings.Contains(line, "subscriber fell behind") {
				out = append(out, line)
			}
		}
		return out
	}
	behind := func(gops int) {
		for range gops {
			f.publish(10, 10)
			f.flush(slow)
			slow.ack(2)
			f.flush(slow)
		}
	}
	behind(5)
	if w := warnings(); len(w) != 1 || !strings.Contains(w[0], `"times":1`) || !strings.Contains(w[0], `"subscriber":"`+name+`"`) {
		t.Fatalf("5 GOPs behind in a moment: warnings %q, want the first one, naming the subscriber as it named itself", w)
	}
	n := 0
	for _, e := range slow.take() {
		if e, ok := e.(*Event); ok && e.Kind == EventDropped {
			n++
		}
	}
	if n != 5 {
		t.Fatalf("%d events, want one for each of the 5 GOPs fallen behind", n)
	}
	clock.Advance(FellBehindLogEvery)
	behind(1)
	if w := warnings(); len(w) != 2 || !strings.Contains(w[1], `"times":5`) {
		t.Fatalf("warnings %q, want a second, for 5 times (4 held back, and this one)", w)
	}
}

// A topic's stats say, for each subscriber, who it is (the name it
// subscribed with, or its actor's) and what the topic delivered and dropped
// for it and its window, so that the slow one among several is found.
func TestTopicStatsNameEachSubscriberWithItsOwnCounts(t *testing.T) {
	f := newFixture(t)
	fast, slow := f.newSink(true), f.newSink(false)
	f.subscribe(fast, 64)
	res, err := f.sys.Root.RequestFuture(f.topic, &Subscribe{Subscriber: slow.pid, Window: 2, Name: "webrtc viewer 127.0.0.1:5000"}, testTimeout).Result()
	if _, ok := res.(*Subscribed); err != nil || !ok {
		t.Fatalf("Subscribe answered %v, %v", res, err)
	}
	f.publish(20, 10)
	st := f.flush(fast, slow)
	if len(st.Subscribers) != 2 {
		t.Fatalf("stats list %d subscribers, want 2", len(st.Subscribers))
	}
	a, b := st.Subscribers[0], st.Subscribers[1]
	if a.Name != "" || a.Who() != ActorName(fast.pid) || b.Who() != "webrtc viewer 127.0.0.1:5000" {
		t.Fatalf("subscribers named %q (%q) and %q, want %q and the slow one's name", a.Who(), a.Name, b.Who(), ActorName(fast.pid))
	}
	if a.Delivered != 20 || a.Dropped != 0 || a.Size != 64 {
		t.Fatalf("the fast subscriber's stats %+v, want 20 delivered, none dropped, a window of 64", a.WindowStats)
	}
	// The slow one, which acknowledges nothing, took 2 (its window) and
	// the topic dropped the rest for it alone.
	if b.Delivered != 2 || b.Dropped != 18 || b.Size != 2 || b.InFlight != 2 {
		t.Fatalf("the slow subscriber's stats %+v, want 2 delivered, 18 dropped, 2 in flight of a window of 2", b.WindowStats)
	}
	if st.Delivered != 22 || st.Dropped != 18 {
		t.Fatalf("the topic's stats: %d delivered, %d dropped; want the sums of its subscribers', 22 and 18", st.Delivered, st.Dropped)
	}
}

// A second publisher of a topic is warned of, naming both: their streams
// interleave, which breaks every subscriber's GOPs.
func TestASecondPublisherIsWarnedOf(t *testing.T) {
	var log testlog.Buffer
	f := newFixture(t, WithLogger(zerolog.New(&log)))
	pubA, pubB := f.newSink(true), f.newSink(true)
	f.send(&PublisherJoined{Publisher: pubA.pid})
	f.send(&PublisherJoined{Publisher: pubA.pid}) // the same again: no second publisher
	f.flush()
	if strings.Contains(log.String(), "a second publisher joined") {
		t.Fatalf("warned of one publisher:\n%s", log.String())
	}
	f.send(&PublisherJoined{Publisher: pubB.pid})
	f.flush()
	if n := strings.Count(log.String(), "a second publisher joined the topic"); n != 1 || !strings.Contains(log.String(), ActorName(pubA.pid)) {
		t.Fatalf("%d warnings, want one naming the first publisher:\n%s", n, log.String())
	}
}
