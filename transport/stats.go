package transport

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// TopicStats is a snapshot of one topic's counters, as its broker answers a
// StatsRequest. The snapshot is the caller's: it shares nothing with the
// broker.
type TopicStats struct {
	Topic string
	// Publishers is how many publishers are registered now (PublisherJoined,
	// or a Publish naming its Publisher).
	Publishers int
	// PublisherPIDs are the registered publishers, in the order of their
	// addresses.
	PublisherPIDs []*actor.PID
	// Published counts the packets published on the topic.
	Published uint64
	// Rate and ByteRate are the packets and data bytes published per
	// second, measured over the last second or more (0 when nothing was
	// published for two seconds).
	Rate, ByteRate float64
	// Delivered, Dropped, Skipped and UnexpectedAcks add up the windows of
	// every subscriber the topic ever had (see WindowStats).
	Delivered, Dropped, Skipped, UnexpectedAcks uint64
	// Codec, Width and Height are those of the latest keyframe published
	// (zero before the first).
	Codec         media.Codec
	Width, Height int
	// QoS is the topic's offer (qos.Profile.String), set by its first
	// publisher; empty while it has none.
	QoS string
	// Cache describes the topic's GOP cache when it has one in memory.
	Cache *qos.CacheStats
	// Replayed counts the deliveries that came from the topic's cache, on
	// Subscribe or to answer a keyframe request (they are also counted in
	// Delivered); ReplayedStale those of them cached by an earlier run.
	Replayed, ReplayedStale uint64
	// KeyframeRequests counts the requests received. Of those,
	// KeyframeRequestsFromCache were answered by replaying the cache,
	// KeyframeRequestsForwarded went to the publishers, and
	// KeyframeRequestsSuppressed came too soon after a forwarded one; the
	// rest found no publisher to forward to. Forwarded and suppressed also
	// count the requests the broker makes itself, when a replay does not
	// reach the live stream.
	KeyframeRequests, KeyframeRequestsFromCache, KeyframeRequestsForwarded, KeyframeRequestsSuppressed uint64
	// RecoveryPointKeyframes counts the H.264 keyframes published that
	// were recovery points rather than IDRs: a camera that uses intra
	// refresh or open GOP (see keyframeKinds).
	RecoveryPointKeyframes uint64
	// Incompatible counts QoS mismatches found; Events the events sent to
	// subscribers; DeadlinesMissed the missed deadlines among them.
	Incompatible, Events, DeadlinesMissed uint64
	// Restarts counts the broker's restarts after a panic.
	Restarts uint64
	// Subscribers lists the current subscribers in the order they subscribed.
	Subscribers []SubscriberStats
}

// SubscriberStats is one subscriber's part of a TopicStats: who it is and
// its window's counters, the one account of what the topic delivered and
// dropped for it (what a node's listing, gopline topic info and the web
// page's /api/topics show).
type SubscriberStats struct {
	Subscriber *actor.PID
	// Name is who the subscriber said it is (Subscribe.Name); empty when
	// it said nothing. Who names it either way.
	Name string
	// QoS is the subscriber's request; empty when it takes the topic's.
	QoS string
	// Incompatible is set while the topic's offer does not meet QoS.
	Incompatible bool
	WindowStats
}

// Who names the subscriber for people: its Name, or else its actor's
// (ActorName).
func (s SubscriberStats) Who() string {
	if s.Name != "" {
		return s.Name
	}
	return ActorName(s.Subscriber)
}

// localAddress is the address protoactor gives the actors of a system
// without a remote.
const localAddress = "nonhost"

// ActorName names an actor for people: its id ("pipeline-1/subscribe0",
// its pipeline and node), after its node's address when it lives in
// another process. Logs name subscribers and publishers so, rather than by
// protoactor's form of a PID.
func ActorName(pid *actor.PID) string {
	if pid == nil {
		return "-"
	}
	if pid.Address == "" || pid.Address == localAddress {
		return pid.Id
	}
	return pid.Address + "/" + pid.Id
}
