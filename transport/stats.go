package transport

import "github.com/asynkron/protoactor-go/actor"

// TopicStats is a snapshot of one topic's counters, as its broker answers a
// StatsRequest. The snapshot is the caller's: it shares nothing with the
// broker.
type TopicStats struct {
	Topic string
	// Publishers is how many publishers are registered now (PublisherJoined,
	// or a Publish naming its Publisher).
	Publishers int
	// Published counts the packets published on the topic.
	Published uint64
	// Delivered, Dropped, Skipped and UnexpectedAcks add up the windows of
	// every subscriber the topic ever had (see WindowStats).
	Delivered, Dropped, Skipped, UnexpectedAcks uint64
	// Replayed counts the deliveries that came from the Retainer on Subscribe
	// (they are also counted in Delivered).
	Replayed uint64
	// KeyframeRequests counts the requests received. Of those,
	// KeyframeRequestsForwarded went to the publishers and
	// KeyframeRequestsSuppressed came too soon after a forwarded one; the
	// rest found no publisher to forward to.
	KeyframeRequests, KeyframeRequestsForwarded, KeyframeRequestsSuppressed uint64
	// Restarts counts the broker's restarts after a panic.
	Restarts uint64
	// Subscribers lists the current subscribers in the order they subscribed.
	Subscribers []SubscriberStats
}

// SubscriberStats is one subscriber's part of a TopicStats.
type SubscriberStats struct {
	Subscriber *actor.PID
	WindowStats
}
