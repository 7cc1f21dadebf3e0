package transport

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
)

// The messages a topic's broker exchanges with its publishers and
// subscribers, all in one process. A publisher sends Publish; a subscriber
// sends Subscribe, then receives Delivery messages and answers each with an
// Ack, which returns one credit of its window.

// Publish hands one packet to the topic. The packet must not be changed
// afterwards: the broker delivers the same pointer to every subscriber.
// Publisher is the publishing actor, told of keyframe requests; it may be nil.
type Publish struct {
	Packet    *media.Packet
	Publisher *actor.PID
}

// PublisherJoined registers a publisher before its first packet, so that
// subscribers see the topic as live and keyframe requests reach it. The
// broker watches a registered publisher: one that stops has left. A nil
// Publisher means the sender, if any.
type PublisherJoined struct{ Publisher *actor.PID }

// PublisherLeft says a publisher has ended (end of its stream). When the last
// publisher of a topic leaves, every subscriber receives EndOfStream. A nil
// Publisher means the sender, or, without one, a publisher that published
// without naming itself.
type PublisherLeft struct{ Publisher *actor.PID }

// Subscribe adds Subscriber to the topic. Window is how many deliveries may
// be unacknowledged at once (0 means DefaultWindow): the subscriber's bounded
// queue. When it is full the broker drops the rest of the current GOP for that
// subscriber and resumes at the next keyframe.
//
// A new subscriber's first delivery is a keyframe: the packets the topic
// retained (see Retainer; none on a VOLATILE topic) come first, then live
// ones; with nothing retained, delivery starts at the next live keyframe.
// Subscribing again starts over in the same way, with the new Window. A
// Subscribe sent with Request is answered with Subscribed; a nil Subscriber
// means the sender.
type Subscribe struct {
	Subscriber *actor.PID
	Window     int
}

// Subscribed answers a Subscribe sent with Request: from now on the
// subscriber receives the topic's packets.
type Subscribed struct {
	Topic  string
	Window int
}

// Unsubscribe removes Subscriber from the topic. A nil Subscriber means the
// sender.
type Unsubscribe struct{ Subscriber *actor.PID }

// Delivery carries one packet to one subscriber. Every Delivery is answered
// with an Ack once the subscriber is done with it. Packet is shared with the
// topic's other subscribers: read it, never change it.
type Delivery struct {
	Topic  string
	Packet *media.Packet
	// Dropped is how many packets the broker dropped for this subscriber
	// since the previous Delivery (its queue was full); the stream resumes
	// at a keyframe after any drop.
	Dropped uint64
	// Replayed marks a packet from the topic's retained history (see
	// Retainer), sent on Subscribe before any live packet; never set on a
	// VOLATILE topic. The mark belongs to the delivery: the same Packet may
	// reach other subscribers live.
	Replayed bool
}

// Ack returns one credit to the broker: the subscriber is done with one
// Delivery. A nil Subscriber means the sender.
type Ack struct{ Subscriber *actor.PID }

// KeyframeRequest asks a topic's publishers (via the broker) for a keyframe,
// because a subscriber's gate lost the chain. The broker forwards at most one
// per interval for the whole topic (qos.DefaultKeyframeRequestInterval unless
// WithKeyframeRequestInterval says otherwise) to every publisher, as a
// KeyframeRequest naming the topic; the others are counted and dropped.
type KeyframeRequest struct{ Topic string }

// EndOfStream tells a subscriber that the topic's last publisher has left
// (with PublisherLeft, or by stopping), or that the topic itself stopped
// (Bus.Close). Deliveries may follow if a publisher comes back; they start
// at a keyframe.
type EndOfStream struct{ Topic string }

// StatsRequest asks a topic's broker for its counters; the broker answers
// with a TopicStats (send it with Request or RequestFuture).
type StatsRequest struct{}
