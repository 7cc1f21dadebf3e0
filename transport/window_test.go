package transport

import (
	"math/rand/v2"
	"testing"

	"github.com/gopline/gopline/media"
)

// packetSource makes a publisher's stream without holes: Seq +1 per packet,
// every GOP opened by a keyframe.
type packetSource struct {
	seq, gop, epoch uint64
	started         bool
}

func (s *packetSource) next(key bool) *media.Packet {
	if !s.started {
		key, s.started = true, true
	} else {
		s.seq++
	}
	if key {
		s.gop = s.seq
	}
	return &media.Packet{Codec: media.H264, Data: []byte{byte(s.seq)}, Key: key, Seq: s.seq, GOP: s.gop, Epoch: s.epoch, Width: 2, Height: 2}
}

// restart begins a new stream, as a new encoder instance would.
func (s *packetSource) restart() {
	s.epoch++
	s.started = false
	s.seq, s.gop = 0, 0
}

// decodable follows what a decoder could make of the packets delivered to
// one subscriber and reports the first it could not decode.
type decodable struct {
	last    *media.Packet
	newData bool // a new stream began: the next delivery must be a keyframe
}

func (d *decodable) check(p *media.Packet) (ok bool) {
	defer func() { d.last, d.newData = p, false }()
	if p.Key {
		return true
	}
	l := d.last
	return !d.newData && l != nil && l.Epoch == p.Epoch && l.Seq+1 == p.Seq && l.GOP == p.GOP
}

// runWindowScript drives a Window with a script of operations and checks,
// after every step, what a Window promises:
//   - the delivered sequence is decodable (starts with a keyframe, every
//     delta follows its predecessor in the same GOP),
//   - in-flight never exceeds the window,
//   - nothing is dropped needlessly: a delta is refused only if the window
//     is full or the packet before it was not delivered, and a keyframe only
//     if the window is full,
//   - counters add up: delivered + dropped + skipped = offered, and the drops
//     reported with deliveries plus those pending = dropped.
//
// Script bytes: the first sets the window size (1..8); then per byte, by its
// two low bits: 0 publish a keyframe, 1 or 2 publish the next packet (a delta
// except at the start of a stream), 3 acknowledge 1..4 deliveries (the upper
// bits), or, for 0xff, end the stream (Resync and a new encoder epoch).
func runWindowScript(t testing.TB, script []byte) {
	t.Helper()
	if len(script) == 0 {
		return
	}
	size := 1 + int(script[0]%8)
	w := NewWindow(size)
	src := &packetSource{epoch: 1}
	dec := &decodable{}
	var offered, reportedDrops uint64
	prevDelivered := false // whether the previous offered packet was delivered
	for step, b := range script[1:] {
		switch {
		case b == 0xff:
			w.Resync()
			src.restart()
			dec.newData = true
			prevDelivered = false
		case b&3 == 3:
			for range 1 + int(b>>2)%4 {
				before := w.InFlight()
				if ok := w.Ack(); ok != (before > 0) {
					t.Fatalf("step %d: Ack() = %v with %d in flight", step, ok, before)
				}
			}
		default:
			p := src.next(b&3 == 0)
			full := w.InFlight() >= size
			offered++
			if !w.Offer(p) {
				if !full && (p.Key || prevDelivered) {
					t.Fatalf("step %d: refused seq %d (key %v) with %d/%d in flight after a delivered predecessor",
						step, p.Seq, p.Key, w.InFlight(), size)
				}
				prevDelivered = false
				break
			}
			prevDelivered = true
			reportedDrops += w.TakeDropped()
			if !dec.check(p) {
				t.Fatalf("step %d: delivered seq %d (gop %d, key %v) cannot be decoded after %+v",
					step, p.Seq, p.GOP, p.Key, dec.last)
			}
		}
		if w.InFlight() > size || w.InFlight() < 0 {
			t.Fatalf("step %d: %d in flight, window %d", step, w.InFlight(), size)
		}
	}
	st := w.Stats()
	if st.Delivered+st.Dropped+st.Skipped != offered {
		t.Fatalf("delivered %d + dropped %d + skipped %d != offered %d", st.Delivered, st.Dropped, st.Skipped, offered)
	}
	if pending := w.TakeDropped(); reportedDrops+pending != st.Dropped {
		t.Fatalf("reported drops %d + pending %d != dropped %d", reportedDrops, pending, st.Dropped)
	}
}

func TestWindowDeliveredSequenceIsAlwaysDecodable(t *testing.T) {
	for seed := range uint64(2000) {
		rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		script := make([]byte, 1+rng.IntN(400))
		for i := range script {
			switch r := rng.IntN(100); {
			case r < 8:
				script[i] = 0 // keyframe
			case r < 55:
				script[i] = 1 // next packet
			case r < 99:
				script[i] = byte(3 | rng.IntN(64)<<2) // acks
			default:
				script[i] = 0xff // end of stream
			}
		}
		script[0] = byte(rng.IntN(8))
		runWindowScript(t, script)
		if t.Failed() {
			t.Fatalf("seed %d", seed)
		}
	}
}

func FuzzWindow(f *testing.F) {
	f.Add([]byte{0, 0, 1, 1, 1, 3, 1, 0, 1})
	f.Add([]byte{2, 1, 1, 0, 1, 1, 1, 1, 1, 3, 0, 1, 0xff, 1, 0, 1})
	f.Add([]byte{7, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 15, 1, 0, 1})
	f.Fuzz(func(t *testing.T, script []byte) { runWindowScript(t, script) })
}

func TestWindowStartsAtKeyframe(t *testing.T) {
	src := &packetSource{epoch: 1}
	src.next(true) // published before the subscriber joined
	w := NewWindow(4)
	if w.Offer(src.next(false)) || w.Offer(src.next(false)) {
		t.Fatal("a window admitted a delta before any keyframe")
	}
	key := src.next(true)
	if !w.Offer(key) {
		t.Fatal("a window with credit refused a keyframe")
	}
	if d := w.TakeDropped(); d != 0 {
		t.Fatalf("deltas skipped before the first keyframe were reported as %d drops", d)
	}
	if st := w.Stats(); st.Skipped != 2 || st.Dropped != 0 || st.Delivered != 1 {
		t.Fatalf("stats %+v, want 2 skipped, 0 dropped, 1 delivered", st)
	}
}

func TestWindowOverflowDropsRestOfGOP(t *testing.T) {
	src := &packetSource{epoch: 1}
	w := NewWindow(2)
	for i, want := range []bool{true, true, false} { // key, delta, delta (full)
		if got := w.Offer(src.next(false)); got != want {
			t.Fatalf("packet %d: Offer = %v, want %v", i, got, want)
		}
	}
	w.Ack()
	w.Ack()
	if w.Offer(src.next(false)) {
		t.Fatal("a delta of a GOP with a dropped packet was admitted after acks")
	}
	if !w.Offer(src.next(true)) {
		t.Fatal("the next keyframe was refused with credit")
	}
	if d := w.TakeDropped(); d != 2 {
		t.Fatalf("TakeDropped = %d, want 2", d)
	}
	if d := w.TakeDropped(); d != 0 {
		t.Fatalf("TakeDropped after taking = %d, want 0", d)
	}
}

func TestWindowRefusedKeyframeEndsChain(t *testing.T) {
	src := &packetSource{epoch: 1}
	w := NewWindow(1)
	if !w.Offer(src.next(true)) {
		t.Fatal("first keyframe refused")
	}
	if w.Offer(src.next(true)) {
		t.Fatal("keyframe admitted with a full window")
	}
	w.Ack()
	if w.Offer(src.next(false)) {
		t.Fatal("a delta whose keyframe was dropped was admitted")
	}
}

func TestWindowUnexpectedAck(t *testing.T) {
	w := NewWindow(0)
	if w.Size() != DefaultWindow {
		t.Fatalf("NewWindow(0).Size() = %d, want %d", w.Size(), DefaultWindow)
	}
	if w.Ack() {
		t.Fatal("Ack with nothing in flight reported true")
	}
	if w.InFlight() != 0 || w.Stats().UnexpectedAcks != 1 {
		t.Fatalf("after an unexpected ack: in flight %d, stats %+v", w.InFlight(), w.Stats())
	}
}

func TestWindowOfferDoesNotAllocate(t *testing.T) {
	src := &packetSource{epoch: 1}
	pkts := make([]*media.Packet, 30)
	for i := range pkts {
		pkts[i] = src.next(i == 0)
	}
	w := NewWindow(4)
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		if w.Offer(pkts[i%len(pkts)]) {
			_ = w.TakeDropped()
			w.Ack()
		}
		i++
	})
	if allocs != 0 {
		t.Fatalf("Offer allocates %.1f times per call", allocs)
	}
}

func BenchmarkWindowOffer(b *testing.B) {
	src := &packetSource{epoch: 1}
	pkts := make([]*media.Packet, 30)
	for i := range pkts {
		pkts[i] = src.next(i == 0)
	}
	w := NewWindow(DefaultWindow)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if w.Offer(pkts[i%len(pkts)]) {
			_ = w.TakeDropped()
			if i%3 != 0 { // a subscriber that keeps up two times in three
				w.Ack()
			}
		}
	}
}

// A replay takes no credit: it is not cut short by a small window, and the
// live packets after it find the whole window.
func TestWindowReplayTakesNoCredit(t *testing.T) {
	w := NewWindow(3)
	src := &packetSource{epoch: 1}
	gop := []*media.Packet{src.next(true)}
	for range 9 {
		gop = append(gop, src.next(false))
	}
	if w.Replay(gop[1]) {
		t.Fatal("a replay starting with a delta was admitted")
	}
	for i, p := range gop {
		if !w.Replay(p) {
			t.Fatalf("replayed packet %d refused", i)
		}
	}
	for i := range 3 {
		if !w.Offer(src.next(false)) {
			t.Fatalf("live packet %d after the replay refused with the window unused", i)
		}
	}
	if w.Offer(src.next(false)) || !w.WaitingForKeyframe() {
		t.Fatal("a fourth live packet in a window of 3 was admitted")
	}
	for range 13 {
		w.Ack()
	}
	if w.InFlight() != 0 || !w.Offer(src.next(true)) {
		t.Fatal("after every ack the window does not take the next keyframe")
	}
}

func TestWindowCountsWhatTheSubscriberDroppedAsDropped(t *testing.T) {
	var src packetSource
	w := NewWindow(4)
	for i := range 3 {
		if !w.Offer(src.next(i == 0)) {
			t.Fatalf("packet %d refused by an empty window", i)
		}
	}
	// The subscriber (a remote subscription's end) passed one on and
	// dropped two: each returns its credit, two say they were dropped.
	w.Ack()
	w.Ack()
	w.SubscriberDropped(1)
	w.Ack()
	w.SubscriberDropped(1)
	st := w.Stats()
	if st.Delivered != 1 || st.Dropped != 2 || st.InFlight != 0 {
		t.Fatalf("stats %+v, want 1 delivered, 2 dropped, none in flight", st)
	}
	// A report of more than was delivered counts no more than that.
	w.SubscriberDropped(5)
	if st := w.Stats(); st.Delivered != 0 || st.Dropped != 3 {
		t.Fatalf("stats %+v after an excessive report, want 0 delivered, 3 dropped", st)
	}
	// The window itself is unchanged: the next packet passes.
	if !w.Offer(src.next(false)) {
		t.Fatal("the window refused a packet after the subscriber's drops")
	}
}
