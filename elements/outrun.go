package elements

import (
	"time"

	"github.com/gopline/gopline/media"
)

// outrun tells a subscriber whose topic's packets come faster than real
// time: their capture times advance much faster than the clock while they
// come, which is what a file read as fast as possible (videosrc without
// is-live=true, play is-live=false) publishes. A topic never waits for its
// subscribers, so one that decodes or records such a stream falls behind
// and drops whole GOPs, and the cause is the source's pace, not the
// machine: its warning says so, in Go as on the command line.
//
// Most of such a stream is dropped for the subscriber, so the pace is
// measured on what it gets and on the drops the topic tells of: a drop's
// GOP is a Seq, whose capture time the frame period of the packets that
// came gives.
//
// outrun is a plain value, fed the packets as they come.
type outrun struct {
	firstCapture, firstAt time.Time
	firstSeq              uint64
	lastCapture, lastAt   time.Time
	lastSeq               uint64
	period                time.Duration // between two packets' capture times, 0 before two came
	// settled: the measure started again outrunSettle after the stream's
	// first packet, leaving out what came before.
	settled bool
}

// Faster than real time means the stream's capture times advanced more than
// outrunFactor times the clock, and by outrunMin more; and that, either,
// the last was captured outrunMin or more after it came, or that went on
// for outrunSettle of the clock, not counting the stream's first
// outrunSettle. A file read flat out is stamped from the start of reading,
// so its capture times run ahead of the clock at once; a live camera's
// pictures come after they were captured, and its backlog that comes in a
// burst (a camera catching up after a stall, a TCP connection resuming,
// right after the subscription) is not taken for it: left out when it
// comes in the first outrunSettle, and later taken for it only when it
// holds more of the stream than the whole measure took of the clock, and
// more than outrunSettle. (A recording played flat out with its recorded
// times is captured in the past, and told by the second rule alone.)
const (
	outrunFactor = 2
	outrunMin    = 250 * time.Millisecond
	outrunSettle = time.Second
)

// saw takes a live packet that came at now. A replayed one (the topic's
// cache, sent at once) says nothing of the pace, and a packet whose capture
// time or Seq goes back starts the measure again (a new stream).
func (o *outrun) saw(p *media.Packet, now time.Time) {
	if p.Replay.Replayed || p.CaptureTime.IsZero() {
		return
	}
	switch {
	case o.firstAt.IsZero() || p.CaptureTime.Before(o.lastCapture) || p.Seq < o.lastSeq:
		o.firstCapture, o.firstAt, o.firstSeq, o.period, o.settled = p.CaptureTime, now, p.Seq, 0, false
	case !o.settled && now.Sub(o.firstAt) >= outrunSettle:
		o.firstCapture, o.firstAt, o.firstSeq, o.settled = p.CaptureTime, now, p.Seq, true
	case p.Seq > o.firstSeq:
		o.period = p.CaptureTime.Sub(o.firstCapture) / time.Duration(p.Seq-o.firstSeq)
	}
	o.lastCapture, o.lastAt, o.lastSeq = p.CaptureTime, now, p.Seq
}

// dropped takes a drop the topic told of at now: the rest of the GOP whose
// keyframe is Seq gop.
func (o *outrun) dropped(gop uint64, now time.Time) {
	if o.period <= 0 || gop <= o.lastSeq {
		return
	}
	o.lastCapture = o.lastCapture.Add(o.period * time.Duration(gop-o.lastSeq))
	o.lastSeq, o.lastAt = gop, now
}

// fast reports whether the stream so far came faster than real time, and
// how much of it came in how long.
func (o *outrun) fast() (fast bool, stream, took time.Duration) {
	stream, took = o.lastCapture.Sub(o.firstCapture), o.lastAt.Sub(o.firstAt)
	if stream <= outrunFactor*took || stream-took < outrunMin {
		return false, stream, took
	}
	ahead := o.lastCapture.Sub(o.lastAt) >= outrunMin
	return ahead || o.settled && took >= outrunSettle, stream, took
}
