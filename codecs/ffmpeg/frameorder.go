package ffmpeg

import (
	"slices"
	"time"
)

// frameOrder numbers a decoder's pictures in presentation order with the
// Seqs of the packets it was fed, and times them.
//
// Packets go in in decode order and pictures come out in presentation
// order; with B-frames the two differ (packets I0 P1 B2 B3 come out as the
// pictures of I0 B2 B3 P1). The k-th picture out takes the smallest Seq still
// pending, so pictures count up as the packets did (0 1 2 3 there) and keep
// the source's numbers: a viewer that joins at keyframe 1200 gets picture
// 1200 first. A packet that gives no picture (its picture was dropped or
// lost) leaves its Seq pending, and the pictures after it would take the
// numbers one early; a keyframe's picture clears every Seq fed before it,
// since a keyframe is presented after every picture decoded before it, so
// numbering is right again from each keyframe.
//
// Each picture is timed with the earliest capture time pending: its own
// packet's when the stream's times are right, and a time that still grows
// when they are not (a raw stream with reordering, stamped in decode order).
// A picture's time is never zero once a packet was timed, nor a little
// before the one before it (less than maxTimeBack): where the times do
// not follow the pictures (an RTP sender's burst, its times squeezed
// together on arrival, left a keyframe to clear a time a picture before it
// should have taken), a picture without a time pending, or with one just
// before the last, takes the time before. A time further back is a clock
// that jumped (a camera's clock set back), and stands.
//
// It remembers at most pendingLimit packets, forgetting the oldest.
type frameOrder struct {
	seqs  []pendingSeq  // not yet given to a picture
	times []pendingTime // not yet given to a picture
	last  time.Time     // the time of the picture before
}

type pendingSeq struct {
	seq uint64
	key bool
}

type pendingTime struct {
	seq uint64 // the packet's, to break ties and to clear stale times
	at  time.Time
}

// maxTimeBack is how far before the picture before it a picture's time
// is taken for times that do not follow the pictures, not for a clock that
// jumped back: about the longest burst an RTP sender's encoder lets out at
// once (x264's default lookahead of 40 frames at 25 fps is 1.6 s).
const maxTimeBack = 2 * time.Second

// fed notes a packet sent to the decoder.
func (o *frameOrder) fed(seq uint64, key bool, capture time.Time) {
	if len(o.seqs) >= pendingLimit {
		i := o.smallestSeq()
		o.seqs = slices.Delete(o.seqs, i, i+1)
	}
	if len(o.times) >= pendingLimit {
		i := o.oldestTime()
		o.times = slices.Delete(o.times, i, i+1)
	}
	o.seqs = append(o.seqs, pendingSeq{seq, key})
	o.times = append(o.times, pendingTime{seq, capture})
}

// picture returns the Seq and capture time of the next picture out, whose
// packet had Seq pts (FFmpeg's pts of the picture; negative when unknown).
func (o *frameOrder) picture(pts int64) (uint64, time.Time) {
	if pts >= 0 && slices.Contains(o.seqs, pendingSeq{uint64(pts), true}) {
		o.clearBefore(uint64(pts))
	}
	seq := uint64(max(pts, 0)) // a picture of no packet it knows keeps its own
	if i := o.smallestSeq(); i >= 0 {
		seq = o.seqs[i].seq
		o.seqs = slices.Delete(o.seqs, i, i+1)
	}
	at := o.last
	if i := o.earliestTime(); i >= 0 {
		at = o.times[i].at
		o.times = slices.Delete(o.times, i, i+1)
	}
	if at.Before(o.last) && o.last.Sub(at) < maxTimeBack {
		at = o.last
	}
	o.last = at
	return seq, at
}

// reset forgets every pending packet: the decoder starts afresh.
func (o *frameOrder) reset() {
	o.seqs, o.times, o.last = o.seqs[:0], o.times[:0], time.Time{}
}

// clearBefore forgets the packets fed before Seq key: they gave no picture.
func (o *frameOrder) clearBefore(key uint64) {
	o.seqs = slices.DeleteFunc(o.seqs, func(p pendingSeq) bool { return p.seq < key })
	o.times = slices.DeleteFunc(o.times, func(p pendingTime) bool { return p.seq < key })
}

func (o *frameOrder) smallestSeq() int {
	at := -1
	for i, p := range o.seqs {
		if at < 0 || p.seq < o.seqs[at].seq {
			at = i
		}
	}
	return at
}

func (o *frameOrder) earliestTime() int {
	at := -1
	for i, p := range o.times {
		if at < 0 || p.at.Before(o.times[at].at) || (p.at.Equal(o.times[at].at) && p.seq < o.times[at].seq) {
			at = i
		}
	}
	return at
}

func (o *frameOrder) oldestTime() int {
	at := 0
	for i, p := range o.times {
		if p.seq < o.times[at].seq {
			at = i
		}
	}
	return at
}
