package transport

import (
	"slices"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// pidKey identifies an actor whatever *actor.PID value names it.
type pidKey struct{ address, id string }

func keyOf(pid *actor.PID) pidKey { return pidKey{pid.Address, pid.Id} }

// subscriber is one subscriber of a topic and its window.
type subscriber struct {
	pid    *actor.PID
	window Window
	// ended is set when the subscriber was sent EndOfStream and no stream
	// has begun since.
	ended bool
}

// topicState is everything a topic's broker knows. It outlives the broker
// actor's instances: after a panic the restarted broker takes it over, so
// subscribers and publishers stay registered (see broker.restarted).
type topicState struct {
	topic    string
	log      zerolog.Logger
	retainer Retainer
	limiter  *qos.KeyframeLimiter

	subs     []*subscriber // in subscription order
	subIndex map[pidKey]*subscriber
	pubs     map[pidKey]*actor.PID
	// streaming is set while a publisher that joined or published has not
	// yet been followed by EndOfStream.
	streaming bool
	started   bool // the broker has started once

	// stats holds the topic's own counters; snapshot adds the windows.
	stats TopicStats
	// departed adds up the windows of subscribers that have left (or
	// subscribed again with a new window).
	departed WindowStats
}

func newTopicState(topic string, retainer Retainer, limiter *qos.KeyframeLimiter, log zerolog.Logger) *topicState {
	return &topicState{
		topic:    topic,
		log:      log.With().Str("topic", topic).Logger(),
		retainer: retainer,
		limiter:  limiter,
		subIndex: make(map[pidKey]*subscriber),
		pubs:     make(map[pidKey]*actor.PID),
		stats:    TopicStats{Topic: topic},
	}
}

// broker is a topic's actor: it feeds its topicState the messages of
// messages.go. It never blocks and never copies a packet.
type broker struct{ *topicState }

// Receive implements actor.Actor.
func (b *broker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *Publish:
		b.publish(ctx, m)
	case *Ack:
		b.ack(orSender(ctx, m.Subscriber))
	case *Subscribe:
		b.subscribe(ctx, m)
	case *Unsubscribe:
		if pid := orSender(ctx, m.Subscriber); pid != nil {
			b.unsubscribe(ctx, pid)
		}
	case *PublisherJoined:
		b.publisherJoined(ctx, orSender(ctx, m.Publisher))
	case *PublisherLeft:
		b.publisherLeft(ctx, orSender(ctx, m.Publisher))
	case *KeyframeRequest:
		b.keyframeRequest(ctx)
	case *StatsRequest:
		ctx.Respond(b.snapshot())
	case *actor.Terminated:
		b.terminated(ctx, m.Who)
	case *actor.Started:
		if b.started {
			b.restarted()
		}
		b.started = true
	case *actor.Stopping:
		b.stopping(ctx)
	}
}

func orSender(ctx actor.Context, pid *actor.PID) *actor.PID {
	if pid != nil {
		return pid
	}
	return ctx.Sender()
}

// publish hands p to every subscriber whose window admits it: the same
// pointer to all, never a copy.
func (b *broker) publish(ctx actor.Context, m *Publish) {
	p := m.Packet
	if p == nil {
		b.log.Debug().Msg("ignored a Publish without a packet")
		return
	}
	if m.Publisher != nil {
		b.addPublisher(ctx, m.Publisher)
	}
	b.startStream()
	b.stats.Published++
	b.retainer.Retain(p)
	for _, s := range b.subs {
		b.offer(ctx, s, p, false)
	}
}

// offer delivers p to s if its window admits it.
func (b *broker) offer(ctx actor.Context, s *subscriber, p *media.Packet, replayed bool) {
	wasLive := !s.window.WaitingForKeyframe()
	if !s.window.Offer(p) {
		if wasLive && s.window.WaitingForKeyframe() {
			b.log.Warn().Str("subscriber", s.pid.String()).Int("window", s.window.Size()).
				Uint64("seq", p.Seq).Msg("subscriber fell behind: dropping the rest of the GOP")
		}
		return
	}
	dropped := s.window.TakeDropped()
	if dropped > 0 {
		b.log.Info().Str("subscriber", s.pid.String()).Uint64("dropped", dropped).
			Uint64("seq", p.Seq).Msg("subscriber resumed at a keyframe")
	}
	if replayed {
		b.stats.Replayed++
	}
	ctx.Send(s.pid, &Delivery{Topic: b.topic, Packet: p, Dropped: dropped, Replayed: replayed})
}

func (b *broker) ack(pid *actor.PID) {
	if pid == nil {
		b.stats.UnexpectedAcks++
		return
	}
	if s, ok := b.subIndex[keyOf(pid)]; ok {
		s.window.Ack()
		return
	}
	// An Ack from a subscriber that has left: nothing to return.
	b.stats.UnexpectedAcks++
}

func (b *broker) subscribe(ctx actor.Context, m *Subscribe) {
	pid := orSender(ctx, m.Subscriber)
	if pid == nil {
		b.log.Warn().Msg("ignored a Subscribe without a subscriber")
		return
	}
	s, ok := b.subIndex[keyOf(pid)]
	if ok {
		// Subscribing again starts over with a new window; the old one's
		// counters go to the topic's totals. Acks for what the old window
		// had in flight return credit to the new one, so for one window's
		// worth of deliveries the subscriber may hold more than its window.
		addWindowStats(&b.departed, s.window.Stats())
		s.window = NewWindow(m.Window)
	} else {
		s = &subscriber{pid: pid, window: NewWindow(m.Window)}
		b.subs = append(b.subs, s)
		b.subIndex[keyOf(pid)] = s
		if _, isPublisher := b.pubs[keyOf(pid)]; !isPublisher {
			ctx.Watch(pid)
		}
	}
	b.log.Debug().Str("subscriber", pid.String()).Int("window", s.window.Size()).Msg("subscribed")
	if ctx.Sender() != nil {
		ctx.Respond(&Subscribed{Topic: b.topic, Window: s.window.Size()})
	}
	// Replay first, then live: both in this turn's order, with no gap and
	// no duplicate.
	for _, p := range b.retainer.Replay() {
		b.offer(ctx, s, p, true)
	}
}

func (b *broker) unsubscribe(ctx actor.Context, pid *actor.PID) {
	if b.removeSubscriber(pid) {
		if _, isPublisher := b.pubs[keyOf(pid)]; !isPublisher {
			ctx.Unwatch(pid)
		}
		b.log.Debug().Str("subscriber", pid.String()).Msg("unsubscribed")
	}
}

// removeSubscriber forgets pid as a subscriber; it reports whether it was one.
func (b *broker) removeSubscriber(pid *actor.PID) bool {
	k := keyOf(pid)
	s, ok := b.subIndex[k]
	if !ok {
		return false
	}
	delete(b.subIndex, k)
	if i := slices.Index(b.subs, s); i >= 0 {
		b.subs = slices.Delete(b.subs, i, i+1)
	}
	addWindowStats(&b.departed, s.window.Stats())
	return true
}

func (b *broker) publisherJoined(ctx actor.Context, pid *actor.PID) {
	b.startStream()
	if pid != nil {
		b.addPublisher(ctx, pid)
	}
}

func (b *broker) addPublisher(ctx actor.Context, pid *actor.PID) {
	k := keyOf(pid)
	if _, ok := b.pubs[k]; ok {
		return
	}
	b.pubs[k] = pid
	if _, isSubscriber := b.subIndex[k]; !isSubscriber {
		ctx.Watch(pid)
	}
	b.log.Debug().Str("publisher", pid.String()).Msg("publisher joined")
}

// publisherLeft forgets pid as a publisher; when no publisher is left, the
// stream has ended.
func (b *broker) publisherLeft(ctx actor.Context, pid *actor.PID) {
	if pid != nil && b.removePublisher(pid) {
		if _, isSubscriber := b.subIndex[keyOf(pid)]; !isSubscriber {
			ctx.Unwatch(pid)
		}
	}
	b.endOfStreamIfNoPublisher(ctx)
}

// removePublisher forgets pid as a publisher; it reports whether it was one.
func (b *broker) removePublisher(pid *actor.PID) bool {
	k := keyOf(pid)
	if _, ok := b.pubs[k]; !ok {
		return false
	}
	delete(b.pubs, k)
	b.log.Debug().Str("publisher", pid.String()).Msg("publisher left")
	return true
}

func (b *broker) endOfStreamIfNoPublisher(ctx actor.Context) {
	if len(b.pubs) == 0 && b.streaming {
		b.endOfStream(ctx)
	}
}

// startStream notes that a publisher is active: a stream that ends from now
// on ends for every subscriber, including those told of an earlier end.
func (b *broker) startStream() {
	if b.streaming {
		return
	}
	b.streaming = true
	for _, s := range b.subs {
		s.ended = false
	}
}

// endOfStream tells every subscriber the stream ended; what comes next, if
// anything, is another stream and starts at a keyframe.
func (b *broker) endOfStream(ctx actor.Context) {
	b.streaming = false
	b.log.Debug().Int("subscribers", len(b.subs)).Msg("end of stream")
	eos := &EndOfStream{Topic: b.topic}
	for _, s := range b.subs {
		s.window.Resync()
		if !s.ended {
			s.ended = true
			ctx.Send(s.pid, eos)
		}
	}
}

// terminated handles the death of a watched subscriber or publisher: a
// publisher that stops has left.
func (b *broker) terminated(ctx actor.Context, pid *actor.PID) {
	if b.removeSubscriber(pid) {
		b.log.Debug().Str("subscriber", pid.String()).Msg("subscriber stopped")
	}
	if b.removePublisher(pid) {
		b.endOfStreamIfNoPublisher(ctx)
	}
}

// keyframeRequest forwards a subscriber's keyframe request to every
// publisher, at most once per limiter interval for the whole topic.
func (b *broker) keyframeRequest(ctx actor.Context) {
	b.stats.KeyframeRequests++
	if len(b.pubs) == 0 {
		return
	}
	if !b.limiter.Allow() {
		b.stats.KeyframeRequestsSuppressed++
		return
	}
	b.stats.KeyframeRequestsForwarded++
	req := &KeyframeRequest{Topic: b.topic}
	for _, pid := range b.pubs {
		ctx.Send(pid, req)
	}
}

// restarted runs when the broker starts again after a panic. Subscribers
// and publishers stay registered (their watches are kept too), but which
// deliveries are in flight is no longer trusted: every window starts over at
// the next keyframe.
func (b *broker) restarted() {
	b.stats.Restarts++
	for _, s := range b.subs {
		s.window.Forget()
	}
	b.log.Warn().Uint64("restarts", b.stats.Restarts).Msg("topic broker restarted after a panic")
}

// stopping tells subscribers that the topic is gone and lets go of the
// actors it watched.
func (b *broker) stopping(ctx actor.Context) {
	eos := &EndOfStream{Topic: b.topic}
	for _, s := range b.subs {
		if !s.ended {
			s.ended = true
			ctx.Send(s.pid, eos)
		}
		ctx.Unwatch(s.pid)
	}
	for k, pid := range b.pubs {
		if _, isSubscriber := b.subIndex[k]; !isSubscriber {
			ctx.Unwatch(pid)
		}
	}
}

func (b *broker) snapshot() TopicStats {
	st := b.stats
	st.Publishers = len(b.pubs)
	total := b.departed
	st.Subscribers = make([]SubscriberStats, len(b.subs))
	for i, s := range b.subs {
		ws := s.window.Stats()
		st.Subscribers[i] = SubscriberStats{Subscriber: s.pid, WindowStats: ws}
		addWindowStats(&total, ws)
	}
	st.Delivered, st.Dropped, st.Skipped = total.Delivered, total.Dropped, total.Skipped
	st.UnexpectedAcks += total.UnexpectedAcks
	return st
}

func addWindowStats(sum *WindowStats, w WindowStats) {
	sum.Delivered += w.Delivered
	sum.Dropped += w.Dropped
	sum.Skipped += w.Skipped
	sum.UnexpectedAcks += w.UnexpectedAcks
}
