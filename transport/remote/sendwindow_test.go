package remote

import (
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
)

func delivery(size int, replayed bool) *transport.Delivery {
	return &transport.Delivery{Packet: &media.Packet{Data: make([]byte, size), Replay: media.Replay{Replayed: replayed}}}
}

// live is a live delivery of packet seq of a stream with a keyframe every
// gop packets.
func live(seq, gop uint64) *transport.Delivery {
	return &transport.Delivery{Packet: &media.Packet{Seq: seq, Key: seq%gop == 0, Data: make([]byte, 1000)}}
}

// t0 is the time of the tests' sendWindow: a link that keeps up
// acknowledges before laggingAfter passes.
var t0 = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func TestSendWindowCarriesMoreSmallPacketsThanTheSubscribersWindow(t *testing.T) {
	w := newSendWindow(16)
	if got := w.topicWindow(); got != remoteWindowPackets {
		t.Fatalf("topic window %d, want %d", got, remoteWindowPackets)
	}
	sent := 0
	for range remoteWindowPackets + 5 {
		send, dropped := w.add(delivery(50_000, false), t0)
		sent += len(send)
		if dropped != 0 {
			t.Fatalf("a link that keeps up dropped %d", dropped)
		}
	}
	if sent != remoteWindowPackets || w.unacked() != remoteWindowPackets {
		t.Fatalf("%d sent, %d in flight, want %d", sent, w.unacked(), remoteWindowPackets)
	}
	send, acked := w.ack(2, t0)
	if acked != 2 || len(send) != 2 {
		t.Fatalf("2 acks: %d acked, %d sent", acked, len(send))
	}
}

func TestSendWindowBoundsLargePacketsByBytesBeyondTheSubscribersWindow(t *testing.T) {
	const size = 1_500_000
	w := newSendWindow(2)
	sent := 0
	for range 10 {
		send, _ := w.add(delivery(size, false), t0)
		sent += len(send)
	}
	// Two by the subscriber's window, and as many more as fit in
	// remoteWindowBytes with those.
	want := max(2, remoteWindowBytes/size)
	if sent != want || w.bytes != want*size {
		t.Fatalf("%d sent (%d bytes), want %d", sent, w.bytes, want)
	}
	// The waiting go in order as credits come back, never more than fit.
	send, acked := w.ack(1, t0)
	if acked != 1 || len(send) != 1 || w.bytes > max(2*size, remoteWindowBytes) {
		t.Fatalf("an ack: %d acked, %d sent, %d bytes in flight", acked, len(send), w.bytes)
	}
	// More acks than in flight take those in flight only.
	send, acked = w.ack(100, t0)
	if acked != want || len(send) != want || w.unacked() != want || w.bytes != want*size {
		t.Fatalf("100 acks took %d and sent %d, leaving %d in flight of %d bytes; want %d", acked, len(send), w.unacked(), w.bytes, want)
	}
}

func TestSendWindowKeepsOrderAndSendsReplaysAtOnce(t *testing.T) {
	w := newSendWindow(1)
	if send, _ := w.add(delivery(remoteWindowBytes, false), t0); len(send) != 1 {
		t.Fatal("the first delivery waits")
	}
	if send, _ := w.add(delivery(10, true), t0); len(send) != 1 {
		t.Fatal("a replayed delivery waits")
	}
	if send, _ := w.add(delivery(remoteWindowBytes, false), t0); len(send) != 0 {
		t.Fatal("a delivery beyond both windows went")
	}
	// Behind a waiting one, even a replayed one waits: order is kept.
	second := delivery(10, true)
	if send, _ := w.add(second, t0); len(send) != 0 {
		t.Fatal("a delivery overtook a waiting one")
	}
	send, acked := w.ack(2, t0)
	if acked != 2 || len(send) != 2 || send[1] != second {
		t.Fatalf("%d acked, %d sent, want both waiting in order", acked, len(send))
	}
	if _, acked := w.ack(5, t0); acked != 2 {
		t.Fatalf("5 acks of 2 in flight took %d", acked)
	}
}

// A link slower than the stream: the topic delivers a packet every 10 ms
// and the link acknowledges one every 100 ms. What went before the link
// was seen to lag (laggingAfter) crosses; from then on the subscription
// has no more than the subscriber's window of live packets in flight or
// waiting, so the subscriber is at most that far behind, and what crosses
// is always decodable: after a drop, the next packet to cross is a
// keyframe.
func TestSendWindowOfALaggingLinkDropsToTheNewestGOP(t *testing.T) {
	const window, gop = 4, 10
	w := newSendWindow(window)
	now := t0
	var crossed []uint64
	var dropped, reported uint64
	cross := func(send []*transport.Delivery) {
		for _, d := range send {
			crossed = append(crossed, d.Packet.Seq)
			reported += w.takeDropped()
		}
	}
	const packets = 2000
	for seq := range uint64(packets) {
		now = now.Add(10 * time.Millisecond)
		send, n := w.add(live(seq, gop), now)
		dropped += uint64(n)
		cross(send)
		if seq%10 == 9 {
			send, _ := w.ack(1, now)
			cross(send)
		}
		// laggingAfter's packets went before the lag showed; they drain
		// at the link's pace.
		before := int(laggingAfter/(10*time.Millisecond)) + 1
		if l := w.live(); l > before || seq > packets/2 && l > window {
			t.Fatalf("packet %d: %d live deliveries in flight or waiting, want at most %d, and %d once drained", seq, l, before, window)
		}
	}
	if dropped == 0 || dropped+uint64(len(crossed))+uint64(len(w.waiting)) != packets {
		t.Fatalf("%d dropped, %d crossed, %d waiting: want drops, and every packet counted", dropped, len(crossed), len(w.waiting))
	}
	if reported > dropped || reported+w.dropped != dropped {
		t.Fatalf("%d drops reported with deliveries, %d pending, of %d", reported, w.dropped, dropped)
	}
	for i := 1; i < len(crossed); i++ {
		if crossed[i] != crossed[i-1]+1 && crossed[i]%gop != 0 {
			t.Fatalf("after packet %d crossed %d: a gap that does not resume at a keyframe", crossed[i-1], crossed[i])
		}
	}
}

// A keyframe that comes while packets wait on a lagging link replaces
// them: the subscriber resumes at the newest GOP, not at a queue's head.
func TestSendWindowKeyframeReplacesWhatWaitsOnALaggingLink(t *testing.T) {
	w := newSendWindow(3)
	for seq := range uint64(3) { // in flight: the subscriber's window
		if send, _ := w.add(live(seq, 100), t0); len(send) != 1 {
			t.Fatalf("packet %d waits", seq)
		}
	}
	for range 2 { // a replay is never dropped, and goes at once
		if send, _ := w.add(delivery(10, true), t0); len(send) != 1 {
			t.Fatal("a replayed delivery waits")
		}
	}
	w.ack(0, t0.Add(laggingAfter/2)) // the proxy runs: no stall
	later := t0.Add(laggingAfter)
	if send, n := w.add(live(3, 100), later); len(send) != 0 || n != 1 {
		t.Fatalf("a delta beyond the window of a lagging link: %d sent, %d dropped; want it dropped", len(send), n)
	}
	if _, acked := w.ack(2, later); acked != 2 {
		t.Fatal("acks not taken")
	}
	// In flight: a live packet and the two replayed, the subscriber's
	// window. Live ones may wait while fewer than the window are live.
	for _, seq := range []uint64{100, 101} {
		if send, n := w.add(live(seq, 100), later); len(send) != 0 || n != 0 {
			t.Fatalf("packet %d: %d sent, %d dropped; want it waiting", seq, len(send), n)
		}
	}
	if send, n := w.add(live(200, 100), later); len(send) != 0 || n != 2 {
		t.Fatalf("a newer keyframe: %d sent, %d dropped; want the two waiting dropped", len(send), n)
	}
	send, _ := w.ack(1, later)
	if len(send) != 1 || send[0].Packet.Seq != 200 {
		t.Fatalf("sent %d, want the newest keyframe", len(send))
	}
	if n := w.takeDropped(); n != 3 {
		t.Fatalf("%d drops to report, want 3", n)
	}
}

// A publisher's node stopped for 25 s (SIGSTOP) finds, when it continues,
// its deliveries in flight as old as the pause: that is not a lagging
// link, and the burst of a source that catches up crosses in the window
// of a link that keeps up, without a drop.
func TestSendWindowOfANodeThatWasStoppedDoesNotLag(t *testing.T) {
	w := newSendWindow(4)
	for seq := range uint64(4) {
		w.add(live(seq, 10), t0)
	}
	later := t0.Add(25 * time.Second)
	for seq := uint64(4); seq < 40; seq++ {
		send, n := w.add(live(seq, 10), later)
		if len(send) != 1 || n != 0 {
			t.Fatalf("packet %d after the pause: %d sent, %d dropped; want it sent", seq, len(send), n)
		}
	}
	// A link that then lags is still seen to.
	if w.lagging(later.Add(laggingAfter / 2)) {
		t.Fatal("lagging before laggingAfter passed")
	}
	if !w.lagging(later.Add(laggingAfter)) {
		t.Fatal("not lagging once its oldest waited laggingAfter")
	}
}
