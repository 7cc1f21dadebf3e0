package web

import "time"

// logClock gives the messages of one subscription their Message Data
// timestamp, which the spec calls the time the server received the
// message and Foxglove takes as its log time: the picture's capture time
// (media.Packet.CaptureTime), as its message's own timestamp says, not the
// time the node writes it, so that a recording of the connection, and
// Studio's timeline, have the stream's own spacing, not the bursts in
// which it is written. The timestamps only grow: a picture captured no
// later than the one before (a clock that stepped back, a publisher that
// restarted on the topic with an earlier clock) is stamped a nanosecond
// after it, and a picture without a capture time is stamped the time it is
// written. A logClock is the writer's own: not safe for concurrent use.
type logClock struct {
	last uint64 // the last timestamp given, in nanoseconds since 1970
}

// stamp returns the timestamp of a picture captured at capture and
// written at now, in nanoseconds since 1970.
func (l *logClock) stamp(capture, now time.Time) uint64 {
	if capture.IsZero() {
		capture = now
	}
	var ns uint64
	if n := capture.UnixNano(); n > 0 {
		ns = uint64(n)
	}
	if l.last > 0 && ns <= l.last {
		ns = l.last + 1
	}
	l.last = ns
	return ns
}
