package transport

import "time"

// farewells is the policy of farewells that wait for an owner's publishers
// (Unsubscribe.AfterPublishersOf): while the topic has a publisher of that
// owner, the subscriber stays subscribed, and its farewell is answered when
// the last of them has left. A pipeline that stops thus receives what it
// publishes to itself, through any number of topics.
type farewells struct {
	t       *topicState
	waiting map[*subscriber]Owner
}

func newFarewells(t *topicState) *farewells {
	return &farewells{t: t, waiting: make(map[*subscriber]Owner)}
}

func (f *farewells) handle(_ time.Time, in input, do []action) []action {
	switch in.kind {
	case inFarewell:
		if f.publishes(in.owner) {
			f.waiting[in.sub] = in.owner
			do = append(do, action{kind: doAnswered})
		}
	case inUnsubscribed:
		delete(f.waiting, in.sub)
	case inPublisherLeft:
		for _, s := range f.t.subs {
			if owner, ok := f.waiting[s]; ok && !f.publishes(owner) {
				delete(f.waiting, s)
				do = append(do, action{kind: doFarewell, sub: s})
			}
		}
	}
	return do
}

// publishes reports whether the topic has a publisher of owner.
func (f *farewells) publishes(owner Owner) bool {
	if owner.IsZero() {
		return false
	}
	for _, ps := range f.t.pubs {
		if ps.owner == owner {
			return true
		}
	}
	return false
}

func (f *farewells) due() time.Time { return time.Time{} }

func (f *farewells) report(time.Time, *TopicStats) {}
