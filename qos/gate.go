package qos

import "github.com/gopline/gopline/media"

// Decision is a Gate's verdict on one packet.
type Decision struct {
	// Pass reports whether the packet goes on to the decoder.
	Pass bool
	// Reason says why the packet was dropped; NotDropped when Pass is true.
	Reason DropReason
	// RequestKeyframe asks the caller to send a keyframe request upstream.
	// It is set on drops that leave the decoder waiting for a keyframe, at
	// most once per keyframe request interval.
	RequestKeyframe bool
}

// GateStats counts what a Gate did. Passed + Dropped is the number of Admit
// calls, and the DroppedBy counts add up to Dropped.
type GateStats struct {
	// Passed counts the packets that passed.
	Passed uint64
	// Dropped counts the packets that were dropped, for any reason.
	Dropped uint64
	// DroppedBy counts the drops per reason, indexed by DropReason.
	DroppedBy [numDropReasons]uint64
	// Breaks counts the calls of Break.
	Breaks uint64
	// KeyframeRequests counts the decisions (and Breaks) that asked for a
	// keyframe.
	KeyframeRequests uint64
	// KeyframeRequestsSuppressed counts the drops (and Breaks) that needed a
	// keyframe but did not ask, because the last request was too recent.
	KeyframeRequestsSuppressed uint64
}

// Gate decides, packet by packet, which packets of one stream a decoder can
// decode, so that a decoder is never handed a delta whose references it does
// not have.
//
// It follows media.Chain, the one chain rule of gopline: a keyframe passes
// and opens a chain; a delta passes only when it continues the chain (the
// same Epoch as the chain's keyframe, Seq one more than the last passed
// packet's, a GOP equal to the keyframe's). Any other delta is dropped, and
// from then on every delta is dropped until the next keyframe, while the Gate
// asks for one (Decision.RequestKeyframe, rate-limited by a KeyframeLimiter).
// A packet at or before the last passed Seq of the same Epoch is a Duplicate:
// it is dropped and changes nothing. Packets of intra-only codecs (JPEG, Raw)
// are all keyframes and pass unless duplicate.
//
// While the Gate waits for a keyframe, a keyframe of the chain's GOP (or a
// later one) passes even when its Seq is not after the last passed packet:
// that is how a GOP cache answers a keyframe request, by resending the current
// GOP from its keyframe. The chain then restarts there, and the resent deltas
// pass in turn.
//
// A Gate is not safe for concurrent use: one goroutine (one actor) owns it.
// It keeps no packets and never writes to them. Make one with NewGate.
type Gate struct {
	limiter     KeyframeLimiter
	chain       media.Chain
	stats       GateStats
	oncePerWait bool // WithRequestOncePerWait
	asked       bool // a request went out since a packet last passed
}

// NewGate returns a Gate that waits for a first keyframe. Its keyframe
// requests are rate-limited as WithKeyframeRequestInterval and WithClock say,
// or go out once per wait (WithRequestOncePerWait).
func NewGate(opts ...Option) (*Gate, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Gate{limiter: newKeyframeLimiter(c), oncePerWait: c.oncePerWait}, nil
}

// Admit decides whether p may go on to the decoder and updates the Gate's
// state. It does not keep p. A nil p is dropped as NilPacket.
func (g *Gate) Admit(p *media.Packet) Decision {
	if p == nil {
		return g.drop(NilPacket)
	}
	l := g.chain.Take(p)
	if l.Decodes() {
		g.stats.Passed++
		g.asked = false
		return Decision{Pass: true}
	}
	return g.drop(dropReasonOf[l])
}

// Break tells the Gate that the decoder behind it failed (a corrupt packet, a
// decoder restart): the chain is broken, so the Gate drops deltas until the
// next keyframe. It reports whether the caller should send a keyframe request
// upstream now; the rate limit applies as for drops.
func (g *Gate) Break() (requestKeyframe bool) {
	g.stats.Breaks++
	g.chain.Break()
	return g.requestKeyframe()
}

// Waiting reports whether the Gate drops deltas until a keyframe: before the
// first keyframe, and after a drop that broke the chain or a Break.
func (g *Gate) Waiting() bool { return g.chain.Waiting() }

// Stats returns the Gate's counts so far.
func (g *Gate) Stats() GateStats { return g.stats }

func (g *Gate) drop(r DropReason) Decision {
	g.stats.Dropped++
	g.stats.DroppedBy[r]++
	d := Decision{Reason: r}
	if r.needsKeyframe() {
		d.RequestKeyframe = g.requestKeyframe()
	}
	return d
}

func (g *Gate) requestKeyframe() bool {
	var allow bool
	if g.oncePerWait {
		allow = !g.asked
	} else {
		allow = g.limiter.Allow()
	}
	if allow {
		g.asked = true
		g.stats.KeyframeRequests++
		return true
	}
	g.stats.KeyframeRequestsSuppressed++
	return false
}
