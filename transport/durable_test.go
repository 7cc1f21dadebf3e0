package transport

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// durableFixture is a topic whose publishers offer durable_video.
func durableFixture(t *testing.T, opts ...Option) *fixture {
	return newFixture(t, append([]Option{WithDefaultQoS(qos.DurableVideo())}, opts...)...)
}

// subscribeQoS subscribes s with a QoS request and waits until the broker
// has registered it.
func (f *fixture) subscribeQoS(s *testSink, window int, req *qos.Profile) {
	f.t.Helper()
	res, err := f.sys.Root.RequestFuture(f.topic, &Subscribe{Subscriber: s.pid, Window: window, QoS: req}, testTimeout).Result()
	if err != nil {
		f.t.Fatal(err)
	}
	if _, ok := res.(*Subscribed); !ok {
		f.t.Fatalf("Subscribe answered %T, want *Subscribed", res)
	}
}

func events(all []any) []*Event {
	var out []*Event
	for _, e := range all {
		if ev, ok := e.(*Event); ok {
			out = append(out, ev)
		}
	}
	return out
}

// For every phase of a GOP, a late subscriber of a durable topic gets the
// current GOP from its keyframe, marked, the newest published packet marked
// last, then the live packets: continuous, no gap, no duplicate.
func TestLateJoinerGetsTheCurrentGOPAtEveryPhase(t *testing.T) {
	const gop = 10
	for phase := range gop {
		f := durableFixture(t)
		f.publish(2*gop+phase+1, gop) // the newest packet is at this phase of its GOP
		newest := uint64(2*gop + phase)
		s := f.newSink(true)
		f.subscribe(s, 4) // a window smaller than the replay
		f.publish(3, gop) // fewer than the window: none may be dropped
		f.flush(s)
		ds := deliveries(s.take())
		want := make([]uint64, 0)
		for seq := uint64(2 * gop); seq <= newest+3; seq++ {
			want = append(want, seq)
		}
		if got := seqs(ds); !slices.Equal(got, want) {
			t.Fatalf("phase %d: got %v, want %v", phase, got, want)
		}
		checkDecodable(t, ds)
		for i, d := range ds {
			replayed := d.Packet.Seq <= newest
			if d.Packet.Replay.Replayed != replayed || d.Packet.Replay.Last != (d.Packet.Seq == newest) || d.Packet.Replay.Stale {
				t.Fatalf("phase %d: delivery %d (seq %d) marked %+v", phase, i, d.Packet.Seq, d.Packet.Replay)
			}
		}
	}
}

// The replay is the subscriber's own copy of each packet's header: the
// shared packets stay unmarked for everyone else, and Data is not copied.
func TestReplayMarksACopyAndSharesData(t *testing.T) {
	f := durableFixture(t)
	early := f.newSink(true)
	f.subscribe(early, 0)
	pkts := f.publish(3, 10)
	late := f.newSink(true)
	f.subscribe(late, 0)
	f.flush(early, late)
	for i, d := range deliveries(early.take()) {
		if d.Packet != pkts[i] || d.Packet.Replay != (media.Replay{}) {
			t.Fatalf("live delivery %d is not the published packet, unmarked", i)
		}
	}
	for i, d := range deliveries(late.take()) {
		if d.Packet == pkts[i] || &d.Packet.Data[0] != &pkts[i].Data[0] || !d.Packet.Replay.Replayed {
			t.Fatalf("replayed delivery %d: want a marked header copy sharing Data", i)
		}
	}
}

func TestVolatileRequestGetsNoReplay(t *testing.T) {
	f := durableFixture(t)
	f.publish(5, 10)
	s := f.newSink(true)
	vol := qos.SensorData()
	f.subscribeQoS(s, 0, &vol)
	f.publish(10, 10) // 5..14: the next keyframe is 10
	f.flush(s)
	if got := seqs(deliveries(s.take())); !slices.Equal(got, []uint64{10, 11, 12, 13, 14}) {
		t.Fatalf("a volatile subscriber got %v, want live from the keyframe 10", got)
	}
}

// Replaying is resending, which reliability alone does: a best-effort
// subscriber of a durable topic, or any subscriber that takes a best-effort
// offer, starts at the next live keyframe, and its keyframe requests go to
// the encoder.
func TestBestEffortGetsNothingResent(t *testing.T) {
	bestEffort := qos.DurableVideo()
	bestEffort.Reliability = qos.BestEffort
	for name, c := range map[string]struct {
		offer   qos.Profile
		request *qos.Profile
	}{
		"best-effort request": {qos.DurableVideo(), &bestEffort},
		"best-effort offer":   {bestEffort, nil},
	} {
		f := newFixture(t, WithDefaultQoS(c.offer))
		pub := f.newSink(true)
		f.send(&PublisherJoined{Publisher: pub.pid})
		f.publish(5, 10)
		s := f.newSink(true)
		f.subscribeQoS(s, 0, c.request)
		f.publish(10, 10) // 5..14: the next keyframe is 10
		f.send(&KeyframeRequest{Subscriber: s.pid})
		st := f.flush(s, pub)
		if got := seqs(deliveries(s.take())); !slices.Equal(got, []uint64{10, 11, 12, 13, 14}) {
			t.Fatalf("%s: got %v, want live from the keyframe 10", name, got)
		}
		if st.Replayed != 0 || st.KeyframeRequestsFromCache != 0 || count[*KeyframeRequest](pub.take()) != 1 {
			t.Fatalf("%s: something was resent: stats %+v", name, st)
		}
	}
}

func TestIncompatibleSubscriberIsToldAndGetsNothing(t *testing.T) {
	f := newFixture(t) // publishers offer sensor_data: volatile, best effort
	req := qos.DurableVideo()
	before := f.newSink(true)
	f.subscribeQoS(before, 0, &req) // no publisher yet: nothing to match
	f.send(&PublisherJoined{})      // the first publisher sets the offer
	f.publish(12, 10)
	after := f.newSink(true)
	f.subscribeQoS(after, 0, &req)
	st := f.flush(before, after)
	for name, s := range map[string]*testSink{"before": before, "after": after} {
		all := s.take()
		if n := len(deliveries(all)); n != 0 {
			t.Fatalf("%s: an incompatible subscriber got %d packets", name, n)
		}
		evs := events(all)
		var ie *qos.IncompatibleError
		if len(evs) != 1 || evs[0].Kind != EventIncompatibleQoS || !errors.As(evs[0].Err, &ie) ||
			ie.Publisher != qos.SensorData() || ie.Subscriber != req {
			t.Fatalf("%s: events %v, want one incompatible_qos naming both profiles", name, evs)
		}
	}
	if st.Incompatible != 2 || !st.Subscribers[0].Incompatible {
		t.Fatalf("stats %+v", st)
	}
}

func TestKeyframeRequestIsAnsweredFromTheCache(t *testing.T) {
	f := durableFixture(t)
	pub := f.newSink(true) // stands for the publisher: records requests
	f.send(&PublisherJoined{Publisher: pub.pid})
	s := f.newSink(true)
	f.subscribe(s, 0)
	f.publish(15, 10)
	f.flush(s)
	s.take()
	f.send(&KeyframeRequest{Topic: "/test/camera", Subscriber: s.pid})
	st := f.flush(s, pub)
	ds := deliveries(s.take())
	if got := seqs(ds); !slices.Equal(got, []uint64{10, 11, 12, 13, 14}) || !ds[0].Packet.Replay.Replayed {
		t.Fatalf("after a keyframe request the subscriber got %v, want the cached GOP 10..14 replayed", got)
	}
	if count[*KeyframeRequest](pub.take()) != 0 || st.KeyframeRequestsFromCache != 1 || st.KeyframeRequestsForwarded != 0 {
		t.Fatalf("the request went to the encoder: stats %+v", st)
	}
	// A subscriber of a volatile request cannot be repaired from the cache:
	// the publisher is asked.
	vs := f.newSink(true)
	vol := qos.SensorData()
	f.subscribeQoS(vs, 0, &vol)
	f.send(&KeyframeRequest{Topic: "/test/camera", Subscriber: vs.pid})
	st = f.flush(vs, pub)
	if count[*KeyframeRequest](pub.take()) != 1 || st.KeyframeRequestsForwarded != 1 {
		t.Fatalf("a request the cache cannot serve was not forwarded: stats %+v", st)
	}
}

// A subscriber that asks again within the GOP the cache replayed to it
// (its decoder met a damaged packet in it, which a replay would hand it
// again) has its request forwarded to the encoder; in the next GOP the
// cache answers again.
func TestAKeyframeRequestWithinAReplayedGOPGoesToTheEncoder(t *testing.T) {
	f := durableFixture(t)
	pub := f.newSink(true)
	f.send(&PublisherJoined{Publisher: pub.pid})
	s := f.newSink(true)
	f.subscribe(s, 0)
	f.publish(15, 10)
	f.flush(s)
	s.take()
	f.send(&KeyframeRequest{Topic: "/test/camera", Subscriber: s.pid})
	f.flush(s, pub)
	if got := seqs(deliveries(s.take())); !slices.Equal(got, []uint64{10, 11, 12, 13, 14}) {
		t.Fatalf("the first request: replayed %v, want 10..14", got)
	}
	f.send(&KeyframeRequest{Topic: "/test/camera", Subscriber: s.pid})
	st := f.flush(s, pub)
	if got := seqs(deliveries(s.take())); len(got) != 0 || count[*KeyframeRequest](pub.take()) != 1 || st.KeyframeRequestsFromCache != 1 {
		t.Fatalf("a second request within the replayed GOP: replayed %v, stats %+v; want it forwarded", got, st)
	}
	f.publish(8, 10)
	f.flush(s)
	s.take()
	f.send(&KeyframeRequest{Topic: "/test/camera", Subscriber: s.pid})
	st = f.flush(s, pub)
	if got := seqs(deliveries(s.take())); !slices.Equal(got, []uint64{20, 21, 22}) || st.KeyframeRequestsFromCache != 2 {
		t.Fatalf("a request in the next GOP: replayed %v, stats %+v; want 20..22 from the cache", got, st)
	}
}

// When the cache stopped at a hole, the replay does not reach the live
// stream: the subscriber gets the picture the cache has, then waits for the
// next keyframe (never a hole), and the publisher is asked for one.
func TestReplayThatStopsShortWaitsForAKeyframe(t *testing.T) {
	f := durableFixture(t)
	pub := f.newSink(true)
	f.send(&PublisherJoined{Publisher: pub.pid})
	f.publish(13, 10) // 0..12, GOP 10 open at 10..12
	f.src.seq++       // a hole: 13 never published
	f.publish(3, 10)  // 14..16
	s := f.newSink(true)
	f.subscribe(s, 0)
	f.publish(8, 10) // 17..19, then a keyframe at 20..24
	f.flush(s, pub)
	ds := deliveries(s.take())
	if got := seqs(ds); !slices.Equal(got, []uint64{10, 11, 12, 20, 21, 22, 23, 24}) {
		t.Fatalf("got %v, want the cached 10..12, then from the keyframe 20", got)
	}
	checkDecodable(t, ds)
	if count[*KeyframeRequest](pub.take()) != 1 {
		t.Fatal("the publisher was not asked for a keyframe")
	}
}

func TestEndOfStreamEmptiesTheCache(t *testing.T) {
	f := durableFixture(t)
	f.send(&PublisherJoined{})
	f.publish(5, 10)
	f.send(&PublisherLeft{})
	s := f.newSink(true)
	f.subscribe(s, 0)
	if st := f.flush(s); len(deliveries(s.take())) != 0 || st.QoS != "" {
		t.Fatalf("a subscriber after the end of the stream was replayed the old stream; stats %+v", st)
	}
}

// Deadlines and leases run on the Bus's clock: the test moves it, and the
// broker's one timer fires as it passes the next due time.
func TestDeadlineAndLivelinessEvents(t *testing.T) {
	clock := &fakeClock{}
	f := durableFixture(t, WithClock(clock))
	pub := f.sys.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
	offer := qos.DurableVideo()
	offer.Deadline, offer.Lease = 30*time.Millisecond, 60*time.Millisecond
	f.send(&PublisherJoined{Publisher: pub, QoS: &offer})
	s := f.newSink(true)
	f.subscribe(s, 0)
	f.send(&Publish{Packet: f.src.next(true), Publisher: pub})
	f.flush() // the clock moves once the broker has the packet
	kinds := func() []EventKind {
		f.flush(s)
		var out []EventKind
		for _, e := range events(s.take()) {
			out = append(out, e.Kind)
			if e.Kind == EventDeadlineMissed && e.Count == 0 {
				t.Fatalf("deadline event %v counts no miss", e)
			}
		}
		return out
	}
	if n := clock.pending(); n != 1 {
		t.Fatalf("%d timers set for a deadline and a lease, want one", n)
	}
	clock.Advance(29 * time.Millisecond)
	if got := kinds(); len(got) != 0 {
		t.Fatalf("events %v before the deadline", got)
	}
	clock.Advance(time.Millisecond)
	if got := kinds(); !slices.Equal(got, []EventKind{EventDeadlineMissed}) {
		t.Fatalf("events %v at the deadline, want one missed", got)
	}
	clock.Advance(30 * time.Millisecond) // 60 ms: a second period, and the lease
	if got := kinds(); !slices.Contains(got, EventLivelinessLost) || !slices.Contains(got, EventDeadlineMissed) {
		t.Fatalf("events %v at 60 ms, want a second miss and the lease lost", got)
	}
	clock.Advance(time.Hour) // once lost, a lease is not lost again
	if got := kinds(); slices.Contains(got, EventLivelinessLost) {
		t.Fatalf("events %v: liveliness lost twice", got)
	}
	f.send(&Publish{Packet: f.src.next(false), Publisher: pub})
	if got := kinds(); !slices.Equal(got, []EventKind{EventLivelinessRegained}) {
		t.Fatalf("events %v after publishing again, want liveliness regained", got)
	}
	f.sys.Root.Stop(pub)
	waitUntil(t, "liveliness lost when the publisher stops", func() bool {
		return slices.Contains(kinds(), EventLivelinessLost)
	})
}

// A storm of keyframe requests from many subscribers that the cache cannot
// serve reaches the encoder at most once per interval.
func TestKeyframeRequestStormIsRateLimited(t *testing.T) {
	clock := &fakeClock{}
	f := newFixture(t, WithClock(clock), WithKeyframeRequestInterval(300*time.Millisecond))
	pub := f.newSink(true)
	f.send(&PublisherJoined{Publisher: pub.pid})
	var subs []*testSink
	for range 20 {
		s := f.newSink(true)
		f.subscribe(s, 0)
		subs = append(subs, s)
	}
	for range 10 { // 100 ms apart: a new request may pass every third step
		for _, s := range subs {
			f.send(&KeyframeRequest{Subscriber: s.pid})
		}
		f.flush()
		clock.Advance(100 * time.Millisecond)
	}
	st := f.flush(pub)
	if got := count[*KeyframeRequest](pub.take()); got != 4 || st.KeyframeRequests != 200 || st.KeyframeRequestsForwarded != 4 {
		t.Fatalf("200 requests over 1 s forwarded %d to the encoder (stats %+v), want 4 (one per 300 ms)", got, st)
	}
}

// Slow subscribers of a durable topic, joining at random moments, asking for
// keyframes at random and acknowledging late, never receive a sequence they
// cannot decode.
func TestSlowDurableSubscribersAlwaysDecode(t *testing.T) {
	f := durableFixture(t, WithKeyframeRequestInterval(0))
	pub := f.newSink(true)
	f.send(&PublisherJoined{Publisher: pub.pid})
	rng := rand.New(rand.NewPCG(7, 11))
	var subs []*testSink
	for range 400 {
		switch r := rng.IntN(20); {
		case r == 0 && len(subs) < 8:
			s := f.newSink(false)
			f.subscribe(s, 1+rng.IntN(6))
			subs = append(subs, s)
		case r == 1 && len(subs) > 0:
			f.send(&KeyframeRequest{Subscriber: subs[rng.IntN(len(subs))].pid})
		case r < 8 && len(subs) > 0:
			subs[rng.IntN(len(subs))].ack(1 + rng.IntN(4))
		default:
			f.publish(1, 12)
		}
	}
	st := f.flush(subs...)
	if st.Replayed == 0 || st.Dropped == 0 || st.KeyframeRequestsFromCache == 0 {
		t.Fatalf("the run exercised too little: %+v", st)
	}
	for i, s := range subs {
		ds := deliveries(s.take())
		dec := &decodable{}
		for j, d := range ds {
			if !dec.check(d.Packet) {
				t.Fatalf("subscriber %d, delivery %d (seq %d, key %v, replayed %v) cannot be decoded: %v",
					i, j, d.Packet.Seq, d.Packet.Key, d.Packet.Replay.Replayed, seqs(ds))
			}
		}
	}
}

// A publisher that leaves and then stops has not lost its liveliness: its
// Terminated overtakes the PublisherLeft in the broker's mailbox, and the
// broker waits for it.
func TestPublisherThatLeavesThenStopsIsNotLost(t *testing.T) {
	f := durableFixture(t)
	topic := f.topic
	pub := f.sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if _, ok := ctx.Message().(string); ok {
			ctx.Send(topic, &PublisherLeft{Publisher: ctx.Self()})
			ctx.Stop(ctx.Self())
		}
	}))
	f.send(&PublisherJoined{Publisher: pub})
	s := f.newSink(true)
	f.subscribe(s, 0)
	for range 20 {
		f.sys.Root.Send(pub, "leave")
		waitUntil(t, "the publisher to stop", func() bool {
			_, alive := f.sys.ProcessRegistry.GetLocal(pub.Id)
			return !alive
		})
		f.flush(s)
		if n := len(events(s.take())); n != 0 {
			t.Fatalf("a publisher that left, then stopped, caused %d events", n)
		}
		pub = f.sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			if _, ok := ctx.Message().(string); ok {
				ctx.Send(topic, &PublisherLeft{Publisher: ctx.Self()})
				ctx.Stop(ctx.Self())
			}
		}))
		f.send(&PublisherJoined{Publisher: pub})
	}
}

func TestTopicStatsMeasureTheRate(t *testing.T) {
	clock := &fakeClock{}
	clock.Advance(time.Hour)
	f := newFixture(t, WithClock(clock))
	for range 45 { // 1.5 s at 30 packets/s
		f.publish(1, 10)
		f.flush()
		clock.Advance(time.Second / 30)
	}
	if st := f.flush(); st.Rate < 29 || st.Rate > 31 || st.ByteRate <= 0 {
		t.Fatalf("rate %.1f packets/s, %.0f B/s; want 30 packets/s", st.Rate, st.ByteRate)
	}
	clock.Advance(3 * time.Second)
	if st := f.flush(); st.Rate != 0 {
		t.Fatalf("rate %.1f after 3 s of silence", st.Rate)
	}
}

// Keyframe requests from a subscriber that does not acknowledge cannot
// stack replays up: one replay at a time, so what is in flight stays
// bounded by the window and one GOP.
func TestRepairsDoNotStackUp(t *testing.T) {
	f := durableFixture(t)
	pub := f.newSink(true)
	f.send(&PublisherJoined{Publisher: pub.pid})
	s := f.newSink(false) // acknowledges nothing
	f.subscribe(s, 4)
	f.publish(15, 10)
	for range 100 {
		f.send(&KeyframeRequest{Subscriber: s.pid})
	}
	st := f.flush(s, pub)
	if in := st.Subscribers[0].InFlight; in > 4+2*10 {
		t.Fatalf("%d deliveries in flight after 100 keyframe requests (window 4, GOP 10)", in)
	}
	if st.KeyframeRequestsFromCache > 1 {
		t.Fatalf("%d requests answered from the cache while a replay was unacknowledged", st.KeyframeRequestsFromCache)
	}
}
