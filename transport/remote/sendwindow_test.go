package remote

import (
	"testing"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
)

func delivery(size int, replayed bool) *transport.Delivery {
	return &transport.Delivery{Packet: &media.Packet{Data: make([]byte, size), Replay: media.Replay{Replayed: replayed}}}
}

func TestSendWindowCarriesMoreSmallPacketsThanTheSubscribersWindow(t *testing.T) {
	w := newSendWindow(16)
	if got := w.topicWindow(); got != remoteWindowPackets {
		t.Fatalf("topic window %d, want %d", got, remoteWindowPackets)
	}
	sent := 0
	for range remoteWindowPackets + 5 {
		sent += len(w.add(delivery(50_000, false)))
	}
	if sent != remoteWindowPackets || w.unacked() != remoteWindowPackets {
		t.Fatalf("%d sent, %d in flight, want %d", sent, w.unacked(), remoteWindowPackets)
	}
	send, acked := w.ack(2)
	if acked != 2 || len(send) != 2 {
		t.Fatalf("2 acks: %d acked, %d sent", acked, len(send))
	}
}

func TestSendWindowBoundsLargePacketsByBytesBeyondTheSubscribersWindow(t *testing.T) {
	const size = 1_500_000
	w := newSendWindow(2)
	sent := 0
	for range 10 {
		sent += len(w.add(delivery(size, false)))
	}
	// Two by the subscriber's window, and as many more as fit in
	// remoteWindowBytes with those.
	want := max(2, remoteWindowBytes/size)
	if sent != want || w.bytes != want*size {
		t.Fatalf("%d sent (%d bytes), want %d", sent, w.bytes, want)
	}
	// The waiting go in order as credits come back, never more than fit.
	send, acked := w.ack(1)
	if acked != 1 || len(send) != 1 || w.bytes > max(2*size, remoteWindowBytes) {
		t.Fatalf("an ack: %d acked, %d sent, %d bytes in flight", acked, len(send), w.bytes)
	}
	// More acks than in flight take those in flight only.
	send, acked = w.ack(100)
	if acked != want || len(send) != want || w.unacked() != want || w.bytes != want*size {
		t.Fatalf("100 acks took %d and sent %d, leaving %d in flight of %d bytes; want %d", acked, len(send), w.unacked(), w.bytes, want)
	}
}

func TestSendWindowKeepsOrderAndSendsReplaysAtOnce(t *testing.T) {
	w := newSendWindow(1)
	if len(w.add(delivery(remoteWindowBytes, false))) != 1 {
		t.Fatal("the first delivery waits")
	}
	if len(w.add(delivery(10, true))) != 1 {
		t.Fatal("a replayed delivery waits")
	}
	if len(w.add(delivery(remoteWindowBytes, false))) != 0 {
		t.Fatal("a delivery beyond both windows went")
	}
	// Behind a waiting one, even a replayed one waits: order is kept.
	second := delivery(10, true)
	if len(w.add(second)) != 0 {
		t.Fatal("a delivery overtook a waiting one")
	}
	send, acked := w.ack(2)
	if acked != 2 || len(send) != 2 || send[1] != second {
		t.Fatalf("%d acked, %d sent, want both waiting in order", acked, len(send))
	}
	if _, acked := w.ack(5); acked != 2 {
		t.Fatalf("5 acks of 2 in flight took %d", acked)
	}
}
