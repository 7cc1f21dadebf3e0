package web

import "time"

// maxUnread is how long a Foxglove client may leave a ping unanswered
// before the node stops writing pictures to it: the pictures written
// before the ping are then still unread. It bounds what a client that
// stops reading has waiting for it in the sockets' buffers, which
// otherwise hold megabytes (over a thousand pictures of a small stream),
// to about this much of its streams: a client that comes back is not sent
// what it missed in a burst (see catchUp).
const maxUnread = time.Second

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
}

// wrote counts one message written.
func (r *readPace) wrote() { r.written++ }

// ping reports whether to send a ping now: when no ping is out and some
// message is not confirmed read. It counts the ping out.
func (r *readPace) ping(now time.Time) bool {
	if r.pinging || r.written == r.read {
		return false
	}
	r.pinging, r.pingAt, r.pingAfter = true, now, r.written
	return true
}

// answered takes the client's answer to the ping that is out: it read
// every message written before the ping.
func (r *readPace) answered() {
	if r.pinging {
		r.pinging, r.read = false, r.pingAfter
	}
}

// behind reports whether the client left the ping unanswered for longer
// than limit at now.
func (r *readPace) behind(now time.Time, limit time.Duration) bool {
	return r.pinging && now.Sub(r.pingAt) > limit
}
