package transport

import "github.com/gopline/gopline/media"

// DefaultWindow is a subscriber's window when Subscribe asks for none: about
// half a second of video at 30 frames/s. It bounds how far a subscriber may
// fall behind before the broker starts dropping for it, and so the latency a
// slow subscriber can build up.
const DefaultWindow = 16

// windowMode says why a Window does or does not pass packets.
type windowMode uint8

const (
	// joining: the subscriber has no keyframe yet (it subscribed mid-GOP, or
	// the stream restarted); packets before the next keyframe are skipped.
	joining windowMode = iota
	// live: every packet passes while there is credit.
	live
	// recovering: the window overflowed; the rest of the GOP is dropped and
	// delivery resumes at the next keyframe that finds credit.
	recovering
)

// Window is one subscriber's delivery window: how many deliveries may be
// unacknowledged at once, with GOP-aware dropping when that many are.
//
// A Window never admits a packet the subscriber cannot decode: it starts by
// waiting for a keyframe, and once it has refused a packet for lack of credit
// it refuses the rest of that GOP and resumes at the next keyframe that finds
// credit (also when the refused packet was itself a keyframe). Given a
// publisher whose Seq has no holes, the admitted packets therefore always
// start with a keyframe, and every admitted delta's predecessor was admitted
// too.
//
// A Window is plain state for one goroutine (the broker's actor); it does not
// allocate and takes no locks. The zero Window is not usable: use NewWindow.
type Window struct {
	size     int
	inFlight int
	// replaying counts the replayed deliveries in flight: they take no
	// credit (see Replay), so live packets after a replay find the whole
	// window.
	replaying int
	mode      windowMode

	// pendingDrops counts drops since the last admitted packet; TakeDropped
	// hands it to the next Delivery.
	pendingDrops uint64

	delivered      uint64
	dropped        uint64
	skipped        uint64
	unexpectedAcks uint64
}

// WindowStats is a snapshot of a Window's counters.
type WindowStats struct {
	// Size is the window: the most deliveries unacknowledged at once.
	Size int
	// InFlight is how many deliveries are unacknowledged now.
	InFlight int
	// Delivered counts admitted packets, less those the subscriber
	// reported dropped (SubscriberDropped).
	Delivered uint64
	// Dropped counts packets refused because the window was full, or because
	// they belonged to a GOP whose earlier packet was refused, and those the
	// subscriber reported it dropped after they were admitted (a remote
	// subscription's link that does not keep up).
	Dropped uint64
	// Skipped counts packets passed over while waiting for the first
	// keyframe (after subscribing mid-GOP, or after a stream restart). They
	// are not a sign of a slow subscriber, so they are not counted as drops.
	Skipped uint64
	// UnexpectedAcks counts acknowledgements that arrived with nothing in
	// flight (ignored).
	UnexpectedAcks uint64
	// WaitingForKeyframe reports whether the window refuses deltas until the
	// next keyframe.
	WaitingForKeyframe bool
}

// NewWindow returns a window of size deliveries (DefaultWindow if size <= 0)
// that waits for a keyframe: a subscriber that joins mid-GOP cannot decode
// the GOP's deltas without its keyframe.
func NewWindow(size int) Window {
	if size <= 0 {
		size = DefaultWindow
	}
	return Window{size: size, mode: joining}
}

// Offer reports whether p may be delivered now. When it returns true the
// caller must deliver p, and the window counts it in flight until Ack.
func (w *Window) Offer(p *media.Packet) (deliver bool) {
	if w.mode != live && !p.Key {
		if w.mode == joining {
			w.skipped++
		} else {
			w.drop()
		}
		return false
	}
	if w.inFlight-w.replaying >= w.size {
		// A refused keyframe also ends the chain: its deltas cannot be
		// decoded without it, so the window waits for the next one.
		w.mode = recovering
		w.drop()
		return false
	}
	w.mode = live
	w.inFlight++
	w.delivered++
	return true
}

func (w *Window) drop() {
	w.dropped++
	w.pendingDrops++
}

// TakeDropped returns how many packets were dropped since the previous
// admitted packet and resets that count. The broker calls it after Offer
// admitted a packet, for Delivery.Dropped.
func (w *Window) TakeDropped() uint64 {
	n := w.pendingDrops
	w.pendingDrops = 0
	return n
}

// Replay reports whether p, a packet of the topic's cache, may be
// delivered as part of a replay (to a subscriber that joined late, or to one
// whose chain broke). A replay takes no credit: it is bounded by the cache,
// and the live packets that follow it still find the whole window, so a
// replay longer than the window is not cut short. A replay must start at a
// keyframe: a delta is refused (and counted as skipped) unless the window is
// live, so the subscriber still never receives what it cannot decode.
// When it returns true the caller must deliver p, and the window counts it
// in flight until Ack.
func (w *Window) Replay(p *media.Packet) (deliver bool) {
	if w.mode != live && !p.Key {
		w.skipped++
		return false
	}
	w.mode = live
	w.inFlight++
	w.replaying++
	w.delivered++
	return true
}

// Ack returns one credit. It reports false, and changes nothing but a
// counter, when nothing was in flight.
func (w *Window) Ack() bool {
	if w.inFlight == 0 {
		w.unexpectedAcks++
		return false
	}
	w.inFlight--
	// Acks come in delivery order, and a replay on Subscribe comes before
	// any live packet: acks pay the replay back first. (A replay that
	// repairs a chain follows live deliveries already in flight; paying it
	// back first holds live packets back a little longer, never lets more
	// in.)
	if w.replaying > 0 {
		w.replaying--
	}
	return true
}

// SubscriberDropped counts n admitted deliveries that the subscriber
// dropped instead of passing them on (Ack.Dropped): they are counted as
// dropped, no longer as delivered. It returns no credit (Ack does), and
// changes nothing else: what the subscriber drops is its own to recover
// from (a remote subscription's end resumes at a keyframe itself).
func (w *Window) SubscriberDropped(n uint64) {
	n = min(n, w.delivered)
	w.delivered -= n
	w.dropped += n
}

// Resync makes the window wait for the next keyframe, as after subscribing:
// the stream it was following ended, and the next one must start at a
// keyframe. Deliveries in flight stay in flight, and drops not yet reported
// are reported with the next delivery.
func (w *Window) Resync() { w.mode = joining }

// Size returns the window's size.
func (w *Window) Size() int { return w.size }

// Replaying returns how many replayed deliveries are unacknowledged, as
// far as the window can tell (acks pay the replay back first).
func (w *Window) Replaying() int { return w.replaying }

// InFlight returns how many deliveries are unacknowledged.
func (w *Window) InFlight() int { return w.inFlight }

// WaitingForKeyframe reports whether the window refuses deltas until the
// next keyframe.
func (w *Window) WaitingForKeyframe() bool { return w.mode != live }

// Stats returns a snapshot of the window's counters.
func (w *Window) Stats() WindowStats {
	return WindowStats{
		Size:               w.size,
		InFlight:           w.inFlight,
		Delivered:          w.delivered,
		Dropped:            w.dropped,
		Skipped:            w.skipped,
		UnexpectedAcks:     w.unexpectedAcks,
		WaitingForKeyframe: w.mode != live,
	}
}

// Forget sets the deliveries in flight to none and waits for the next
// keyframe, keeping the counters: for a broker that restarted and no longer
// knows what its subscriber holds. Acks for the forgotten deliveries count as
// unexpected.
func (w *Window) Forget() {
	w.inFlight, w.replaying = 0, 0
	w.mode = joining
}
