package transport

import (
	"time"

	"github.com/gopline/gopline/media"
)

// A policy is one QoS concern of a topic, in the manner of pion's
// interceptors: replaying the cache (cache), matching profiles (matcher),
// deadlines, publishers' liveliness, farewells that wait for an owner's
// publishers, the rate. It is a plain value: the topic's broker tells every
// policy what happens at the topic, in order and with the time, and carries
// out what the policies answer (actions). A policy sends no message and
// starts no timer; it says when it next wants to be told the time (due),
// and the broker keeps one timer for all of a topic's policies.
//
// A policy reads the topic's registries (topicState: the offer, the
// subscribers and publishers) and keeps its own state beside them; only the
// cache changes a subscriber's window, to admit what it replays.
type policy interface {
	// handle is told what happened at now, and appends what to do to do.
	handle(now time.Time, in input, do []action) []action
	// due is when the policy next wants an inTick; zero means never.
	due() time.Time
	// report adds the policy's counters to a snapshot taken at now.
	report(now time.Time, st *TopicStats)
}

// inputKind says what happened at a topic.
type inputKind uint8

const (
	// inPublished: packet was published, by pub (nil: an anonymous
	// publisher). It comes before the packet's live deliveries.
	inPublished inputKind = iota + 1
	// inSubscribed: sub subscribed, or subscribed again and starts over.
	inSubscribed
	// inUnsubscribed: sub is no longer a subscriber.
	inUnsubscribed
	// inFarewell: sub unsubscribes with a farewell once the publishers of
	// owner have left (Unsubscribe.AfterPublishersOf).
	inFarewell
	// inPublisherJoined: pub registered.
	inPublisherJoined
	// inPublisherStopped: pub's actor stopped without leaving first;
	// inPublisherLeft follows.
	inPublisherStopped
	// inPublisherLeft: a publisher left (pub; nil for an anonymous one),
	// after the end of the stream if it was the last.
	inPublisherLeft
	// inOfferSet: the topic has an offer (topicState.offer), set by its
	// first publisher.
	inOfferSet
	// inOfferCleared: the topic's last publisher has left and its offer is
	// gone.
	inOfferCleared
	// inStreamStarted and inStreamEnded: a publisher joined or published
	// while none was streaming; the last publisher left.
	inStreamStarted
	inStreamEnded
	// inKeyframeRequest: sub (nil if it does not subscribe) lost its chain.
	inKeyframeRequest
	// inTick: a due time of some policy has come.
	inTick
	// inStopping: the broker stops.
	inStopping
)

// input is what happened at a topic, told to its policies.
type input struct {
	kind   inputKind
	packet *media.Packet
	sub    *subscriber
	pub    *publisherState
	owner  Owner
}

// actionKind says what a policy asks the broker to do.
type actionKind uint8

const (
	// doDeliver: deliver packet to sub, whose window has admitted it.
	doDeliver actionKind = iota + 1
	// doEvent: send event to sub, or, with sub nil, to every subscriber
	// whose request the topic's offer meets. The broker fills in the topic
	// and the time.
	doEvent
	// doMatch: sub's request is met by the topic's offer (err nil), or not
	// (err says why, and sub receives no packets).
	doMatch
	// doAskKeyframe: ask the topic's publishers for a keyframe, at most
	// once per interval for the whole topic (keyframeLimit).
	doAskKeyframe
	// doFarewell: end sub's stream (EndOfStream, unless it has ended) and
	// let it go.
	doFarewell
	// doAnswered: the policy has answered the input (a keyframe request
	// served from the cache, a farewell held for the owner's publishers);
	// the broker does not answer it itself.
	doAnswered
	// doRetire: nothing has held the topic for its linger: the broker asks
	// the Bus to forget it and stops (see retirement).
	doRetire
)

// action is something a policy asks the broker to do.
type action struct {
	kind   actionKind
	sub    *subscriber
	packet *media.Packet
	event  Event
	err    error
}
