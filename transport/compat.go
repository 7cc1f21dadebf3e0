package transport

import (
	"time"

	"github.com/gopline/gopline/qos"
)

// matcher is the policy of compatibility: it matches every subscriber's
// request against the topic's offer (qos.Compatible) when either comes, and
// tells a subscriber that does not match, at once, with both profiles: as
// in ROS 2 it receives nothing, but never silently.
type matcher struct {
	t          *topicState
	mismatches uint64
}

func (m *matcher) handle(_ time.Time, in input, do []action) []action {
	switch in.kind {
	case inSubscribed:
		do = m.match(in.sub, do)
	case inOfferSet:
		for _, s := range m.t.subs {
			do = m.match(s, do)
		}
	case inOfferCleared:
		for _, s := range m.t.subs {
			do = append(do, action{kind: doMatch, sub: s})
		}
	}
	return do
}

// match checks s's request against the topic's offer, if it has one.
func (m *matcher) match(s *subscriber, do []action) []action {
	var err error
	if m.t.offer != nil && s.request != nil {
		err = qos.Compatible(*m.t.offer, *s.request)
	}
	do = append(do, action{kind: doMatch, sub: s, err: err})
	if err != nil {
		m.mismatches++
		m.t.log.Error().Str("subscriber", ActorName(s.pid)).Err(err).Msg("QoS mismatch: the subscriber receives nothing")
		do = append(do, action{kind: doEvent, sub: s, event: Event{Kind: EventIncompatibleQoS, Err: err}})
	}
	return do
}

func (m *matcher) due() time.Time { return time.Time{} }

func (m *matcher) report(_ time.Time, st *TopicStats) { st.Incompatible = m.mismatches }
