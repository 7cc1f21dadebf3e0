package ffmpeg

import (
	"time"

	"github.com/gopline/gopline/codecs/h264"
)

// A passed-through stream is said to lack keyframes once it has gone both
// this long and this many packets without one: a second of a slow camera is
// not yet a problem, nor are a few packets of a fast one.
const (
	keyframeWarnAfter   = 5 * time.Second
	keyframeWarnPackets = 100
	// keyframeWarnEvery spaces the repeats of one warning.
	keyframeWarnEvery = time.Minute
)

// keyframeNews is what a keyframeWatch has to say about a stream.
type keyframeNews uint8

const (
	newsNone keyframeNews = iota
	// newsNoKeyframe: no random access point yet, so nothing is handed on.
	newsNoKeyframe
	// newsNoIDR: no IDR for a while, but recovery points (intra refresh or
	// open GOP), at which the stream's GOPs start.
	newsNoIDR
)

// keyframeWatch follows the random access points of a passed-through H.264
// stream (h264.AccessOf) and says, once and then at most every
// keyframeWarnEvery, when the stream goes keyframeWarnAfter and
// keyframeWarnPackets without one: before its first keyframe (nothing can be
// handed on: say so while it lasts, not only at the end), or without an IDR
// while it does carry recovery points (a camera that uses intra refresh or
// open GOPs). The zero value is ready.
type keyframeWatch struct {
	since     time.Time // the last IDR, or the first packet
	packets   int       // since then
	keyframes int       // recovery points since then
	intra     int       // intra pictures without a recovery point since then
	idrs      int       // IDRs ever seen
	said      [3]time.Time
}

// saw notes a packet at now whose access unit is nalus, and returns what to
// say now, if anything.
func (w *keyframeWatch) saw(now time.Time, nalus [][]byte) keyframeNews {
	access := h264.AccessOf(nalus)
	if access == h264.AccessIDR || w.since.IsZero() {
		w.since, w.packets, w.keyframes, w.intra = now, 0, 0, 0
	}
	switch {
	case access == h264.AccessIDR:
		w.idrs++
		return newsNone
	case access == h264.AccessRecoveryPoint:
		w.keyframes++
	case h264.IsIntraPicture(nalus):
		w.intra++
	}
	w.packets++
	if w.packets < keyframeWarnPackets || now.Sub(w.since) < keyframeWarnAfter {
		return newsNone
	}
	news := newsNoIDR
	if w.keyframes == 0 && w.idrs == 0 {
		news = newsNoKeyframe
	} else if w.keyframes == 0 {
		return newsNone // deltas after an IDR: a long GOP, nothing wrong
	}
	if last := w.said[news]; !last.IsZero() && now.Sub(last) < keyframeWarnEvery {
		return newsNone
	}
	w.said[news] = now
	return news
}

// wait returns how long, and how many packets, the stream has gone without
// an IDR, and how many recovery points and other intra pictures it had.
func (w *keyframeWatch) wait(now time.Time) (d time.Duration, packets, keyframes, intra int) {
	return now.Sub(w.since), w.packets, w.keyframes, w.intra
}
