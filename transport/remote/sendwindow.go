package remote

import (
	"time"

	"github.com/gopline/gopline/transport"
)

// A remote subscription's deliveries cross the link in a window of its
// own, larger than the subscriber's when packets are small and the link
// keeps up: every credit takes a round trip across both processes, and 16
// packets of 50 KB in flight keep a loopback link waiting for credits most
// of the time. A link that does not keep up gets the subscriber's window
// alone, as a local subscriber does, so that it falls behind by no more
// than that window.
const (
	// remoteWindowPackets is the most deliveries a remote subscription
	// has in flight; its proxy subscribes to the topic with this window
	// (or the subscriber's, when larger).
	remoteWindowPackets = 64
	// remoteWindowBytes bounds the packet data in flight beyond the
	// subscriber's own window: a gRPC stream's flow-control window, more
	// than which cannot cross before the peer reads.
	remoteWindowBytes = streamWindowBytes
	// laggingAfter is how long the oldest delivery in flight may wait for
	// its acknowledgement while the link counts as keeping up; once it
	// lags, it keeps up again when its oldest delivery in flight waited
	// less than keepingUpWithin. On loopback 64 packets of 50 KB cross and
	// come back as credits in about 10 ms, and a loaded machine stalls a
	// link for some hundreds of ms now and then, which the window rides
	// out; a link slower than the stream (a camera's 1.5 Mbit/s over 1
	// Mbit/s) holds its oldest for longer and longer, and then, with the
	// subscriber's window alone in flight, for about that window's time.
	laggingAfter    = time.Second
	keepingUpWithin = 250 * time.Millisecond
	// stalledAfter is how long a proxy may handle nothing (no delivery,
	// no acknowledgement) before the wait of its deliveries in flight
	// stops counting: its process was stopped (SIGSTOP) or starved, which
	// says nothing of the link. A live stream delivers more often.
	stalledAfter = time.Second
)

// sendWindow decides which of a proxy's deliveries cross the link now,
// which wait for credits, and which are dropped. While the link keeps up
// (see laggingAfter and keepingUpWithin), a
// delivery goes at once while fewer than the subscriber's window are in
// flight, and beyond that while fewer than remoteWindowPackets are and its
// data fits in remoteWindowBytes with theirs; the others wait, in order.
// (Time the proxy handled nothing for, stalledAfter or more, is not
// counted.) While the link lags, only the subscriber's window is in
// flight, and live deliveries in flight and waiting are at most the
// subscriber's window:
// one more is dropped with the rest of its GOP (as a local subscriber's
// window drops, transport.Window), and a keyframe drops the live
// deliveries that wait before it, so that the subscriber resumes at the
// newest GOP instead of a queue seconds old. A replayed delivery always
// goes at once, or waits behind others (a replay takes no credit at the
// topic either), and is never dropped. The zero value is not ready: use
// newSendWindow.
type sendWindow struct {
	subscriber int
	// inFlight holds the deliveries sent and not yet acknowledged, oldest
	// first; bytes is the sum of their data.
	inFlight []flight
	bytes    int
	waiting  []*transport.Delivery
	// recovering: a live delivery was dropped, and the rest of its GOP is,
	// until the next keyframe.
	recovering bool
	// dropped counts the drops not yet reported (takeDropped).
	dropped uint64
	// handled is when the window last took a delivery or an ack.
	handled time.Time
	// behind is set while the link lags (lagging).
	behind bool
}

// flight is a delivery in flight.
type flight struct {
	size     int
	at       time.Time
	replayed bool
}

func newSendWindow(subscriber int) *sendWindow { return &sendWindow{subscriber: subscriber} }

// topicWindow is the window the proxy asks of the topic.
func (w *sendWindow) topicWindow() int { return max(w.subscriber, remoteWindowPackets) }

// add takes a delivery from the topic at now and returns those that go
// now (d, or none when d waits) and how many deliveries it dropped (d, or
// those that waited before it): the proxy returns their credits to the
// topic.
func (w *sendWindow) add(d *transport.Delivery, now time.Time) (send []*transport.Delivery, dropped int) {
	w.resume(now)
	replayed := d.Packet.Replay.Replayed
	if !replayed {
		var keep bool
		if dropped, keep = w.admit(d, now); !keep {
			return nil, dropped + 1
		}
	}
	if len(w.waiting) == 0 && (replayed || w.fits(len(d.Packet.Data), now)) {
		w.sent(d, now)
		return []*transport.Delivery{d}, dropped
	}
	w.waiting = append(w.waiting, d)
	return nil, dropped
}

// admit applies the drop policy to a live delivery d: keep reports whether
// d may go or wait; dropped counts the waiting deliveries dropped for it.
func (w *sendWindow) admit(d *transport.Delivery, now time.Time) (dropped int, keep bool) {
	if w.recovering && !d.Packet.Key {
		w.dropped++
		return 0, false
	}
	if w.lagging(now) {
		if d.Packet.Key {
			dropped = w.dropWaiting()
		}
		if w.live() >= w.subscriber {
			w.recovering = true
			w.dropped++
			return dropped, false
		}
	}
	w.recovering = false
	return dropped, true
}

// dropWaiting drops the live deliveries that wait, and returns how many.
func (w *sendWindow) dropWaiting() int {
	kept := w.waiting[:0]
	for _, d := range w.waiting {
		if d.Packet.Replay.Replayed {
			kept = append(kept, d)
		}
	}
	n := len(w.waiting) - len(kept)
	clear(w.waiting[len(kept):])
	w.waiting = kept
	w.dropped += uint64(n)
	return n
}

// live is how many live deliveries are in flight or waiting.
func (w *sendWindow) live() int {
	n := 0
	for _, s := range w.inFlight {
		if !s.replayed {
			n++
		}
	}
	for _, d := range w.waiting {
		if !d.Packet.Replay.Replayed {
			n++
		}
	}
	return n
}

// ack takes n acknowledgements at now, of the oldest deliveries in flight,
// and returns the deliveries that go now, and how many of the n were of
// deliveries in flight (the rest were not).
func (w *sendWindow) ack(n int, now time.Time) (send []*transport.Delivery, acked int) {
	w.resume(now)
	acked = min(n, len(w.inFlight))
	for _, s := range w.inFlight[:acked] {
		w.bytes -= s.size
	}
	w.inFlight = w.inFlight[acked:]
	for len(w.waiting) > 0 && (w.waiting[0].Packet.Replay.Replayed || w.fits(len(w.waiting[0].Packet.Data), now)) {
		d := w.waiting[0]
		w.waiting[0] = nil
		w.waiting = w.waiting[1:]
		w.sent(d, now)
		send = append(send, d)
	}
	return send, acked
}

// takeDropped returns how many deliveries were dropped since it was last
// called: the next delivery that crosses reports them.
func (w *sendWindow) takeDropped() uint64 {
	n := w.dropped
	w.dropped = 0
	return n
}

// unacked is how many deliveries are in flight.
func (w *sendWindow) unacked() int { return len(w.inFlight) }

// resume takes up the window at now: after stalledAfter or more without a
// delivery or an ack, the deliveries in flight count as sent at now, so
// that a publisher's node that was stopped does not take its link for a
// lagging one when it continues.
func (w *sendWindow) resume(now time.Time) {
	if stalled := now.Sub(w.handled); !w.handled.IsZero() && stalled >= stalledAfter {
		for i := range w.inFlight {
			w.inFlight[i].at = w.inFlight[i].at.Add(stalled)
		}
	}
	w.handled = now
}

// lagging reports whether the link does not keep up at now: it lags from
// when its oldest delivery in flight has waited laggingAfter, until its
// oldest waited less than keepingUpWithin (or none is in flight).
func (w *sendWindow) lagging(now time.Time) bool {
	if len(w.inFlight) == 0 {
		w.behind = false
		return false
	}
	switch waited := now.Sub(w.inFlight[0].at); {
	case waited >= laggingAfter:
		w.behind = true
	case waited < keepingUpWithin:
		w.behind = false
	}
	return w.behind
}

func (w *sendWindow) fits(size int, now time.Time) bool {
	n := len(w.inFlight)
	return n < w.subscriber || n < remoteWindowPackets && w.bytes+size <= remoteWindowBytes && !w.lagging(now)
}

func (w *sendWindow) sent(d *transport.Delivery, now time.Time) {
	w.inFlight = append(w.inFlight, flight{size: len(d.Packet.Data), at: now, replayed: d.Packet.Replay.Replayed})
	w.bytes += len(d.Packet.Data)
}
