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

// refusalLog writes a node's refusals of peers, rate-limited: at most a
// line per refusalInterval, each with a peer and its reason, and the count
// of the refusals not written since the previous line. It is safe for
// concurrent use; close stops its timer.
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

// refusal is one refused peer.
type refusal struct {
	peer, what string
	err        error
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
	r.mu.Lock()
	now := r.now()
	if now.Before(r.until) {
		r.more++
		r.last = refusal{peer: peer, what: what, err: err}
		if r.stop == nil {
			r.stop = r.after(r.until.Sub(now), r.flush)
		}
		r.mu.Unlock()
		return
	}
	r.until = now.Add(refusalInterval)
	r.mu.Unlock()
	r.log.Warn().Str("peer", peer).Str("refused", what).Err(err).Msg("remote: refused a peer")
}

// flush writes the refusals counted in the interval that ended.
func (r *refusalLog) flush() {
	r.mu.Lock()
	more, last := r.more, r.last
	r.more, r.last, r.stop = 0, refusal{}, nil
	r.until = r.now().Add(refusalInterval)
	r.mu.Unlock()
	if more > 0 {
		r.log.Warn().Str("peer", last.peer).Str("refused", last.what).Err(last.err).Int("count", more).
			Msg("remote: refused peers; the latest")
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
