package remote

import (
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// refusalInterval is how often a node logs its refusals: the first of an
// interval at once, with its peer and reason, and how many followed it in
// the next line. 50,000 refused streams write a line a second, not 50,000.
const refusalInterval = time.Second

// refusalLog writes a node's refusals of peers, and the connections it
// closed (an idle one, one giving its place), rate-limited: at most a line
// per refusalInterval, each with a peer and its reason, and the count of
// those not written since the previous line. It is safe for concurrent
// use; close stops its timer.
type refusalLog struct {
	log zerolog.Logger
	now func() time.Time
	// after runs f after d (time.AfterFunc, or a test's).
	after func(d time.Duration, f func()) (stop func() bool)

	mu sync.Mutex
	// until ends the current interval; more counts the refusals not
	// written in it, and last is the latest of them. stop cancels the
	// line that will tell them.
	until time.Time
	more  int
	last  refusal
	stop  func() bool
}

// refusal is one refused peer, or, closed set, one connection the node
// closed.
type refusal struct {
	peer, what string
	err        error
	closed     bool
}

func newRefusalLog(log zerolog.Logger) *refusalLog {
	return &refusalLog{log: log, now: time.Now, after: func(d time.Duration, f func()) func() bool {
		return time.AfterFunc(d, f).Stop
	}}
}

// refused logs that the node refused peer's what (a connection, a
// handshake, a stream, messages) for err, or counts it when a line was
// written less than refusalInterval ago: the count and the latest such
// refusal follow when the interval ends.
func (r *refusalLog) refused(peer, what string, err error) {
	r.note(refusal{peer: peer, what: what, err: err})
}

// closed logs that the node closed peer's what (an idle connection) for
// err, as a refusal is: an operator reads it as housekeeping, not as a
// peer refused.
func (r *refusalLog) closed(peer, what string, err error) {
	r.note(refusal{peer: peer, what: what, err: err, closed: true})
}

func (r *refusalLog) note(e refusal) {
	r.mu.Lock()
	now := r.now()
	if now.Before(r.until) {
		r.more++
		r.last = e
		if r.stop == nil {
			r.stop = r.after(r.until.Sub(now), r.flush)
		}
		r.mu.Unlock()
		return
	}
	r.until = now.Add(refusalInterval)
	r.mu.Unlock()
	r.write(e, 0)
}

// write logs e, and count more in the interval when count is not 0.
func (r *refusalLog) write(e refusal, count int) {
	ev, key, msg, many := r.log.Warn(), "refused", "remote: refused a peer", "remote: refused peers; the latest"
	if e.closed {
		ev, key = r.log.Info(), "closed"
		msg, many = "remote: closed a peer's connection", "remote: closed peers' connections; the latest"
	}
	ev = ev.Str("peer", e.peer).Str(key, e.what).Err(e.err)
	if count > 0 {
		ev, msg = ev.Int("count", count), many
	}
	ev.Msg(msg)
}

// flush writes the refusals counted in the interval that ended.
func (r *refusalLog) flush() {
	r.mu.Lock()
	more, last := r.more, r.last
	r.more, r.last, r.stop = 0, refusal{}, nil
	r.until = r.now().Add(refusalInterval)
	r.mu.Unlock()
	if more > 0 {
		r.write(last, more)
	}
}

// close writes what is counted and stops the timer.
func (r *refusalLog) close() {
	r.mu.Lock()
	stop := r.stop
	r.mu.Unlock()
	if stop != nil && stop() {
		r.flush()
	}
}
