package remote

import "github.com/gopline/gopline/transport"

// A remote subscription's deliveries cross the link in a window of its
// own, larger than the subscriber's when packets are small: every credit
// takes a round trip across both processes, and 16 packets of 50 KB in
// flight keep a loopback link waiting for credits most of the time.
const (
	// remoteWindowPackets is the most deliveries a remote subscription
	// has in flight; its proxy subscribes to the topic with this window
	// (or the subscriber's, when larger).
	remoteWindowPackets = 64
	// remoteWindowBytes bounds the packet data in flight beyond the
	// subscriber's own window: a gRPC stream's flow-control window, more
	// than which cannot cross before the peer reads.
	remoteWindowBytes = streamWindowBytes
)

// sendWindow decides which of a proxy's deliveries cross the link now and
// which wait for credits. A delivery goes at once while fewer than the
// subscriber's window are in flight (as with a window in packets alone),
// and beyond that while fewer than remoteWindowPackets are and its data
// fits in remoteWindowBytes with theirs; a replayed one always goes at once
// (a replay takes no credit at the topic either). The others wait, in
// order; at most the topic's window of them, as the topic delivers no
// more. So a subscription has at most max(subscriber's window × packet,
// remoteWindowBytes + packet) of data in flight. The zero value is not
// ready: use newSendWindow.
type sendWindow struct {
	subscriber int
	// inFlight holds the data size of each delivery sent and not yet
	// acknowledged, oldest first; bytes is their sum.
	inFlight []int
	bytes    int
	waiting  []*transport.Delivery
}

func newSendWindow(subscriber int) *sendWindow { return &sendWindow{subscriber: subscriber} }

// topicWindow is the window the proxy asks of the topic.
func (w *sendWindow) topicWindow() int { return max(w.subscriber, remoteWindowPackets) }

// add takes a delivery from the topic and returns those that go now: d,
// or none when d waits.
func (w *sendWindow) add(d *transport.Delivery) []*transport.Delivery {
	if len(w.waiting) == 0 && (d.Packet.Replay.Replayed || w.fits(len(d.Packet.Data))) {
		w.sent(len(d.Packet.Data))
		return []*transport.Delivery{d}
	}
	w.waiting = append(w.waiting, d)
	return nil
}

// ack takes n acknowledgements, of the oldest deliveries in flight, and
// returns the deliveries that go now, and how many of the n were of
// deliveries in flight (the rest were not).
func (w *sendWindow) ack(n int) (send []*transport.Delivery, acked int) {
	acked = min(n, len(w.inFlight))
	for _, size := range w.inFlight[:acked] {
		w.bytes -= size
	}
	w.inFlight = w.inFlight[acked:]
	for len(w.waiting) > 0 && (w.waiting[0].Packet.Replay.Replayed || w.fits(len(w.waiting[0].Packet.Data))) {
		d := w.waiting[0]
		w.waiting[0] = nil
		w.waiting = w.waiting[1:]
		w.sent(len(d.Packet.Data))
		send = append(send, d)
	}
	return send, acked
}

// unacked is how many deliveries are in flight.
func (w *sendWindow) unacked() int { return len(w.inFlight) }

func (w *sendWindow) fits(size int) bool {
	n := len(w.inFlight)
	return n < w.subscriber || n < remoteWindowPackets && w.bytes+size <= remoteWindowBytes
}

func (w *sendWindow) sent(size int) {
	w.inFlight = append(w.inFlight, size)
	w.bytes += size
}
