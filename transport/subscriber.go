package transport

import (
	"errors"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// SubscriberConfig says what a Subscriber subscribes to and how it sends.
type SubscriberConfig struct {
	Topic string
	// Broker is the topic's broker (Bus.Topic, or Bus.RemoteTopic for a
	// topic of another node).
	Broker *actor.PID
	// Self is the subscribing actor: the topic delivers to it.
	Self *actor.PID
	// Send sends a message from the subscribing actor (its
	// actor.Context.Send), so that the broker sees who sent it.
	Send func(to *actor.PID, msg any)
	// Window, QoS and Name are the subscription's (see Subscribe).
	Window int
	QoS    *qos.Profile
	Name   string
	// Owner is what a farewell waits for: the topic answers Halt only after
	// the last packet of the owner's own publishers on it (see
	// Unsubscribe.AfterPublishersOf); the zero Owner waits for nobody.
	Owner Owner
}

// Subscriber is the subscribing side of a topic's protocol, written once for
// every kind of subscriber (a pipeline's subscribe node, the recorder, a
// viewer, a bridge to another protocol). It subscribes with a profile, tells
// what each message of the topic means (a packet to use, packets the topic
// dropped for it, an event, the end of the stream), returns a credit for
// each delivery it is done with, forwards keyframe requests, and says
// farewell when it stops.
//
// It is a plain value driven from its owner's actor: it sends through
// SubscriberConfig.Send and keeps no timers (a subscriber that halts bounds
// its wait for the farewell with a timer of its own, then calls Close). It
// needs no locks and must be used from that actor alone.
type Subscriber struct {
	cfg     SubscriberConfig
	pending int  // deliveries not yet acknowledged
	ended   bool // the topic sent EndOfStream
	halting bool // a farewell was sent
	closed  bool // unsubscribed, or forgotten by the topic
}

// Received is what one message of the topic means to its subscriber. At
// most one of Packet, Event and Ended is set; all are zero for a message
// that needs nothing done (the topic's Subscribed).
type Received struct {
	// Packet is a delivered packet, shared with the topic's other
	// subscribers: read it, never change it. A packet replayed from the
	// topic's cache to a late joiner is marked in Packet.Replay. Answer
	// every delivery with Ack once done with it; until then it holds one
	// place of the subscriber's window.
	Packet *media.Packet
	// Dropped is how many packets the topic dropped for this subscriber
	// before this message, because its window was full: the rest of a GOP
	// each time, so the packets that come are decodable.
	Dropped uint64
	// Event is an event of the topic: liveliness lost or regained, a
	// missed deadline, a drop, an incompatible QoS.
	Event *Event
	// Ended says the topic's stream ended: its last publisher left, or,
	// after Halt, the topic's answer to the farewell (nothing more is on its
	// way).
	Ended bool
}

// ErrSubscriberConfig is returned by NewSubscriber for a config it cannot
// use.
var ErrSubscriberConfig = errors.New("transport: subscriber needs a topic broker, a subscribing actor and a send function")

// NewSubscriber returns a Subscriber of cfg's topic; Subscribe starts it.
func NewSubscriber(cfg SubscriberConfig) (*Subscriber, error) {
	if err := ValidateTopicName(cfg.Topic); err != nil {
		return nil, err
	}
	if cfg.Broker == nil || cfg.Self == nil || cfg.Send == nil {
		return nil, ErrSubscriberConfig
	}
	return &Subscriber{cfg: cfg}, nil
}

// Topic is the subscribed topic's name.
func (s *Subscriber) Topic() string { return s.cfg.Topic }

// Subscribe asks the topic for its packets. On a durable topic the cached
// GOP comes first, marked, then the live packets with no gap.
func (s *Subscriber) Subscribe() {
	s.cfg.Send(s.cfg.Broker, &Subscribe{Subscriber: s.cfg.Self, Window: s.cfg.Window, QoS: s.cfg.QoS, Name: s.cfg.Name})
}

// Handle tells what msg means to the subscriber; it reports false for a
// message that is not from its topic, which the caller handles otherwise.
func (s *Subscriber) Handle(msg any) (Received, bool) {
	switch m := msg.(type) {
	case *Delivery:
		if m.Topic != s.cfg.Topic {
			return Received{}, false
		}
		s.pending++
		return Received{Packet: m.Packet, Dropped: m.Dropped}, true
	case *Event:
		if m.Topic != s.cfg.Topic {
			return Received{}, false
		}
		return Received{Event: m}, true
	case *EndOfStream:
		if m.Topic != s.cfg.Topic {
			return Received{}, false
		}
		s.ended = true
		if s.halting {
			s.closed = true // the farewell's answer: the topic forgot us
		}
		return Received{Ended: true, Dropped: m.Dropped}, true
	case *Subscribed:
		return Received{}, m.Topic == s.cfg.Topic
	}
	return Received{}, false
}

// Pending is how many deliveries are not acknowledged yet.
func (s *Subscriber) Pending() int { return s.pending }

// Ack returns the credit of one delivery the subscriber is done with.
func (s *Subscriber) Ack() {
	if s.pending > 0 {
		s.pending--
		s.cfg.Send(s.cfg.Broker, &Ack{Subscriber: s.cfg.Self})
	}
}

// AckAll acknowledges every pending delivery.
func (s *Subscriber) AckAll() {
	for s.pending > 0 {
		s.Ack()
	}
}

// RequestKeyframe asks the topic for a keyframe: from its cache when it can
// repair this subscriber's chain, from the publishers otherwise.
func (s *Subscriber) RequestKeyframe() {
	s.cfg.Send(s.cfg.Broker, &KeyframeRequest{Topic: s.cfg.Topic, Subscriber: s.cfg.Self})
}

// Halt says farewell: the topic answers with the end of the stream (a
// Received with Ended) after the deliveries already on their way and after
// the last packet of the owner's publishers. It reports whether a farewell
// went out: none does after the stream ended, a farewell or Close. A topic
// that is gone never answers, so bound the wait and then Close.
func (s *Subscriber) Halt() bool {
	if s.ended || s.halting || s.closed {
		return false
	}
	s.halting = true
	s.cfg.Send(s.cfg.Broker, s.farewell())
	return true
}

// farewell is the Unsubscribe that Halt sends.
func (s *Subscriber) farewell() *Unsubscribe {
	return &Unsubscribe{Subscriber: s.cfg.Self, Farewell: true, AfterPublishersOf: s.cfg.Owner}
}

// Close unsubscribes, unless the topic already forgot the subscriber (it
// answered a farewell) or Close was called before. Deliveries already on
// their way may still arrive; Handle still takes them.
func (s *Subscriber) Close() {
	if s.closed {
		return
	}
	s.closed = true
	s.cfg.Send(s.cfg.Broker, &Unsubscribe{Subscriber: s.cfg.Self})
}
