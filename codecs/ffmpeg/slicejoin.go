package ffmpeg

import (
	"bytes"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/codecs/h264"
)

// pictureJoin puts back together the H.264 pictures that FFmpeg's parser
// cut in two. GStreamer's rtph264pay with config-interval=-1 puts SPS and
// PPS in front of every slice of a keyframe, and x264enc's
// tune=zerolatency codes each picture in several slices: FFmpeg's H.264
// parser, behind its RTP demuxer, ends an access unit at each of those
// parameter sets, so such a keyframe comes as several packets, each a part
// of the picture, and each decodes into a damaged picture (see
// h264.ContinuesPicture).
//
// A keyframe is held until the next packet says whether it goes on: one
// frame's wait, for the keyframes of a stream that has been seen to cut
// one, and for its first keyframe. The pictures of other streams pass at
// once. Every packet that passes has its repeated parameter sets dropped
// (h264.DropRepeatedParamSets): SPS and PPS once in front of the IDR.
// Packets that are not Annex B pass as they are.
//
// A packet that is neither held nor changed, nearly every one, need not
// be copied at all: offer tells its reader to hand on its own buffer.
//
// The zero value is ready to use; seed sets with the stream's parameter
// sets out of band, if any. A pictureJoin is not safe for concurrent use.
type pictureJoin struct {
	sets  h264.ParamSetTable
	held  *joinPacket  // a keyframe that may go on, or nil
	ready []joinPacket // to hand on, oldest first
	// cut: a keyframe of the stream came cut; first: a keyframe passed.
	cut, first bool
	// copied counts the packets offered whose bytes the pictureJoin
	// copied: those it held or changed.
	copied int
	// split is where an offered packet is split, reused.
	split [][]byte
}

// joinPacket is one demuxed packet of the stream, or several joined.
type joinPacket struct {
	// data is the packet's bytes as read, nil once nalus changed them;
	// nalus is data split, nil when data is not Annex B. Both are the
	// pictureJoin's until handed on, then the caller's.
	data  []byte
	nalus [][]byte

	pts, dts, duration, pos int64
	flags                   astiav.PacketFlags
}

// bytes returns the packet's Annex B bytes.
func (p *joinPacket) bytes() []byte {
	if p.data == nil {
		return h264.JoinAnnexB(p.nalus)
	}
	return p.data
}

// A verdict says what became of a packet offered to a pictureJoin.
type verdict int

const (
	// taken: the pictureJoin holds or changed a copy of the packet, and
	// what goes on comes from pop.
	taken verdict = iota
	// asIs: the packet goes on now, unchanged, in the caller's buffer.
	asIs
	// behind: the packet goes on unchanged, in the caller's buffer, after
	// the packets that pop returns now.
	behind
)

// push takes the next packet of the stream, whose data is the pictureJoin's
// from now on.
func (j *pictureJoin) push(p joinPacket) { j.add(p, false) }

// offer takes the next packet of the stream, whose data is only lent for
// the call: a view of the reader's own buffer, of which the pictureJoin
// keeps nothing. It copies the packet only to hold or change it. A packet
// that goes on behind must be handed on before the next is offered.
func (j *pictureJoin) offer(p joinPacket) verdict { return j.add(p, true) }

// add takes the next packet of the stream, its data lent (offer) or not
// (push, which always makes it taken).
func (j *pictureJoin) add(p joinPacket, lent bool) verdict {
	var nalus [][]byte
	var err error
	if lent { // split into split, kept only by a copy (own)
		nalus, err = h264.AppendSplitAnnexB(j.split[:0], p.data)
		j.split = nalus[:0]
		defer clear(nalus) // no view of the lent bytes outlives the call
	} else {
		nalus, err = h264.SplitAnnexB(p.data)
	}
	if err == nil {
		_ = j.sets.Update(nalus) // a parameter set FFmpeg cannot read either fails there
		p.nalus = nalus
	}
	if h := j.held; h != nil && p.nalus != nil {
		if sameTime(h.pts, p.pts) && h264.ContinuesPicture(h.nalus, p.nalus, &j.sets) {
			p = j.own(p, lent) // the joined picture keeps its slices
			h.nalus, h.data = h264.JoinPicture(h.nalus, p.nalus), nil
			if h.pts == astiav.NoPtsValue {
				h.pts, h.dts = p.pts, p.dts
			}
			h.flags |= p.flags // a key or corrupt part makes the picture so
			j.cut = true
			return taken
		}
	}
	j.letOut()
	if p.nalus != nil && h264.IsIDR(p.nalus) && (j.cut || !j.first) {
		held := j.own(p, lent)
		j.held = &held
		return taken
	}
	if lent && passesUnchanged(p) {
		if len(j.ready) == 0 {
			return asIs
		}
		return behind
	}
	j.pass(j.own(p, lent))
	return taken
}

// passesUnchanged reports whether pass would hand p on as it is: it is not
// Annex B, or repeats no parameter set.
func passesUnchanged(p joinPacket) bool {
	return p.nalus == nil || len(h264.DropRepeatedParamSets(p.nalus)) == len(p.nalus)
}

// own returns p with its data copied into a buffer of its own and split
// anew when it is lent, else p.
func (j *pictureJoin) own(p joinPacket, lent bool) joinPacket {
	if !lent {
		return p
	}
	j.copied++
	p.data = bytes.Clone(p.data)
	if p.nalus != nil {
		p.nalus, _ = h264.SplitAnnexB(p.data) // as it split before
	}
	return p
}

// flush lets the held keyframe out: the stream ended.
func (j *pictureJoin) flush() { j.letOut() }

// pop returns the oldest packet to hand on, if any.
func (j *pictureJoin) pop() (joinPacket, bool) {
	if len(j.ready) == 0 {
		return joinPacket{}, false
	}
	p := j.ready[0]
	j.ready[0] = joinPacket{}
	j.ready = j.ready[1:]
	return p, true
}

// letOut hands on the held keyframe, if any.
func (j *pictureJoin) letOut() {
	if j.held == nil {
		return
	}
	j.pass(*j.held)
	j.held, j.first = nil, true
}

// pass hands on p without the parameter sets it repeats.
func (j *pictureJoin) pass(p joinPacket) {
	if kept := h264.DropRepeatedParamSets(p.nalus); len(kept) != len(p.nalus) {
		p.nalus, p.data = kept, nil
	}
	j.ready = append(j.ready, p)
}

// sameTime reports whether two packets' timestamps may be those of one
// picture: equal, or one unknown (the parser gives the first packet of a
// stream none).
func sameTime(a, b int64) bool {
	return a == b || a == astiav.NoPtsValue || b == astiav.NoPtsValue
}
