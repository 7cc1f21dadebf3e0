// Package paramsetwatch says when an H.264 or H.265 stream received over
// RTP has keyframes without the parameter sets to decode them: a sender
// that keeps SPS and PPS in its session description alone, which a
// receiver of its port never sees. FFmpeg's reader and gopline's own
// (codecs/rtsp) ask it the same way.
package paramsetwatch

import (
	"errors"
	"fmt"

	"github.com/gopline/gopline/codecs/h264"
)

// ErrNoParameterSets means an H.264 or H.265 stream received over RTP has
// keyframes without the SPS and PPS to decode them, which only its sender
// can put in (or its .sdp file, out of band). The error says what to set.
var ErrNoParameterSets = errors.New("no parameter sets in the stream")

// Watch says when an H.264 or H.265 stream received over RTP
// has a keyframe without the parameter sets to decode it. RTP senders put
// them in the stream only when told to (GStreamer's rtph264pay
// config-interval=-1; a hardware encoder seldom repeats them itself),
// otherwise they are in the sender's session description alone, which an
// rtp:// port never sees: without them no picture ever decodes, and FFmpeg
// says only "non-existing PPS 0 referenced" for every packet.
//
// It looks at each access unit (Annex B, as FFmpeg's RTP depacketizers
// give them) up to a keyframe with the parameter sets before it (in it,
// or in an earlier access unit), which ends the watch. A sender that
// repeats them less often than its keyframes (rtph264pay config-interval
// of several seconds) leaves a late joiner's first keyframes without
// them: the error waits for keyframesWithoutSPS of those. Access units
// before any keyframe say nothing either way.
//
// The zero value watches H.264 received at a port. A Watch is not safe for
// concurrent use.
type Watch struct {
	HEVC      bool // H.265's NAL unit types, else H.264's
	Off       bool // a stream that needs none (JPEG), or has them out of band
	File      bool // the stream is an .sdp file's, which could carry them
	haveSPS   bool // an SPS came
	ended     bool // a keyframe came after it, or the error was said
	keyframes int  // access units with a keyframe and no SPS before it
}

// keyframesWithoutSPS is how many keyframes without parameter sets before
// them make the error: more than one, as a sender may repeat them only
// every few keyframes; few, as each is a GOP the viewer sees nothing of.
const keyframesWithoutSPS = 3

// Done reports whether the watch is over: nothing more is looked at.
func (w *Watch) Done() bool { return w.Off || w.ended }

// Check looks at one access unit of the stream at addr, in Annex B, and
// returns ErrNoParameterSets when it is the keyframesWithoutSPS-th
// keyframe that no SPS came before. Bytes that are not Annex B are left to
// the decoder.
func (w *Watch) Check(au []byte, addr string) error {
	if w.Done() {
		return nil
	}
	nalus, err := h264.SplitAnnexB(au)
	if err != nil {
		return nil
	}
	return w.CheckUnits(nalus, addr)
}

// CheckUnits is Check of an access unit's NAL units.
func (w *Watch) CheckUnits(nalus [][]byte, addr string) error {
	if w.Done() {
		return nil
	}
	for _, n := range nalus {
		switch {
		case w.isSPS(n):
			w.haveSPS = true
		case w.isKeyframe(n) && w.haveSPS:
			w.ended = true
			return nil
		case w.isKeyframe(n):
			w.keyframes++ // once for the access unit, however many slices
			if w.keyframes < keyframesWithoutSPS {
				return nil
			}
			w.ended = true // said once
			return w.missing(addr)
		}
	}
	return nil
}

// isSPS reports whether nalu is a sequence parameter set.
func (w *Watch) isSPS(nalu []byte) bool {
	if w.HEVC {
		return hevcType(nalu) == 33
	}
	return h264.TypeOf(nalu) == h264.NALUTypeSPS
}

// isKeyframe reports whether nalu is a slice of a picture that starts
// decoding: an H.264 IDR, an H.265 IRAP picture (types 16 to 23).
func (w *Watch) isKeyframe(nalu []byte) bool {
	if w.HEVC {
		t := hevcType(nalu)
		return t >= 16 && t <= 23
	}
	return h264.TypeOf(nalu) == h264.NALUTypeIDR
}

// hevcType is the type of an H.265 NAL unit, -1 for an empty one.
func hevcType(nalu []byte) int {
	if len(nalu) == 0 {
		return -1
	}
	return int(nalu[0]>>1) & 0x3f
}

// missing is the error of a keyframe without parameter sets, which says
// what to set on the sender.
func (w *Watch) missing(addr string) error {
	if w.File {
		param := "sprop-parameter-sets="
		if w.HEVC {
			param = "sprop-vps=, sprop-sps= and sprop-pps="
		}
		return fmt.Errorf("%w described by %s: keyframes came without them, and the file has none (%s on its a=fmtp line), so no picture can be decoded; "+
			"make the sender repeat them in the stream (config-interval=-1 on GStreamer's rtph264pay or rtph265pay), or write the description with the sender (ffmpeg -f rtp -sdp_file FILE writes them)",
			ErrNoParameterSets, addr, param)
	}
	if w.HEVC {
		return fmt.Errorf("%w at %s: an H.265 keyframe came without VPS, SPS and PPS, so no picture can be decoded; "+
			"make the sender repeat them in the stream: config-interval=-1 on GStreamer's rtph265pay, and after x265enc, "+
			"which writes them once, h265parse config-interval=-1 before the payloader (or x265enc option-string=repeat-headers=1)", ErrNoParameterSets, addr)
	}
	return fmt.Errorf("%w at %s: an H.264 keyframe came without SPS and PPS, so no picture can be decoded; "+
		"make the sender repeat them in the stream: config-interval=-1 on GStreamer's rtph264pay "+
		"(its sprop-parameter-sets reach only a receiver given its SDP file, which rtp:// does without)", ErrNoParameterSets, addr)
}
