package web

import "time"

// A client that stops reading for a while (a process stopped, a laptop
// asleep) leaves the ping out as long, and the connection is thinned, as
// on a link slower than the stream (readPace.thinAt); once it reads again
// it would be sent keyframes alone for the link's hold (5 s at least),
// though its link carries the stream. The answer after the late one tells
// them apart: it covers what was written meanwhile (the pictures written
// before the writers waited for the client), which a link slower than the
// stream carries at its own pace, and a stopped client's link at once.
// When that answer covers half a second of the connection's streams at
// least (a link that shapes its rate passes a small burst at once) and
// shows the link carrying stallRateFactor times the streams, the
// connection is given the whole stream again at once, unless it was
// thinned within a minute of its last thinning: a link that flaps is held
// twice as long each time (lossPacer), and is never resumed early.

// stallRateFactor: how many times the streams' bytes a second the link
// must be seen to carry, after a late answer, for the wait to be taken as
// a client that stopped reading rather than a slow link; stallSample: the
// streams' bytes of how long the answer must cover to tell.
const (
	stallRateFactor = 10
	stallSample     = 500 * time.Millisecond
)

// wroteBytes counts n bytes written, the message wrote counted.
func (r *readPace) wroteBytes(n int) { r.bytes += uint64(n) }

// noteAnswer takes the answer, at now, to a ping that waited rtt and was
// late (what it covered waited over maxQueued) or not: the first answer
// after a late one, to a ping that covered bytes, is to be weighed
// (stallCheck). The caller holds its owner's lock.
func (r *readPace) noteAnswer(rtt time.Duration, late bool) {
	covered := r.pingBytes - r.readBytes
	r.readBytes = r.pingBytes
	switch {
	case late:
		r.afterLate, r.checking = true, false
	case r.afterLate && covered > 0:
		r.afterLate = false
		r.checking, r.checkBytes, r.checkRTT = r.link.thin, covered, rtt
	}
}

// stallCheck returns, once, the bytes and the round trip of the answer
// after a late one while the connection is thin: weigh them against the
// streams with resumeIfStalled.
func (r *readPace) stallCheck() (bytes uint64, rtt time.Duration, ok bool) {
	if !r.checking {
		return 0, 0, false
	}
	r.checking = false
	return r.checkBytes, r.checkRTT, true
}

// resumeIfStalled gives the connection the whole stream again at now, and
// reports so, when bytes, stallSample of streamRate (the bytes a second of
// its streams) at least, that took rtt to be read show its link carrying
// stallRateFactor times streamRate at least, and it was not thinned again
// soon after its last thinning: what thinned it was a client that stopped
// reading.
func (r *readPace) resumeIfStalled(now time.Time, bytes uint64, rtt time.Duration, streamRate float64) bool {
	switch {
	case !r.link.thin || r.link.hold > minThinHold || streamRate <= 0 || rtt <= 0,
		float64(bytes) < streamRate*stallSample.Seconds(),
		float64(bytes)/rtt.Seconds() < stallRateFactor*streamRate:
		return false
	}
	r.link.thin, r.link.fullAt, r.link.lossy, r.link.clear = false, now, 0, 0
	return true
}
