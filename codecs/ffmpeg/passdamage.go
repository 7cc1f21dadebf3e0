package ffmpeg

import "github.com/gopline/gopline/media"

// passedGOP is the access units a passthrough Reader handed on since its
// last keyframe, up to maxPassedGOP packets or maxPassedGOPBytes: a GOP
// longer is not kept, and an access unit of it that FFmpeg flags cannot
// be judged whole.
type passedGOP struct {
	packets []*media.Packet
	bytes   int
	over    bool
}

// Bounds of a passedGOP: ten seconds of 30 fps, and 64 MiB.
const (
	maxPassedGOP      = 300
	maxPassedGOPBytes = 64 << 20
)

// keepGOP notes p, an access unit handed on.
func (r *Reader) keepGOP(p *media.Packet) {
	g := &r.gop
	if p.Key {
		clear(g.packets)
		g.packets, g.bytes, g.over = g.packets[:0], 0, false
	}
	if g.over || len(g.packets) >= maxPassedGOP || g.bytes+len(p.Data) > maxPassedGOPBytes {
		g.over = true
		return
	}
	g.packets, g.bytes = append(g.packets, p), g.bytes+len(p.Data)
}

// verified reports whether p, an access unit to hand on, is whole, as far
// as the Reader can tell. FFmpeg's MPEG-TS demuxer flags an access unit
// (corrupt) when the stream's continuity counter jumps: packets were lost
// or damaged around it, or files were joined end to end there, whole. The
// flag does not say which access unit the damage is in, so from a flagged
// one to the next keyframe each is decoded, after the GOP handed on before
// it, by a decoder of the Reader's own (the verifier), and one that does
// not decode whole is damage. Only those access units cost a decode.
//
// Damage reaches past the unit FFmpeg flags (its parser gives the flag to
// the unit it emits while reading the damaged one, or to none), and garbage
// may parse as a keyframe's NAL unit: a keyframe read while a run of
// flagged units is verified, or right after units left out, is decoded
// after the GOP handed on before it, as a decoder of the stream would
// decode it, and one that does not decode whole is left out with the units
// after it, to the next keyframe. A delta damaged without a flag is not
// found, nor an access unit lost whole that no later picture refers to.
func (r *Reader) verified(p *media.Packet, corrupt bool) bool {
	if p.Key {
		afterDamage := r.verifier != nil || r.keyAfterDamage
		r.keyAfterDamage = false
		if afterDamage && !corrupt {
			return r.decodesAfterGOP(p)
		}
		if r.verifier != nil {
			r.verifier.Close()
			r.verifier = nil
		}
	}
	if corrupt && r.verifier == nil {
		r.verifier = r.newVerifier(p.Key)
		if r.verifier == nil {
			return false
		}
	}
	if r.verifier == nil {
		return true
	}
	if err := r.verifier.DecodeDiscard(p); err != nil {
		r.verifier.Close()
		r.verifier = nil
		return false
	}
	return true
}

// decodesAfterGOP reports whether p, a keyframe after damage, decodes whole
// after the units handed on before it: by the run's verifier, or by a new
// one that decoded the GOP first. A GOP too long to have been kept leaves
// p unjudged: it is taken.
func (r *Reader) decodesAfterGOP(p *media.Packet) bool {
	d := r.verifier
	r.verifier = nil
	if d == nil {
		if r.gop.over || len(r.gop.packets) == 0 {
			return true
		}
		if d = r.newVerifier(false); d == nil {
			return true
		}
	}
	defer d.Close()
	return d.DecodeDiscard(p) == nil
}

// newVerifier returns a decoder for what follows: a new one for a
// keyframe, else one that has decoded the GOP handed on before; nil when
// it cannot (the GOP was too long to keep).
func (r *Reader) newVerifier(key bool) *Decoder {
	if !key && (r.gop.over || len(r.gop.packets) == 0) {
		return nil
	}
	d, err := NewH264Decoder()
	if err != nil {
		return nil
	}
	if !key {
		for _, q := range r.gop.packets {
			if d.DecodeDiscard(q) != nil {
				d.Close()
				return nil
			}
		}
	}
	return d
}
