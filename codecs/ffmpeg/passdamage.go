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
func (r *Reader) verified(p *media.Packet, corrupt bool) bool {
	if p.Key && r.verifier != nil {
		r.verifier.Close()
		r.verifier = nil
	}
	if corrupt && r.verifier == nil {
		r.verifier = r.newVerifier(p)
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

// newVerifier returns a decoder that has decoded the GOP handed on before
// p, or nil when it cannot (the GOP was too long to keep).
func (r *Reader) newVerifier(p *media.Packet) *Decoder {
	if !p.Key && (r.gop.over || len(r.gop.packets) == 0) {
		return nil
	}
	d, err := NewH264Decoder()
	if err != nil {
		return nil
	}
	if !p.Key {
		for _, q := range r.gop.packets {
			if d.DecodeDiscard(q) != nil {
				d.Close()
				return nil
			}
		}
	}
	return d
}
