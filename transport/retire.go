package transport

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// DefaultIdleTopicLinger is how long a topic nobody uses stays before the
// Bus forgets it (WithIdleTopicLinger): long enough for a publisher or
// subscriber that restarts to find it again, short enough that a name
// typed once is gone from the listings by the time one looks again.
const DefaultIdleTopicLinger = 2 * time.Second

// retirer is what a topic's broker asks of its Bus to retire: how often
// the Bus has handed the topic out, and to forget it.
type retirer interface {
	// handedOut counts the Bus.Topic calls that returned the topic.
	handedOut(topic string) uint64
	// retire forgets the topic's broker self, unless the Bus handed it out
	// again since it counted mark (or the broker is no longer the
	// topic's); it reports whether it did. The broker then stops.
	retire(topic string, self *actor.PID, mark uint64) bool
}

// retirement is the policy that lets a topic go, as ROS 2's graph forgets
// a topic when its last endpoint goes: a topic with no publisher, no
// subscriber and no cached GOP, for the Bus's linger, is retired (its
// broker stops and the Bus forgets it; Bus.Topic makes it afresh). So a
// mistyped name does not stay in the listings, nor count against a node's
// topics, for good.
//
// The linger and the Bus's count of hand-outs keep a topic that is about
// to be used: one handed out (Bus.Topic) since it became idle stays
// another linger, and a subscriber or publisher that registers resets it.
// What is left is an actor that took the topic before it became idle and
// registers only a linger after; the actors of gopline register at once.
type retirement struct {
	t      *topicState
	bus    retirer // nil: the topic is never retired
	linger time.Duration
	// idleSince is when the topic was last seen idle after being in use;
	// zero while it is in use. mark is the Bus's count of hand-outs then.
	idleSince time.Time
	mark      uint64
	// armed is set when idleSince was set: the broker sets its timer.
	armed bool
}

func (r *retirement) handle(now time.Time, in input, do []action) []action {
	if r.bus == nil || r.linger <= 0 || in.kind == inStopping {
		return do
	}
	if !r.t.idle() {
		r.idleSince = time.Time{}
		return do
	}
	if r.idleSince.IsZero() {
		r.stay(now)
		return do
	}
	if in.kind == inTick && !now.Before(r.idleSince.Add(r.linger)) {
		do = append(do, action{kind: doRetire})
	}
	return do
}

// stay starts the linger again at now: the topic became idle, or the Bus
// handed it out while it lingered.
func (r *retirement) stay(now time.Time) {
	r.idleSince, r.mark, r.armed = now, r.bus.handedOut(r.t.topic), true
}

// takeArmed reports, once, that the linger started: the broker, which sets
// its timer when a policy acted, sets it then too.
func (r *retirement) takeArmed() bool {
	armed := r.armed
	r.armed = false
	return armed
}

func (r *retirement) due() time.Time {
	if r.idleSince.IsZero() {
		return time.Time{}
	}
	return r.idleSince.Add(r.linger)
}

func (r *retirement) report(time.Time, *TopicStats) {}

// idle reports whether nothing holds the topic: no subscriber, no
// publisher (anonymous ones included: they leave an offer or a stream),
// and no cached GOP.
func (t *topicState) idle() bool {
	_, empty := t.cache.retainer.(Volatile)
	return len(t.subs) == 0 && len(t.pubs) == 0 && t.offer == nil && !t.streaming && empty
}
