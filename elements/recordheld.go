package elements

import (
	"time"

	"github.com/gopline/gopline/transport"
)

// heldPollInterval is how often a recorder holding acknowledgements looks
// whether its writer has made room: short beside a topic's window (16
// packets last half a second at 30 fps), and only while the disk is behind.
const heldPollInterval = 10 * time.Millisecond

// pollHeld looks for room for the held deliveries after heldPollInterval:
// the writer cannot reach the actor, so the actor asks.
func (r *recorder) pollHeld() {
	if !r.polling {
		r.polling = true
		r.env.After(heldPollInterval, r.releaseHeld)
	}
}

// releaseHeld acknowledges the held deliveries once the cache is within
// its budget, or looks again later.
func (r *recorder) releaseHeld() error {
	r.polling = false
	if len(r.held) > 0 {
		if r.cache.Within() {
			for i, sub := range r.held {
				sub.Ack()
				r.held[i] = nil
			}
			r.held = r.held[:0]
		} else {
			r.pollHeld()
		}
	}
	return r.collect()
}

// endHeld settles the held deliveries of a topic whose stream ended: a
// topic that answered the recorder's farewell forgot it and takes no
// acknowledgement; one whose publishers left keeps the subscription, and
// gets its credit back.
func (r *recorder) endHeld(sub *transport.Subscriber) {
	kept := r.held[:0]
	for _, s := range r.held {
		switch {
		case s != sub:
			kept = append(kept, s)
		case !r.halted:
			s.Ack()
		}
	}
	clear(r.held[len(kept):])
	r.held = kept
}
