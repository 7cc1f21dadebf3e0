package transport

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
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
//
// QoS is what the publisher offers (nil: the Bus's default, see
// WithDefaultQoS). The first publisher of a topic sets the topic's offer:
// its durability decides whether the topic keeps a GOP cache for late
// subscribers, and subscribers are matched against it (qos.Compatible). A
// later publisher offering something else is logged and served under the
// topic's offer until every publisher has left.
//
// Owner, if not zero, is the party the publisher belongs to (a pipeline):
// a farewell can wait for its publishers (Unsubscribe.AfterPublishersOf).
type PublisherJoined struct {
	Publisher *actor.PID
	QoS       *qos.Profile
	Owner     Owner
}

// PublisherLeft says a publisher has ended (end of its stream). When the last
// publisher of a topic leaves, every subscriber receives EndOfStream. A nil
// Publisher means the sender, or, without one, a publisher that published
// without naming itself.
type PublisherLeft struct{ Publisher *actor.PID }

// Subscribe adds Subscriber to the topic. Window is how many live deliveries
// may be unacknowledged at once (0 means DefaultWindow): the subscriber's
// bounded queue. When it is full the broker drops the rest of the current GOP
// for that subscriber and resumes at the next keyframe.
//
// QoS is what the subscriber requests; nil takes whatever the topic offers
// (as a recorder does). A subscriber whose request the topic's offer does not
// meet (qos.Compatible) receives an Event of kind EventIncompatibleQoS naming
// both profiles, at once or when the topic's first publisher joins, and no
// packets, as in ROS 2; the broker logs it too.
//
// A new subscriber's first delivery is a keyframe. On a durable topic
// (TransientLocal or Persistent offered, and requested or QoS nil) whose
// subscriber is reliable (Reliable requested, or offered with QoS nil), the
// cached GOP is replayed first, keyframe first, marked in each packet's
// Replay, and then live packets follow in the same broker turn, with neither
// a gap nor a duplicate. Otherwise delivery starts at the next live keyframe.
// Subscribing again starts over in the same way. A Subscribe sent with
// Request is answered with Subscribed; a nil Subscriber means the sender.
//
// Name says who the subscriber is, for the topic's stats and logs
// (SubscriberStats.Name): a browser viewer's address, another node's link;
// empty names it after its actor (ActorName).
type Subscribe struct {
	Subscriber *actor.PID
	Window     int
	QoS        *qos.Profile
	Name       string
}

// Subscribed answers a Subscribe sent with Request: from now on the
// subscriber receives the topic's packets.
type Subscribed struct {
	Topic  string
	Window int
}

// Unsubscribe removes Subscriber from the topic. A nil Subscriber means the
// sender. With Farewell, a subscriber whose stream has not ended is sent
// EndOfStream (with the drops not yet reported) after its last Delivery: it
// can end its own stream knowing that nothing more is on its way.
//
// AfterPublishersOf, with Farewell, is an owner (a pipeline's, see
// pipeline.Env.Owner): while the topic has a publisher that joined with
// that Owner (PublisherJoined.Owner), the subscriber stays subscribed, and
// the farewell is answered when the last of them has left. A pipeline that
// stops thus receives what it publishes to itself, through any number of
// topics. The zero Owner waits for nobody.
type Unsubscribe struct {
	Subscriber        *actor.PID
	Farewell          bool
	AfterPublishersOf Owner
}

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
}

// Ack returns one credit to the broker: the subscriber is done with one
// Delivery. A nil Subscriber means the sender.
//
// Dropped, when set, says that the subscriber dropped that many of the
// deliveries it acknowledged (this one and earlier ones) instead of passing
// them on: a remote subscription's end at the publishing node does so for
// a link that does not keep up, or a packet too large for it. The topic
// counts them among its drops for the subscriber (WindowStats.Dropped), not
// as delivered, so that the publishing node's stats show what its remote
// subscribers lost.
type Ack struct {
	Subscriber *actor.PID
	Dropped    uint64
}

// KeyframeRequest asks a topic for a keyframe because a subscriber's gate
// lost the chain (a hole in Seq, a new Epoch, a packet it could not decode).
// When Subscriber names a reliable subscriber of a durable topic (as for
// the replay on Subscribe) and the cache can
// repair its chain (qos.GOPCache.CanRepair: the cached GOP reaches up to the
// live stream), the broker replays the cached GOP to that subscriber alone
// and no encoder is bothered, once a GOP for each subscriber (asking again
// within it, the subscriber could not decode it). Otherwise it forwards the
// request to every
// publisher, at most once per interval for the whole topic
// (qos.DefaultKeyframeRequestInterval unless WithKeyframeRequestInterval says
// otherwise), as a KeyframeRequest naming the topic; the others are counted
// and dropped. A nil Subscriber means the sender, when it subscribes.
type KeyframeRequest struct {
	Topic      string
	Subscriber *actor.PID
}

// EndOfStream tells a subscriber that the topic's last publisher has left
// (with PublisherLeft, or by stopping), or that the topic itself stopped
// (Bus.Close). Deliveries may follow if a publisher comes back; they start
// at a keyframe.
//
// Dropped is how many packets the broker dropped for this subscriber since
// its last Delivery (its queue was full at the end of the stream).
type EndOfStream struct {
	Topic   string
	Dropped uint64
}

// StatsRequest asks a topic's broker for its counters; the broker answers
// with a TopicStats (send it with Request or RequestFuture).
type StatsRequest struct{}
