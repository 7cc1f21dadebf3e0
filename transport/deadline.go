package transport

import (
	"time"

	"github.com/gopline/gopline/internal/lograte"
)

// deadlines is the policy of deadlines: while a stream runs, a subscriber
// whose deadline (its request's, else the topic's offer's) passes without a
// packet is told, once per period missed, with how many it missed in a row.
type deadlines struct {
	t         *topicState
	streaming bool
	// lastPacket is when the topic last received a packet, or when its
	// stream started.
	lastPacket time.Time
	watches    map[*subscriber]*deadlineWatch
	// missing is set while some watch counts misses, so that a packet
	// walks the watches only after a miss.
	missing bool
	missed  uint64
	// logged rate-limits the log's lines of the misses: a subscriber of a
	// publisher slower than the deadline misses it every period.
	logged lograte.Limiter
}

// deadlineWatch is one subscriber's deadline state.
type deadlineWatch struct {
	since    time.Time // when it subscribed
	misses   uint64    // missed in a row
	missedAt time.Time // the last miss reported
}

func newDeadlines(t *topicState) *deadlines {
	return &deadlines{t: t, watches: make(map[*subscriber]*deadlineWatch), logged: lograte.Limiter{Interval: FellBehindLogEvery}}
}

func (d *deadlines) handle(now time.Time, in input, do []action) []action {
	switch in.kind {
	case inStreamStarted:
		d.streaming, d.lastPacket = true, now
	case inStreamEnded:
		d.streaming = false
		d.resetMisses()
	case inPublished:
		d.lastPacket = now
		d.resetMisses()
	case inSubscribed:
		d.watches[in.sub] = &deadlineWatch{since: now}
	case inUnsubscribed:
		delete(d.watches, in.sub)
	case inTick:
		do = d.check(now, do)
	}
	return do
}

func (d *deadlines) resetMisses() {
	if !d.missing {
		return
	}
	for _, w := range d.watches {
		w.misses = 0
	}
	d.missing = false
}

// check reports the deadlines missed by now.
func (d *deadlines) check(now time.Time, do []action) []action {
	if !d.streaming {
		return do
	}
	for _, s := range d.t.subs {
		period, w := d.periodOf(s), d.watches[s]
		if period <= 0 || s.incompatible || w == nil || now.Before(d.dueOf(w, period)) {
			continue
		}
		w.misses++
		w.missedAt = now
		d.missed++
		d.missing = true
		if ok, times := d.logged.Allow(now); ok {
			d.t.log.Warn().Str("subscriber", ActorName(s.pid)).Stringer("deadline", period).Uint64("missed", w.misses).
				Uint64("times", times).Msg("deadline missed")
		}
		do = append(do, action{kind: doEvent, sub: s, event: Event{Kind: EventDeadlineMissed, Count: w.misses}})
	}
	return do
}

// periodOf is s's deadline: its request's, else the topic's offer's.
func (d *deadlines) periodOf(s *subscriber) time.Duration {
	if s.request != nil && s.request.Deadline > 0 {
		return s.request.Deadline
	}
	if d.t.offer != nil {
		return d.t.offer.Deadline
	}
	return 0
}

// dueOf is when a subscriber misses its deadline period next: period after
// the newest of the last packet, its subscription and its last reported
// miss.
func (d *deadlines) dueOf(w *deadlineWatch, period time.Duration) time.Time {
	from := d.lastPacket
	if w.since.After(from) {
		from = w.since
	}
	if w.misses > 0 && w.missedAt.After(from) {
		from = w.missedAt
	}
	return from.Add(period)
}

func (d *deadlines) due() time.Time {
	var next time.Time
	if !d.streaming {
		return next
	}
	for _, s := range d.t.subs {
		period, w := d.periodOf(s), d.watches[s]
		if period <= 0 || s.incompatible || w == nil {
			continue
		}
		if t := d.dueOf(w, period); next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next
}

func (d *deadlines) report(_ time.Time, st *TopicStats) { st.DeadlinesMissed = d.missed }
