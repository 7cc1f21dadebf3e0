package transport

import (
	"time"

	"github.com/gopline/gopline/internal/lograte"
)

// liveliness is the policy of publishers' liveliness: a publisher that
// stops without leaving, or publishes nothing for longer than its offer's
// lease, has lost its liveliness, and one that publishes again has regained
// it; the topic's subscribers are told either way.
type liveliness struct {
	t     *topicState
	pubs  map[*publisherState]*lease
	order []*publisherState // in joining order, for a stable order of events
	// logged rate-limits the log's lines of liveliness lost: a publisher
	// whose lease is shorter than its packets' spacing loses and regains
	// it at every packet. A regaining is told when its loss was.
	logged lograte.Limiter
}

// lease is one publisher's liveliness state.
type lease struct {
	lastSeen time.Time // when it last published or joined
	lost     bool
	told     bool // its loss was told in the log: its regaining is too
}

func newLiveliness(t *topicState) *liveliness {
	return &liveliness{t: t, pubs: make(map[*publisherState]*lease), logged: lograte.Limiter{Interval: FellBehindLogEvery}}
}

func (l *liveliness) handle(now time.Time, in input, do []action) []action {
	switch in.kind {
	case inPublisherJoined:
		l.pubs[in.pub] = &lease{lastSeen: now}
		l.order = append(l.order, in.pub)
	case inPublished:
		if ls := l.pubs[in.pub]; ls != nil {
			ls.lastSeen = now
			if ls.lost {
				ls.lost = false
				if ls.told {
					ls.told = false
					l.t.log.Info().Str("publisher", ActorName(in.pub.pid)).Msg("publisher's liveliness regained")
				}
				do = append(do, action{kind: doEvent, event: Event{Kind: EventLivelinessRegained, Publisher: in.pub.pid}})
			}
		}
	case inPublisherStopped:
		if ls := l.pubs[in.pub]; ls != nil && !ls.lost {
			do = l.lose(now, in.pub, ls, "publisher stopped", do)
		}
	case inPublisherLeft:
		if _, ok := l.pubs[in.pub]; ok {
			delete(l.pubs, in.pub)
			l.order = deleteItem(l.order, in.pub)
		}
	case inTick:
		for _, ps := range l.order {
			if ls := l.pubs[ps]; ps.offer.Lease > 0 && !ls.lost && !now.Before(ls.lastSeen.Add(ps.offer.Lease)) {
				do = l.lose(now, ps, ls, "lease expired", do)
			}
		}
	}
	return do
}

func (l *liveliness) lose(now time.Time, ps *publisherState, ls *lease, why string, do []action) []action {
	ls.lost = true
	if ok, times := l.logged.Allow(now); ok {
		ls.told = true
		l.t.log.Warn().Str("publisher", ActorName(ps.pid)).Str("why", why).Uint64("times", times).Msg("publisher's liveliness lost")
	}
	return append(do, action{kind: doEvent, event: Event{Kind: EventLivelinessLost, Publisher: ps.pid}})
}

func (l *liveliness) due() time.Time {
	var next time.Time
	for ps, ls := range l.pubs {
		if ps.offer.Lease <= 0 || ls.lost {
			continue
		}
		if t := ls.lastSeen.Add(ps.offer.Lease); next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next
}

func (l *liveliness) report(time.Time, *TopicStats) {}

// deleteItem removes the first v from s.
func deleteItem[T comparable](s []T, v T) []T {
	for i, x := range s {
		if x == v {
			return append(s[:i], s[i+1:]...)
		}
	}
	return s
}
