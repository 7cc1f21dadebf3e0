package transport

import (
	"fmt"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// Retainer keeps what a durable topic replays to subscribers that join late.
// The broker calls Retain with every packet published on the topic, in
// order, before delivering it; and on a durable Subscribe it calls Replay and
// delivers the packets it returns, marked replayed, before any live packet,
// in the same actor turn, so that there is neither a gap nor a duplicate
// between replay and live.
//
// The broker calls a Retainer from its actor only, one call at a time, so a
// Retainer needs no locks. Packets are shared and immutable (see
// media.Packet): a Retainer keeps the pointers and never changes them. The
// slice Replay returns is read during the call's actor turn only; the
// Retainer may reuse it afterwards. Replay must start with a keyframe;
// replayed packets take no window credit (Window.Replay). A packet that
// Replay returns with Replay.Stale set (cached by an earlier run of the
// node) is delivered marked stale.
//
// A Retainer's methods only name media types, so a package that implements
// one (qos.GOPCache) need not import transport. A Retainer may also
// implement Repairer, to answer keyframe requests, and Reset, called when the
// topic's stream ends (its last publisher left), and Close, called when the
// broker stops.
type Retainer interface {
	Retain(p *media.Packet)
	Replay() []*media.Packet
}

// Repairer is a Retainer that can serve a keyframe request from what it
// holds (qos.GOPCache is one): CanRepair says whether replaying Current
// brings a subscriber whose last delivered packet is Seq lastSeq of Epoch
// epoch back to the live stream.
type Repairer interface {
	CanRepair(epoch, lastSeq uint64) bool
	Current() []*media.Packet
}

// resetter and closer are the other optional parts of a Retainer.
type (
	resetter interface{ Reset() }
	closer   interface{ Close() error }
)

// Volatile is the Retainer of a VOLATILE topic: it keeps nothing, so a late
// subscriber starts at the next live keyframe.
type Volatile struct{}

// Retain does nothing.
func (Volatile) Retain(*media.Packet) {}

// Replay returns nothing.
func (Volatile) Replay() []*media.Packet { return nil }

// NewCache is the default Retainer of a durable topic: a qos.GOPCache bounded
// as offer says (qos.Profile.CacheOptions), which keeps it in memory. A
// Persistent offer needs a Retainer that also writes to disk
// (storage.DurableStore); WithRetainer installs one.
func NewCache(topic string, offer qos.Profile) (Retainer, error) {
	c, err := qos.NewGOPCache(offer.CacheOptions()...)
	if err != nil {
		return nil, fmt.Errorf("transport: topic %s: %w", topic, err)
	}
	return c, nil
}
