package qos

import (
	"strconv"

	"github.com/gopline/gopline/media"
)

// DropReason says why a Gate dropped a packet.
type DropReason uint8

// The reasons a Gate drops a packet. All but Duplicate and NilPacket mean the
// receiver's decoder cannot continue without a keyframe: the Gate drops until
// the next one and asks for it.
const (
	// NotDropped is the Reason of a packet that passed.
	NotDropped DropReason = iota
	// NoKeyframeYet: a delta arrived before any keyframe had passed.
	NoKeyframeYet
	// SeqHole: a delta's Seq is more than one ahead of the last passed
	// packet's: at least one packet in between was lost.
	SeqHole
	// NewEpoch: a delta of another Epoch than the last passed keyframe's:
	// the encoder restarted, and its deltas refer to pictures this receiver
	// never had.
	NewEpoch
	// BrokenChain: a delta arrived while the Gate waits for a keyframe, after
	// an earlier drop or a Break.
	BrokenChain
	// Duplicate: the packet's Seq is not after the last passed packet's in
	// the same Epoch: a repeated or replayed packet (a cache replay that
	// overlaps the live stream, a duplicate from the network). The decoder
	// already has it, so the chain stays intact and no keyframe is needed.
	Duplicate
	// WrongGOP: a delta that follows the last passed packet in Seq but
	// belongs to another GOP than the keyframe that opened the chain.
	WrongGOP
	// NilPacket: Admit was given a nil packet. The Gate's state is unchanged.
	NilPacket

	numDropReasons = iota
)

// String returns the reason in snake case ("seq_hole"), fit for a log field
// or a metric label: the name of the media.Link it stands for.
func (r DropReason) String() string {
	switch r {
	case NotDropped:
		return "not_dropped"
	case NilPacket:
		return "nil_packet"
	}
	if l, ok := r.link(); ok {
		return l.String()
	}
	return "drop_reason(" + strconv.Itoa(int(r)) + ")"
}

// link returns the media.Link that r stands for.
func (r DropReason) link() (media.Link, bool) {
	for l, dr := range dropReasonOf {
		if dr == r && dr != NotDropped {
			return media.Link(l), true
		}
	}
	return 0, false
}

// needsKeyframe reports whether a drop for r leaves the decoder unable to
// continue before the next keyframe.
func (r DropReason) needsKeyframe() bool {
	l, ok := r.link()
	return ok && l.NeedsKeyframe()
}

// dropReasonOf names the drop of a packet of each media.Link that does not
// decode.
var dropReasonOf = [...]DropReason{
	media.LinkDuplicate:     Duplicate,
	media.LinkNoKeyframeYet: NoKeyframeYet,
	media.LinkNewEpoch:      NewEpoch,
	media.LinkBroken:        BrokenChain,
	media.LinkSeqHole:       SeqHole,
	media.LinkWrongGOP:      WrongGOP,
}
