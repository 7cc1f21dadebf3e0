package transport

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// pidKey identifies an actor whatever *actor.PID value names it.
type pidKey struct{ address, id string }

func keyOf(pid *actor.PID) pidKey { return pidKey{pid.Address, pid.Id} }

// subscriber is one subscriber of a topic and its window.
type subscriber struct {
	pid *actor.PID
	// name is who the subscriber says it is (Subscribe.Name), or "".
	name   string
	window Window
	// ended is set when the subscriber was sent EndOfStream and no stream
	// has begun since.
	ended bool
	// request is the subscriber's QoS request; nil takes the topic's offer.
	request *qos.Profile
	// incompatible is set while the topic's offer does not meet request:
	// the subscriber gets no packets.
	incompatible bool
	// last is the last packet delivered, for keyframe requests.
	last *media.Packet
	// repaired is the keyframe of the GOP last replayed to answer the
	// subscriber's keyframe request (its Epoch and Seq), if any.
	repaired *gopStart
	// fellBehind rate-limits the warning that the subscriber fell behind:
	// the first, then at most one every FellBehindLogEvery, with the count.
	fellBehind lograte.Limiter
}

// FellBehindLogEvery is the shortest time between two warnings that a
// subscriber fell behind (or, at a subscribing node, that it fell behind
// its topic): a subscriber slower than its stream falls behind every GOP,
// and one line a GOP would bury the rest of the log. Each warning counts
// the times since the last one; the stats count every drop.
const FellBehindLogEvery = 10 * time.Second

// publisherState is one registered publisher.
type publisherState struct {
	pid   *actor.PID
	offer qos.Profile
	owner Owner
}

// topicState is everything a topic's broker knows: the registries of its
// subscribers and publishers, which its policies read, and the policies.
// It outlives the broker actor's instances: after a panic the restarted
// broker takes it over, so subscribers and publishers stay registered (see
// broker.restarted).
type topicState struct {
	topic string
	log   zerolog.Logger
	cfg   *busConfig

	// offer is the topic's QoS offer, set by its first publisher; nil while
	// it has none.
	offer *qos.Profile

	subs     []*subscriber // in subscription order
	subIndex map[pidKey]*subscriber
	pubs     map[pidKey]*publisherState
	// streaming is set while a publisher that joined or published has not
	// yet been followed by EndOfStream.
	streaming bool
	started   bool // the broker has started once

	// policies are told everything that happens at the topic, in this
	// order (see newTopicState); cache and keyframes are among them.
	policies   []policy
	cache      *cache
	keyframes  *keyframeLimit
	retirement *retirement

	// timer wakes the broker when the earliest due time of its policies
	// comes; timerAt is when it fires (zero: no timer).
	timer   Timer
	timerAt time.Time

	// stats holds the broker's own counters; snapshot adds the policies'
	// and the windows'.
	stats TopicStats
	// departed adds up the windows of subscribers that have left (or
	// subscribed again with a new window).
	departed WindowStats
}

func newTopicState(topic string, cfg *busConfig, limiter *qos.KeyframeLimiter) *topicState {
	t := &topicState{
		topic:    topic,
		log:      cfg.log.With().Str("topic", topic).Logger(),
		cfg:      cfg,
		subIndex: make(map[pidKey]*subscriber),
		pubs:     make(map[pidKey]*publisherState),
		stats:    TopicStats{Topic: topic},
	}
	t.cache = newCache(t)
	t.keyframes = &keyframeLimit{limiter: limiter}
	t.retirement = &retirement{t: t, linger: cfg.idleLinger}
	// The order matters where one policy reads what another decided: a
	// publisher regains its liveliness before its packet is delivered, and
	// a subscriber is matched before the cache replays to it.
	t.policies = []policy{
		newLiveliness(t),
		&matcher{t: t},
		t.cache,
		newDeadlines(t),
		newFarewells(t),
		&rateMeter{},
		&formatMeter{},
		&keyframeKinds{log: t.log},
		&noKeyframe{log: t.log},
		t.retirement, // last: it sees what the others made of the input
	}
	return t
}

// durable reports whether the topic's cache is replayed to s, when it
// joins or to repair its chain: the offer is durable, and s takes it (no
// request) or asks for a durable one. Replaying is resending, which only
// reliability does: a best-effort side (the subscriber's request, or the
// offer that it takes) gets nothing resent, as a best-effort reader of a
// transient-local DDS writer gets no history.
func (t *topicState) durable(s *subscriber) bool {
	if t.offer == nil || t.offer.Durability == qos.Volatile || s.incompatible {
		return false
	}
	if s.request == nil {
		return t.offer.Reliability == qos.Reliable
	}
	return s.request.Durability != qos.Volatile && s.request.Reliability == qos.Reliable
}

// compatible returns the subscribers whose request the topic's offer meets.
func (t *topicState) compatible(yield func(*subscriber) bool) {
	for _, s := range t.subs {
		if !s.incompatible && !yield(s) {
			return
		}
	}
}
