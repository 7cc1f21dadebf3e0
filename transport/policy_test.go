package transport

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// The policies are plain values: these tests drive them with inputs and
// times of their own, without an actor system or a clock.

// t0 is the time the policy tests start at.
var t0 = time.Unix(1000, 0)

// policyTopic is a topicState for a policy test, whose offer is offer (nil:
// none yet).
func policyTopic(offer *qos.Profile) *topicState {
	cfg := &busConfig{log: zerolog.Nop(), clock: systemClock{}, retainer: NewCache, defaultQoS: qos.DurableVideo()}
	limiter, err := qos.NewKeyframeLimiter()
	if err != nil {
		panic(err)
	}
	t := newTopicState("/policy", cfg, limiter)
	t.offer = offer
	return t
}

// addSub registers a subscriber of the given request, as the broker does.
func addSub(t *topicState, name string, request *qos.Profile) *subscriber {
	s := &subscriber{pid: actor.NewPID("test", name), window: NewWindow(0), request: request}
	t.subs = append(t.subs, s)
	t.subIndex[keyOf(s.pid)] = s
	return s
}

// addPub registers a publisher, as the broker does.
func addPub(t *topicState, name string, offer qos.Profile, owner Owner) *publisherState {
	ps := &publisherState{pid: actor.NewPID("test", name), offer: offer, owner: owner}
	t.pubs[keyOf(ps.pid)] = ps
	return ps
}

func kinds(do []action) []actionKind {
	out := make([]actionKind, len(do))
	for i, a := range do {
		out[i] = a.kind
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestDeadlineIsMissedOncePerPeriodWhileStreaming(t *testing.T) {
	offer := qos.DurableVideo()
	offer.Deadline = 30 * time.Millisecond
	top := policyTopic(&offer)
	s := addSub(top, "s", nil)
	d := newDeadlines(top)
	d.handle(t0, input{kind: inSubscribed, sub: s}, nil)
	if !d.due().IsZero() {
		t.Fatal("a deadline is due before any stream")
	}
	d.handle(t0, input{kind: inStreamStarted}, nil)
	if got := d.due(); !got.Equal(t0.Add(30 * time.Millisecond)) {
		t.Fatalf("due %v, want 30 ms after the stream started", got.Sub(t0))
	}
	if do := d.handle(t0.Add(29*time.Millisecond), input{kind: inTick}, nil); len(do) != 0 {
		t.Fatalf("early tick: %v", do)
	}
	for i, at := range []time.Duration{30, 60, 90} {
		do := d.handle(t0.Add(at*time.Millisecond), input{kind: inTick}, nil)
		if len(do) != 1 || do[0].event.Kind != EventDeadlineMissed || do[0].sub != s || do[0].event.Count != uint64(i+1) {
			t.Fatalf("tick at %d ms: %+v, want miss %d", at, do, i+1)
		}
	}
	// A packet starts the count again, and the next due is a period later.
	d.handle(t0.Add(100*time.Millisecond), input{kind: inPublished, packet: &media.Packet{}}, nil)
	if got := d.due(); !got.Equal(t0.Add(130 * time.Millisecond)) {
		t.Fatalf("due %v after a packet at 100 ms, want 130 ms", got.Sub(t0))
	}
	if do := d.handle(t0.Add(130*time.Millisecond), input{kind: inTick}, nil); len(do) != 1 || do[0].event.Count != 1 {
		t.Fatalf("after a packet: %+v, want the first miss again", do)
	}
	// An incompatible subscriber is not watched; neither is an ended stream.
	s.incompatible = true
	if !d.due().IsZero() {
		t.Fatal("an incompatible subscriber's deadline is due")
	}
	s.incompatible = false
	d.handle(t0.Add(time.Second), input{kind: inStreamEnded}, nil)
	if do := d.handle(t0.Add(time.Hour), input{kind: inTick}, nil); len(do) != 0 || !d.due().IsZero() {
		t.Fatalf("after the stream ended: %v", do)
	}
	d.report(t0, &top.stats)
	if top.stats.DeadlinesMissed != 4 {
		t.Fatalf("%d deadlines missed, want 4", top.stats.DeadlinesMissed)
	}
}

func TestSubscribersOwnDeadlineComesFirst(t *testing.T) {
	offer := qos.DurableVideo()
	offer.Deadline = time.Second
	top := policyTopic(&offer)
	s := addSub(top, "s", &qos.Profile{Deadline: 10 * time.Millisecond})
	d := newDeadlines(top)
	d.handle(t0, input{kind: inStreamStarted}, nil)
	d.handle(t0.Add(5*time.Millisecond), input{kind: inSubscribed, sub: s}, nil)
	if got := d.due(); !got.Equal(t0.Add(15 * time.Millisecond)) {
		t.Fatalf("due %v, want 10 ms after subscribing", got.Sub(t0))
	}
}

func TestLivelinessIsLostAndRegainedOnce(t *testing.T) {
	top := policyTopic(ptr(qos.DurableVideo()))
	offer := qos.DurableVideo()
	offer.Lease = 60 * time.Millisecond
	ps := addPub(top, "p", offer, Owner{})
	l := newLiveliness(top)
	l.handle(t0, input{kind: inPublisherJoined, pub: ps}, nil)
	if got := l.due(); !got.Equal(t0.Add(60 * time.Millisecond)) {
		t.Fatalf("due %v, want the lease", got.Sub(t0))
	}
	if do := l.handle(t0.Add(59*time.Millisecond), input{kind: inTick}, nil); len(do) != 0 {
		t.Fatalf("lost before the lease ran out: %v", do)
	}
	do := l.handle(t0.Add(60*time.Millisecond), input{kind: inTick}, nil)
	if len(do) != 1 || do[0].sub != nil || do[0].event.Kind != EventLivelinessLost || !do[0].event.Publisher.Equal(ps.pid) {
		t.Fatalf("at the lease: %+v, want liveliness lost, to every subscriber", do)
	}
	if !l.due().IsZero() || len(l.handle(t0.Add(time.Hour), input{kind: inTick}, nil)) != 0 {
		t.Fatal("a lost lease is watched again")
	}
	do = l.handle(t0.Add(2*time.Hour), input{kind: inPublished, pub: ps, packet: &media.Packet{}}, nil)
	if len(do) != 1 || do[0].event.Kind != EventLivelinessRegained {
		t.Fatalf("publishing again: %+v, want liveliness regained", do)
	}
	if got := l.due(); !got.Equal(t0.Add(2*time.Hour + 60*time.Millisecond)) {
		t.Fatalf("due %v after publishing again", got.Sub(t0))
	}
	// A publisher that stops has lost its liveliness once, and is forgotten
	// when it has left.
	if do := l.handle(t0, input{kind: inPublisherStopped, pub: ps}, nil); len(do) != 1 || do[0].event.Kind != EventLivelinessLost {
		t.Fatalf("stopping: %+v, want liveliness lost", do)
	}
	l.handle(t0, input{kind: inPublisherLeft, pub: ps}, nil)
	if !l.due().IsZero() || len(l.pubs) != 0 || len(l.order) != 0 {
		t.Fatal("a publisher that left is still watched")
	}
}

func TestMatcherTellsAnIncompatibleSubscriber(t *testing.T) {
	top := policyTopic(nil)
	req := qos.DurableVideo()
	s := addSub(top, "s", &req)
	m := &matcher{t: top}
	if do := m.handle(t0, input{kind: inSubscribed, sub: s}, nil); len(do) != 1 || do[0].kind != doMatch || do[0].err != nil {
		t.Fatalf("without an offer: %+v, want a match", do)
	}
	top.offer = ptr(qos.SensorData())
	do := m.handle(t0, input{kind: inOfferSet}, nil)
	var ie *qos.IncompatibleError
	if !slices.Equal(kinds(do), []actionKind{doMatch, doEvent}) || !errors.As(do[0].err, &ie) ||
		do[1].sub != s || do[1].event.Kind != EventIncompatibleQoS {
		t.Fatalf("a volatile offer for a durable request: %+v", do)
	}
	top.offer = nil
	if do := m.handle(t0, input{kind: inOfferCleared}, nil); len(do) != 1 || do[0].kind != doMatch || do[0].err != nil {
		t.Fatalf("offer cleared: %+v, want a match", do)
	}
	m.report(t0, &top.stats)
	if top.stats.Incompatible != 1 {
		t.Fatalf("%d mismatches counted, want 1", top.stats.Incompatible)
	}
}

// cachedTopic is a durable topic whose cache holds packets 0..n-1 of one
// epoch, a keyframe every gop.
func cachedTopic(t *testing.T, n, gop int) (*topicState, []*media.Packet) {
	t.Helper()
	top := policyTopic(ptr(qos.DurableVideo()))
	top.cache.handle(t0, input{kind: inOfferSet}, nil)
	var src packetSource
	src.epoch = 1
	pkts := make([]*media.Packet, n)
	for i := range pkts {
		pkts[i] = src.next(i%gop == 0)
		top.cache.handle(t0, input{kind: inPublished, packet: pkts[i]}, nil)
	}
	return top, pkts
}

func delivered(do []action) []uint64 {
	var out []uint64
	for _, a := range do {
		if a.kind == doDeliver {
			out = append(out, a.packet.Seq)
		}
	}
	return out
}

func TestCacheReplaysTheCurrentGOPToAJoiner(t *testing.T) {
	top, pkts := cachedTopic(t, 14, 10)
	s := addSub(top, "s", nil)
	do := top.cache.handle(t0, input{kind: inSubscribed, sub: s}, nil)
	if got := delivered(do); !slices.Equal(got, []uint64{10, 11, 12, 13}) || len(do) != 4 {
		t.Fatalf("replay %v (%v), want 10..13 and nothing else", got, kinds(do))
	}
	for i, a := range do {
		if a.packet == pkts[10+i] || !a.packet.Replay.Replayed || a.packet.Replay.Last != (i == 3) {
			t.Fatalf("replayed %d: want a marked copy, the last marked last", a.packet.Seq)
		}
	}
	if s.window.WaitingForKeyframe() || s.window.Replaying() != 4 {
		t.Fatalf("window after the replay: %+v", s.window.Stats())
	}
	vol := qos.SensorData()
	v := addSub(top, "v", &vol)
	if do := top.cache.handle(t0, input{kind: inSubscribed, sub: v}, nil); len(do) != 0 {
		t.Fatalf("a volatile request was replayed %v", delivered(do))
	}
}

func TestCacheRepairsAChainOrAsksForAKeyframe(t *testing.T) {
	top, pkts := cachedTopic(t, 15, 10)
	s := addSub(top, "s", nil)
	s.window.Offer(pkts[11]) // lost its chain at 11, live
	s.last = pkts[11]
	do := top.cache.handle(t0, input{kind: inKeyframeRequest, sub: s}, nil)
	if got := delivered(do); !slices.Equal(got, []uint64{10, 11, 12, 13, 14}) || do[len(do)-1].kind != doAnswered {
		t.Fatalf("repair: %v %v, want the GOP 10..14 replayed and the request answered", got, kinds(do))
	}
	// Until that replay is acknowledged, no other.
	if do := top.cache.handle(t0, input{kind: inKeyframeRequest, sub: s}, nil); len(do) != 0 {
		t.Fatalf("a second repair before the first was acknowledged: %v", kinds(do))
	}
	// A cache that stopped short of the live stream replays what it has
	// and asks for a keyframe.
	top.cache.handle(t0, input{kind: inPublished, packet: &media.Packet{Seq: 20, GOP: 10, Epoch: 1}}, nil)
	late := addSub(top, "late", nil)
	do = top.cache.handle(t0, input{kind: inSubscribed, sub: late}, nil)
	if len(do) == 0 || do[len(do)-1].kind != doAskKeyframe || !late.window.WaitingForKeyframe() {
		t.Fatalf("a replay short of the live stream: %v, want a keyframe asked for", kinds(do))
	}
	top.cache.report(t0, &top.stats)
	if top.stats.KeyframeRequestsFromCache != 1 || top.stats.Replayed == 0 || top.stats.Cache == nil {
		t.Fatalf("stats %+v", top.stats)
	}
}

func TestFarewellWaitsForTheLastPublisherOfItsOwner(t *testing.T) {
	top := policyTopic(nil)
	ours := NewOwner()
	a, b := addPub(top, "a", qos.Default(), ours), addPub(top, "b", qos.Default(), ours)
	addPub(top, "c", qos.Default(), NewOwner())
	s := addSub(top, "s", nil)
	f := newFarewells(top)
	if do := f.handle(t0, input{kind: inFarewell, sub: s, owner: ours}, nil); !slices.Equal(kinds(do), []actionKind{doAnswered}) {
		t.Fatalf("farewell while our publishers publish: %v, want it held", kinds(do))
	}
	delete(top.pubs, keyOf(a.pid))
	if do := f.handle(t0, input{kind: inPublisherLeft, pub: a}, nil); len(do) != 0 {
		t.Fatalf("one of ours left: %v", kinds(do))
	}
	delete(top.pubs, keyOf(b.pid))
	do := f.handle(t0, input{kind: inPublisherLeft, pub: b}, nil)
	if len(do) != 1 || do[0].kind != doFarewell || do[0].sub != s {
		t.Fatalf("the last of ours left: %+v, want the farewell", do)
	}
	if do := f.handle(t0, input{kind: inFarewell, sub: s, owner: Owner{}}, nil); len(do) != 0 {
		t.Fatalf("a farewell after the zero owner is held: %v", kinds(do))
	}
}

func TestRateMeterMeasuresWholeWindows(t *testing.T) {
	var m rateMeter
	p := &media.Packet{Data: make([]byte, 100)}
	for i := range 45 { // 1.5 s at 30 packets/s
		m.handle(t0.Add(time.Duration(i)*time.Second/30), input{kind: inPublished, packet: p}, nil)
	}
	var st TopicStats
	m.report(t0.Add(1500*time.Millisecond), &st)
	if st.Rate < 29.9 || st.Rate > 30.1 || st.ByteRate < 2990 || st.ByteRate > 3010 {
		t.Fatalf("rate %.2f packets/s, %.0f B/s; want 30 and 3000", st.Rate, st.ByteRate)
	}
	m.report(t0.Add(5*time.Second), &st)
	if st.Rate != 0 || st.ByteRate != 0 {
		t.Fatalf("rate %.2f after silence, want 0", st.Rate)
	}
}

func TestRateMeterKeepsASlowTopicsRateBetweenPackets(t *testing.T) {
	var m rateMeter
	p := &media.Packet{Data: make([]byte, 100)}
	period := 5 * time.Second // 0.2 packets/s
	for i := range 4 {
		m.handle(t0.Add(time.Duration(i)*period), input{kind: inPublished, packet: p}, nil)
	}
	var st TopicStats
	m.report(t0.Add(3*period+4*time.Second), &st)
	if st.Rate < 0.199 || st.Rate > 0.201 {
		t.Fatalf("rate %.3f packets/s 4 s after the last of a packet every 5 s, want 0.2", st.Rate)
	}
	m.report(t0.Add(3*period+11*time.Second), &st)
	if st.Rate != 0 {
		t.Fatalf("rate %.3f after two periods without a packet, want 0", st.Rate)
	}
}

func TestKeyframeLimitForwardsOncePerInterval(t *testing.T) {
	now := t0
	limiter, err := qos.NewKeyframeLimiter(qos.WithClock(func() time.Time { return now }),
		qos.WithKeyframeRequestInterval(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	k := &keyframeLimit{limiter: limiter}
	if k.forward(false) {
		t.Fatal("forwarded with no publisher")
	}
	got := []bool{k.forward(true), k.forward(true)}
	now = now.Add(300 * time.Millisecond)
	got = append(got, k.forward(true))
	if !slices.Equal(got, []bool{true, false, true}) {
		t.Fatalf("forwarded %v, want the first, none within the interval, one after", got)
	}
	var st TopicStats
	k.report(&st)
	if st.KeyframeRequestsForwarded != 2 || st.KeyframeRequestsSuppressed != 1 {
		t.Fatalf("stats %+v", st)
	}
}
