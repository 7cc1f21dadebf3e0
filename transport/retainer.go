package transport

import "github.com/gopline/gopline/media"

// Retainer keeps what a topic replays to subscribers that join late: the
// topic's durability. The broker calls Retain with every packet published on
// the topic, in order, before delivering it; and on every Subscribe it calls
// Replay and delivers the packets it returns, marked Replayed, before any live
// packet, in the same actor turn, so that there is neither a gap nor a
// duplicate between replay and live.
//
// The broker calls a Retainer from its actor only, one call at a time, so a
// Retainer needs no locks. Packets are shared and immutable (see
// media.Packet): a Retainer keeps the pointers and never changes them. The
// slice Replay returns is read during the call's actor turn only; the
// Retainer may reuse it afterwards. Replay should start with a keyframe:
// replayed packets pass through the subscriber's window like live ones, so a
// leading delta is skipped, and a replay longer than the window is cut short
// until the next keyframe.
//
// A Retainer's methods only name media types, so a package that implements
// one (a GOP cache) need not import transport.
type Retainer interface {
	Retain(p *media.Packet)
	Replay() []*media.Packet
}

// Volatile is the Retainer of a VOLATILE topic: it keeps nothing, so a late
// subscriber starts at the next live keyframe.
type Volatile struct{}

// Retain does nothing.
func (Volatile) Retain(*media.Packet) {}

// Replay returns nothing.
func (Volatile) Replay() []*media.Packet { return nil }
