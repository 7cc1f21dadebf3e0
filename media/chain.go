package media

import "strconv"

// Link says how a packet relates to the chain of packets before it: whether
// a decoder that has decoded the chain can decode it. Chain.Check answers it.
type Link uint8

// The links of a packet to a Chain. LinkContinues and LinkStarts decode;
// LinkDuplicate is a packet the decoder already has; the others are deltas
// whose references the decoder does not have, so it cannot go on before the
// next keyframe.
const (
	// LinkContinues: a delta of the chain's Epoch and GOP whose Seq is one
	// more than the last packet's.
	LinkContinues Link = iota
	// LinkStarts: a keyframe (or a packet of an intra-only codec) that starts
	// a new chain.
	LinkStarts
	// LinkDuplicate: a packet of the chain's Epoch whose Seq is not after the
	// last packet's (a repeated or replayed packet). It changes nothing.
	LinkDuplicate
	// LinkNoKeyframeYet: a delta before any keyframe.
	LinkNoKeyframeYet
	// LinkNewEpoch: a delta of another Epoch than the chain's: the encoder
	// restarted, and the delta refers to pictures of the new stream.
	LinkNewEpoch
	// LinkBroken: a delta after the chain broke (an earlier refused delta, or
	// Break).
	LinkBroken
	// LinkSeqHole: a delta more than one Seq after the last packet: packets
	// in between are missing.
	LinkSeqHole
	// LinkWrongGOP: a delta that follows the last packet in Seq but belongs to
	// another GOP than the chain's keyframe.
	LinkWrongGOP

	numLinks = iota
)

var linkNames = [numLinks]string{
	LinkContinues:     "continues",
	LinkStarts:        "starts",
	LinkDuplicate:     "duplicate",
	LinkNoKeyframeYet: "no_keyframe_yet",
	LinkNewEpoch:      "new_epoch",
	LinkBroken:        "broken_chain",
	LinkSeqHole:       "seq_hole",
	LinkWrongGOP:      "wrong_gop",
}

// String returns the link in snake case ("seq_hole"), fit for a log field.
func (l Link) String() string {
	if int(l) < len(linkNames) {
		return linkNames[l]
	}
	return "link(" + strconv.Itoa(int(l)) + ")"
}

// Decodes reports whether a packet of this link can be decoded after the
// chain: LinkContinues or LinkStarts.
func (l Link) Decodes() bool { return l == LinkContinues || l == LinkStarts }

// NeedsKeyframe reports whether a packet of this link leaves the decoder
// unable to go on before the next keyframe: every link but LinkContinues,
// LinkStarts and LinkDuplicate.
func (l Link) NeedsKeyframe() bool { return !l.Decodes() && l != LinkDuplicate }

// Chain is the one rule of gopline for "does this packet continue the
// stream?": the gate in front of a decoder, the GOP cache of a topic, the
// decoders, the recorder and the export all follow it.
//
// A keyframe starts a chain. A delta continues it when it has the Epoch and
// GOP of the chain's keyframe and a Seq one more than the last packet's.
// Any other delta breaks the chain: from then on every delta is refused
// (LinkBroken) until the next keyframe. A packet at or before the last Seq of
// the chain's Epoch is a LinkDuplicate and changes nothing, with one exception:
// while the chain is broken, a keyframe of the chain's GOP or a later one
// starts the chain again even when its Seq is not after the last. That is
// how a GOP cache answers a keyframe request, by resending the current GOP
// from its keyframe; the resent deltas then continue in turn.
//
// The zero value waits for a first keyframe. A Chain keeps no packets and
// is not safe for concurrent use.
type Chain struct {
	started bool // a keyframe was taken, so epoch, gop and last are set
	broken  bool // deltas are refused until the next keyframe
	// The Epoch and GOP of the chain's keyframe, and the Seq of the last
	// packet taken.
	epoch, gop, last uint64
}

// ChainAfter returns a chain whose last packet is Seq last of the GOP gop
// (the keyframe's Seq) of Epoch epoch: what a delta stored earlier leaves
// for the next packet to continue.
func ChainAfter(epoch, gop, last uint64) Chain {
	return Chain{started: true, epoch: epoch, gop: gop, last: last}
}

// Check returns p's link to the chain without changing it.
func (c *Chain) Check(p *Packet) Link {
	key := p.Key || p.Codec.IntraOnly()
	switch {
	case !c.started:
		if key {
			return LinkStarts
		}
		return LinkNoKeyframeYet
	case p.Epoch != c.epoch:
		if key {
			return LinkStarts
		}
		return LinkNewEpoch
	case p.Seq <= c.last:
		if key && c.broken && p.GOP >= c.gop {
			return LinkStarts // a resent keyframe restarts the chain
		}
		return LinkDuplicate
	case key:
		return LinkStarts
	case c.broken:
		return LinkBroken
	case p.Seq != c.last+1:
		return LinkSeqHole
	case p.GOP != c.gop:
		return LinkWrongGOP
	}
	return LinkContinues
}

// Take checks p, then moves the chain on: a packet that decodes becomes
// the chain's last, a packet that needs a keyframe breaks the chain, and a
// LinkDuplicate changes nothing. It returns p's link.
func (c *Chain) Take(p *Packet) Link {
	l := c.Check(p)
	switch {
	case l == LinkStarts:
		c.started, c.broken, c.epoch, c.gop, c.last = true, false, p.Epoch, p.GOP, p.Seq
	case l == LinkContinues:
		c.last = p.Seq
	case l.NeedsKeyframe():
		c.broken = true
	}
	return l
}

// Break breaks the chain, as when the decoder behind it failed: deltas are
// refused until the next keyframe.
func (c *Chain) Break() { c.broken = true }

// Waiting reports whether the chain refuses deltas until a keyframe: before
// the first keyframe, and after a break.
func (c *Chain) Waiting() bool { return c.broken || !c.started }

// Last returns the Epoch and Seq of the last packet taken; ok is false
// before the first keyframe.
func (c *Chain) Last() (epoch, seq uint64, ok bool) { return c.epoch, c.last, c.started }
