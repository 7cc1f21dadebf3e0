package ffmpeg

import (
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
// The zero value is ready to use; seed sets with the stream's parameter
// sets out of band, if any. A pictureJoin is not safe for concurrent use.
type pictureJoin struct {
	sets  h264.ParamSetTable
	held  *joinPacket  // a keyframe that may go on, or nil
	ready []joinPacket // to hand on, oldest first
	// cut: a keyframe of the stream came cut; first: a keyframe passed.
	cut, first bool
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

// push takes the next packet of the stream, whose data is the pictureJoin's
// from now on.
func (j *pictureJoin) push(p joinPacket) {
	nalus, err := h264.SplitAnnexB(p.data)
	if err != nil { // left to the decoder as it is
		j.letOut()
		j.ready = append(j.ready, p)
		return
	}
	_ = j.sets.Update(nalus) // a parameter set FFmpeg cannot read either fails there
	p.nalus = nalus
	if h := j.held; h != nil {
		if sameTime(h.pts, p.pts) && h264.ContinuesPicture(h.nalus, nalus, &j.sets) {
			h.nalus, h.data = h264.JoinPicture(h.nalus, nalus), nil
			if h.pts == astiav.NoPtsValue {
				h.pts, h.dts = p.pts, p.dts
			}
			h.flags |= p.flags // a key or corrupt part makes the picture so
			j.cut = true
			return
		}
		j.letOut()
	}
	if h264.IsIDR(nalus) && (j.cut || !j.first) {
		j.held = &p
		return
	}
	j.pass(p)
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
