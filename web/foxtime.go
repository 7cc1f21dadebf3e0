package web

import "time"

// logClock gives the messages of one subscription their Message Data
// timestamp, which the spec calls the time the server received the
// message and Foxglove takes as its log time: the picture's capture time
// (media.Packet.CaptureTime), as its message's own timestamp says, not the
// time the node writes it, so that a recording of the connection, and
// Studio's timeline, have the stream's own spacing, not the bursts in
// which it is written. The timestamps only grow: a picture captured no
// later than the one before, by logClockStep at most (pictures sent out of
// order), is stamped a nanosecond after it. A capture clock that steps is
// followed from the step on, the stamps moved by it, the pictures after it
// keeping their capture times' spacing from there: a picture captured more
// than logClockStep before the one before (a clock set back, a publisher
// that restarted on the topic with an earlier clock) is stamped the time
// written since the one before after it; one captured more than
// logClockStep after the time it is written (a clock set forward, one
// bogus capture time, a publisher's clock ahead of the node's) is stamped
// when it is written. Capture times far apart but in the past (a slow
// camera's replayed GOP, written in a burst; a live stream that paused)
// are kept. A picture without a capture time is stamped as if captured when
// it is written. A logClock is the writer's own: not safe for concurrent
// use.
type logClock struct {
	last    int64     // the last timestamp given, in nanoseconds since 1970
	written time.Time // when it was given
	// moved is what the stamps add to the capture times since the last
	// step, in nanoseconds.
	moved int64
}

// logClockStep is the most a capture time may go back from one picture to
// the next, or be ahead of the time it is written, without being taken for
// a step of the capture clock: a second, a few pictures' spacing at the
// lowest usual rates, and more than a picture sent out of order or a
// clock slewed in a second moves by.
const logClockStep = time.Second

// stamp returns the timestamp of a picture captured at capture and
// written at now, in nanoseconds since 1970.
func (l *logClock) stamp(capture, now time.Time) uint64 {
	if capture.IsZero() {
		capture = now
	}
	ns := capture.UnixNano() + l.moved
	switch gap := time.Duration(ns - l.last); {
	case ns > now.Add(logClockStep).UnixNano(): // ahead of the node's clock
		ns = max(l.last+1, now.UnixNano())
		l.moved = ns - capture.UnixNano()
	case l.written.IsZero():
	case gap < -logClockStep: // the capture clock stepped back
		ns = l.last + max(int64(now.Sub(l.written)), 1)
		l.moved = ns - capture.UnixNano()
	case gap <= 0:
		ns = l.last + 1
	}
	l.last, l.written = ns, now
	return uint64(max(ns, 0))
}
