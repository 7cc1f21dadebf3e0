package elements

import (
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
)

// follow subscribes to topic, of the node at remote ("": of this process,
// or of the node found that publishes it), and watches that it is
// published.
func (r *recorder) follow(topic, remote string) error {
	pid, addr, err := topicBroker(r.env, topic, remote)
	if err != nil {
		return err
	}
	sub, err := newTopicSubscriber(r.env, topic, pid, r.cfg.Window, r.cfg.QoS)
	if err != nil {
		return err
	}
	r.subs = append(r.subs, sub)
	silence := &Silence{Topic: topic, Remote: addr}
	r.silences[topic] = silence
	r.env.After(noPublisherWait, func() error {
		if !r.seen[topic] && !r.ended[topic] {
			checkPublished(r.env, *r.silences[topic])
		}
		return nil
	})
	if remote == "" && addr == "" && !r.env.Bus.PublishedHere(topic) {
		waiting := func() bool { return !r.seen[topic] && !r.ended[topic] && !r.stopping }
		r.searches = append(r.searches, searchPublisher(r.env, topic, waiting, func(addr string) error { return r.moveTo(sub, addr) }))
	}
	return nil
}

// moveTo subscribes to the topic of old, this process's, at the node at
// addr, found to publish it while old had nothing to give.
func (r *recorder) moveTo(old *transport.Subscriber, addr string) error {
	topic := old.Topic()
	pid, err := r.env.Bus.RemoteTopic(addr, topic)
	if err != nil {
		return err
	}
	sub, err := newTopicSubscriber(r.env, topic, pid, r.cfg.Window, r.cfg.QoS)
	if err != nil {
		return err
	}
	r.env.Log.Info().Str("topic", topic).Str("remote", addr).Msg("the topic's publisher started at another node: recording it from there")
	old.Close()
	for i := range r.subs {
		if r.subs[i] == old {
			r.subs[i] = sub
		}
	}
	r.silences[topic] = &Silence{Topic: topic, Remote: addr}
	return nil
}

// Receive takes topic deliveries. A delivery is acknowledged once it is in
// the cache; while the cache is over its budget the acknowledgements wait
// for room, so a disk slower than the topics for longer than the cache
// lasts fills the topics' windows, and each topic drops whole GOPs for the
// recorder alone.
func (r *recorder) Receive(msg any, _ func(*media.Packet)) (bool, error) {
	for _, sub := range r.subs {
		if got, ok := sub.Handle(msg); ok {
			return true, r.received(sub, got)
		}
	}
	return false, nil
}

// received records what one topic's message means.
func (r *recorder) received(sub *transport.Subscriber, got transport.Received) error {
	if got.Dropped > 0 {
		r.env.Dropped(int(got.Dropped))
	}
	switch {
	case got.Packet != nil:
		r.env.Received(1)
		r.seen[sub.Topic()] = true
		if !r.lengths.keeps(sub.Topic(), got.Packet.CaptureTime) {
			sub.Ack() // after the stream's Duration
			return nil
		}
		if r.cache.Put(sub.Topic(), got.Packet) && len(r.held) == 0 {
			sub.Ack()
		} else {
			r.held = append(r.held, sub)
			r.pollHeld()
		}
		return r.collect()
	case got.Event != nil:
		if silence := r.silences[sub.Topic()]; silence != nil {
			silence.heard(got.Event)
		}
		return topicEvent(r.env, got.Event, nil, r.logs)
	case got.Ended:
		r.ended[sub.Topic()] = true
		r.endHeld(sub)
		if len(r.ended) == len(r.subs) {
			r.env.End()
		}
	}
	return nil
}

// Halt ends the subscriptions when the pipeline stops. Each topic answers
// with the end of its stream after the deliveries already on their way,
// which are recorded. A recorder that still waits for its first topic
// (a search found none) ends at once.
func (r *recorder) Halt() {
	r.stopping = true
	halted := false
	for _, sub := range r.subs {
		halted = sub.Halt() || halted
	}
	r.halted = r.halted || halted
	switch {
	case halted:
		r.env.After(haltGrace(r.env), r.haltTimedOut)
	case len(r.subs) == 0:
		r.env.End()
	}
}

// haltTimedOut ends a halted recorder whose topics did not all answer.
func (r *recorder) haltTimedOut() error {
	r.closeAll()
	r.env.End()
	return nil
}

// Drained does nothing: the recorder acknowledges each delivery once cached.
func (r *recorder) Drained() {}

func (r *recorder) closeAll() {
	for _, sub := range r.subs {
		sub.Close()
	}
	clear(r.held) // a topic that forgot the recorder takes no acknowledgement
	r.held = r.held[:0]
}
