package ffmpeg

import (
	"time"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// recoveryStart follows a decoder that starts at a recovery point (an
// intra-refresh or open-GOP camera's keyframe, see h264.AccessOf) instead
// of an IDR, so that what such a start brings is not taken for damage.
//
// Three things differ from a start at an IDR. An open GOP's leading pictures
// (decoded after its I picture, shown before it) refer to the GOP before,
// which the decoder never had: they are skipped, as a decoder joining there
// must. And FFmpeg shows no picture of an intra-refresh stream until the
// refresh has swept it (h264.RecoveryPoint.FrameCount frames): the packets
// in between give none, so the first picture out is numbered by its own
// packet, not by the recovery point's. And the pictures after it may
// still name pictures before it, which the decoder never had (x264's open
// GOPs mark them unused for reference): a strict decoder must not take that
// for damage (lenient).
//
// A start is a keyframe fed to a fresh decoder context (opened, drained or
// reset after damage); a recovery point in the middle of a decoded chain
// decodes as any picture. The zero value is ready; reset on a fresh context.
type recoveryStart struct {
	fresh   bool      // the context has decoded nothing yet
	active  bool      // the chain started at a recovery point
	at      time.Time // its capture time: pictures shown before it are leading
	waiting bool      // FFmpeg holds pictures back until the refresh is done
	lenient bool      // the start is new: the context must not fail at the first inconsistency
}

// reset notes a fresh decoder context.
func (r *recoveryStart) reset() { *r = recoveryStart{fresh: true} }

// feed notes packet p, an access unit of NAL units nalus, about to be sent
// to the decoder, and reports whether to skip it: a leading picture of an
// open GOP the decoder joined at its recovery point.
func (r *recoveryStart) feed(p *media.Packet, nalus [][]byte) (skip bool) {
	fresh := r.fresh
	r.fresh = false
	if !p.Key {
		return r.active && p.CaptureTime.Before(r.at)
	}
	r.active = false
	if !fresh || h264.AccessOf(nalus) != h264.AccessRecoveryPoint {
		return false
	}
	rp, _ := h264.FindRecoveryPoint(nalus)
	r.active, r.at, r.waiting, r.lenient = true, p.CaptureTime, rp.FrameCount > 0, true
	return false
}

// startsLenient reports, once after a start at a recovery point, that the
// decoder context must be made lenient before it takes the packet: one
// that fails a slice at the first inconsistency ("explode") fails on
// memory management commands that unref pictures from before the
// recovery point. Damage is still found: pictures FFmpeg had to conceal
// are flagged.
func (r *recoveryStart) startsLenient() bool {
	l := r.lenient
	r.lenient = false
	return l
}

// firstPicture reports, once after a start at an intra-refresh recovery
// point, that the picture coming out is the first the decoder shows.
func (r *recoveryStart) firstPicture() bool {
	first := r.waiting
	r.waiting = false
	return first
}
