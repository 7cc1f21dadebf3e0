package web

import "time"

// maxUnread is how long, beyond the link's own round trip (the shortest
// a ping took), a Foxglove client may leave a ping unanswered before the
// node stops writing pictures to it: the pictures written before the ping
// are then still unread. It bounds what a client that stops reading has
// waiting for it in the sockets' buffers, which otherwise hold megabytes
// (over a thousand pictures of a small stream), to about this much of its
// streams and a round trip's: a client that comes back is not sent what
// it missed in a burst (see catchUp), and a link with a long round trip
// (a satellite, a loaded LTE link) is not cut to a second per round trip.
const maxUnread = time.Second

// maxQueued bounds how long what the node writes to a Foxglove client may
// wait on its way, beyond the link's own round trip (in the node's, the
// network's and the client's buffers), before the connection is thin: its
// subscriptions send their keyframes alone (deltaSkip), until what it
// writes waits less again, after a hold that grows when it flaps, as a
// WebRTC viewer's does (lossPacer). On a link slower than the streams
// every picture would otherwise arrive seconds late, later and later.
const maxQueued = time.Second

// readPace is what a connection knows of how far its client has read: the
// messages written to it, and the ping that follows some of them, which
// the client answers once it has read them (a WebSocket's frames arrive in
// order). One ping is out at a time, sent as soon as something is written
// after the last answer. readPace is plain state; its owner guards it.
type readPace struct {
	written uint64
	// read counts the messages the client confirmed it read.
	read uint64
	// pinging: a ping is out, sent at pingAt after pingAfter messages.
	pinging   bool
	pingAt    time.Time
	pingAfter uint64
	// minRTT is the shortest round trip of a ping (measured: at least
	// one was answered): the link's own, without messages queued before
	// the ping. queued is the last answer's round trip beyond it: how
	// long the messages written before that ping waited on their way.
	minRTT, queued time.Duration
	measured       bool
	probed         int // probes sent
	// link decides whether the connection is thin from the waits: one
	// sample at each answer, and one when the ping out has waited over
	// maxQueued (outLate), the first of which thins it.
	link    lossPacer
	outLate bool
	// bytes counts the bytes written, pingBytes those written before the
	// ping out, readBytes those the client confirmed it read; afterLate,
	// checking and the check's bytes and round trip tell a client that
	// stopped reading from a slow link (foxstall.go).
	bytes, pingBytes, readBytes uint64
	afterLate, checking         bool
	checkBytes                  uint64
	checkRTT                    time.Duration
}

// wrote counts one message written.
func (r *readPace) wrote() { r.written++ }

// ping reports whether to send a ping now: when no ping is out and some
// message is not confirmed read. It counts the ping out.
func (r *readPace) ping(now time.Time) bool {
	if r.pinging || r.written == r.read {
		return false
	}
	r.pinging, r.pingAt, r.pingAfter, r.pingBytes = true, now, r.written, r.bytes
	return true
}

// probes is how many pings measure the link's round trip before any
// picture is queued on it: the first follows the node's greeting, whose
// channels (a few kB of schemas) a slow link takes seconds to carry, and
// the second, sent once the first is answered, has nothing before it.
const probes = 2

// probe reports whether to send a ping that measures the link's round
// trip before any picture is queued on it (probes at most, while nothing
// written waits to be confirmed read); it counts the ping out.
func (r *readPace) probe(now time.Time) bool {
	if r.pinging || r.probed >= probes || r.written != r.read {
		return false
	}
	r.probed++
	r.pinging, r.pingAt, r.pingAfter, r.pingBytes = true, now, r.written, r.bytes
	return true
}

// answered takes the client's answer, at now, to the ping that is out: it
// read every message written before the ping.
func (r *readPace) answered(now time.Time) {
	if !r.pinging {
		return
	}
	r.pinging, r.read = false, r.pingAfter
	rtt := now.Sub(r.pingAt)
	if !r.measured || rtt < r.minRTT {
		r.minRTT, r.measured = rtt, true
	}
	r.queued = rtt - r.minRTT
	if !r.outLate || r.queued <= maxQueued { // a late ping is one sample, not two
		r.sample(now, r.queued > maxQueued)
	}
	r.noteAnswer(rtt, r.outLate || r.queued > maxQueued)
	r.outLate = false
}

// behind reports whether the client left the ping unanswered for longer
// than limit beyond the link's round trip at now.
func (r *readPace) behind(now time.Time, limit time.Duration) bool {
	return r.pinging && now.Sub(r.pingAt) > limit+r.minRTT
}

// queuedAt is how long what was written waits on its way at now, as far
// as the connection knows: the last answer's wait, or longer when the
// ping out has waited longer.
func (r *readPace) queuedAt(now time.Time) time.Duration {
	q := r.queued
	if r.pinging {
		q = max(q, now.Sub(r.pingAt)-r.minRTT)
	}
	return q
}

// thinAt reports whether the connection is thin at now: what it wrote
// waited over maxQueued on its way, by a ping's answer or by the ping out,
// and has not waited less since for the link's hold.
func (r *readPace) thinAt(now time.Time) bool {
	if r.measured && r.pinging && !r.outLate && now.Sub(r.pingAt)-r.minRTT > maxQueued { // the first ping measures the link's round trip
		r.outLate = true
		r.sample(now, true)
	}
	return r.link.thin
}

// busyAt reports whether what was written before the ping out is still
// on its way at now: the ping has waited longer than the link's round
// trip. A thin connection skips a keyframe then: the next one, sent once
// the link is free, is newer when it arrives than this one would be.
func (r *readPace) busyAt(now time.Time) bool {
	return r.pinging && now.Sub(r.pingAt) > r.minRTT
}

// linkClearToResume is how many answers in a row that found the link
// keeping up (after the hold) end a connection's thinning.
const linkClearToResume = 2

// sample takes one sample of the link, at now: lossy when what was
// written waited over maxQueued.
func (r *readPace) sample(now time.Time, lossy bool) {
	r.link.toThin, r.link.toResume = 1, linkClearToResume
	r.link.report(now, lossy)
}
