package qos

import "github.com/gopline/gopline/media"

// Resume keeps a subscription session's place in its stream across the
// session's subscriptions: a remote link that loses its subscription (a
// stalled connection, a node taken for dead) subscribes again and stays one
// session for the subscriber behind it, whose gate and decoder hold the
// state of the last packet they were passed.
//
// A new subscription to a durable topic is replayed the cached GOP from its
// keyframe, which may hold the pictures the session was passed already, and
// older ones: passed again, a viewer would show them after the newer ones
// it showed (time going backwards), and a relay would publish them out of
// order. So after a resubscription Resume passes no packet of the stream
// (Epoch) the session last had that is at or before the last one it was
// passed, by Seq: the replay resumes after that packet, whose references
// the session's decoder holds, and where the replay holds nothing newer the
// session goes on with the live stream. A packet of another Epoch is a
// restart, which the session's gate takes from its keyframe, and is passed.
//
// Resume also counts the packets no subscription carried: the first packet
// passed after a resubscription, later than the one after the session's
// last, is that many packets later (Seq has no holes at the source).
// Reported as dropped, that gap makes the session's gate wait for the next
// keyframe, and ask for one, rather than pass a delta whose references the
// session never had.
//
// Within one subscription Resume passes every packet: a replay that repairs
// a broken chain (a keyframe request answered from the cache) is resent on
// purpose, from its keyframe. The zero value has seen nothing.
type Resume struct {
	seen       bool
	epoch, seq uint64
	rejoined   bool
}

// Rejoined notes that the session subscribed again: until a packet newer
// than the last one passed arrives, older ones are not passed.
func (r *Resume) Rejoined() { r.rejoined = r.seen }

// Next takes a packet the session's subscription delivers and reports
// whether to pass it on to the session, and how many of the stream's
// packets the session missed before it across a resubscription (0 when
// none, or when p is not the first newer packet after one).
func (r *Resume) Next(p *media.Packet) (pass bool, missed uint64) {
	switch {
	case !r.seen || p.Epoch != r.epoch:
		r.rejoined = false
	case p.Seq <= r.seq:
		// Sent before (or older): a replay after a resubscription is not
		// passed; within a subscription it is a repair, asked for.
		return !r.rejoined, 0
	case r.rejoined:
		missed = p.Seq - r.seq - 1
		r.rejoined = false
	}
	r.seen, r.epoch, r.seq = true, p.Epoch, p.Seq
	return true, missed
}
