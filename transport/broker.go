package transport

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/media"
)

// broker is a topic's actor: it keeps the registries of its subscribers and
// publishers, hands every packet to the windows of its subscribers, tells
// its policies (policy.go) what happens and carries out their answers. It
// never blocks and never copies a packet.
type broker struct {
	*topicState
	system *actor.ActorSystem
	// rearm is set when a due time of a policy may have come nearer: the
	// broker then sets its timer again at the end of the turn.
	rearm bool
}

// checkMsg wakes the broker when a due time of its policies has come.
type checkMsg struct{}

// publisherGone follows a publisher's Terminated through the mailbox, so
// that a PublisherLeft it sent before it stopped is handled first.
type publisherGone struct{ pid *actor.PID }

// Receive implements actor.Actor.
func (b *broker) Receive(ctx actor.Context) {
	b.rearm = false
	switch m := ctx.Message().(type) {
	case *Publish:
		b.publish(ctx, m)
	case *Ack:
		b.ack(orSender(ctx, m.Subscriber), m.Dropped)
	case *Subscribe:
		b.subscribe(ctx, m)
	case *Unsubscribe:
		if pid := orSender(ctx, m.Subscriber); pid != nil {
			b.unsubscribe(ctx, pid, m.Farewell, m.AfterPublishersOf)
		}
	case *PublisherJoined:
		b.publisherJoined(ctx, orSender(ctx, m.Publisher), m.QoS, m.Owner)
	case *PublisherLeft:
		b.publisherLeft(ctx, orSender(ctx, m.Publisher))
	case *KeyframeRequest:
		b.keyframeRequest(ctx, orSender(ctx, m.Subscriber))
	case *StatsRequest:
		ctx.Respond(b.snapshot())
	case *checkMsg:
		b.timerAt = time.Time{}
		b.tell(ctx, input{kind: inTick})
		b.rearm = true
	case *actor.Terminated:
		b.terminated(ctx, m.Who)
	case *publisherGone:
		b.publisherGone(ctx, m.pid)
	case *actor.Started:
		if b.started {
			b.restarted()
		}
		b.started = true
	case *actor.Stopping:
		b.stopping(ctx)
		return
	}
	if b.rearm || b.retirement.takeArmed() {
		b.schedule(ctx)
	}
}

func orSender(ctx actor.Context, pid *actor.PID) *actor.PID {
	if pid != nil {
		return pid
	}
	return ctx.Sender()
}

// tell hands in to every policy in turn and carries out each one's
// actions before the next policy sees it. It reports whether a policy
// answered in (doAnswered).
func (b *broker) tell(ctx actor.Context, in input) (answered bool) {
	now := b.cfg.clock.Now()
	var do []action
	for _, p := range b.policies {
		do = p.handle(now, in, do[:0])
		for _, a := range do {
			answered = b.carryOut(ctx, now, a) || answered
		}
	}
	return answered
}

// carryOut does what a policy asked; it reports whether a was doAnswered.
func (b *broker) carryOut(ctx actor.Context, now time.Time, a action) bool {
	b.rearm = true
	switch a.kind {
	case doDeliver:
		b.deliver(ctx, a.sub, a.packet)
	case doEvent:
		if a.sub != nil {
			b.event(ctx, now, a.sub, a.event)
			break
		}
		for s := range b.compatible {
			b.event(ctx, now, s, a.event)
		}
	case doMatch:
		a.sub.incompatible = a.err != nil
	case doAskKeyframe:
		b.askKeyframe(ctx)
	case doFarewell:
		b.farewell(ctx, a.sub)
	case doAnswered:
		return true
	case doRetire:
		b.retire(ctx, now)
	}
	return false
}

// retire asks the Bus to forget the topic and, when it does, stops the
// broker; a topic the Bus handed out meanwhile stays another linger.
func (b *broker) retire(ctx actor.Context, now time.Time) {
	if !b.retirement.bus.retire(b.topic, ctx.Self(), b.retirement.mark) {
		b.retirement.stay(now)
		return
	}
	b.log.Debug().Msg("topic retired: no publisher, subscriber or cached GOP is left")
	ctx.Stop(ctx.Self())
}

// publish hands p to every subscriber whose window admits it: the same
// pointer to all, never a copy.
func (b *broker) publish(ctx actor.Context, m *Publish) {
	p := m.Packet
	if p == nil {
		b.log.Debug().Msg("ignored a Publish without a packet")
		return
	}
	var ps *publisherState
	if m.Publisher != nil {
		ps = b.addPublisher(ctx, m.Publisher, nil, Owner{})
	} else if b.offer == nil {
		b.setOffer(ctx, b.defaultOffer())
	}
	b.startStream(ctx)
	b.stats.Published++
	b.tell(ctx, input{kind: inPublished, packet: p, pub: ps})
	for _, s := range b.subs {
		if !s.incompatible {
			b.offerLive(ctx, s, p)
		}
	}
}

// offerLive delivers p live to s if its window admits it.
func (b *broker) offerLive(ctx actor.Context, s *subscriber, p *media.Packet) {
	wasLive := !s.window.WaitingForKeyframe()
	if !s.window.Offer(p) {
		if wasLive && s.window.WaitingForKeyframe() {
			now := b.cfg.clock.Now()
			if ok, times := s.fellBehind.Allow(now); ok {
				b.log.Warn().Str("subscriber", cmp.Or(s.name, ActorName(s.pid))).Int("window", s.window.Size()).Uint64("seq", p.Seq).
					Uint64("times", times).Msg("subscriber fell behind: dropping the rest of the GOP")
			}
			b.event(ctx, now, s, Event{Kind: EventDropped, GOP: p.GOP})
		}
		return
	}
	b.deliver(ctx, s, p)
}

// deliver sends p, admitted by s's window, to s.
func (b *broker) deliver(ctx actor.Context, s *subscriber, p *media.Packet) {
	dropped := s.window.TakeDropped()
	if dropped > 0 {
		b.log.Debug().Str("subscriber", ActorName(s.pid)).Uint64("dropped", dropped).
			Uint64("seq", p.Seq).Msg("subscriber resumed at a keyframe")
	}
	s.last = p
	ctx.Send(s.pid, &Delivery{Topic: b.topic, Packet: p, Dropped: dropped})
}

// event sends e, completed with the topic and the time, to s.
func (b *broker) event(ctx actor.Context, now time.Time, s *subscriber, e Event) {
	e.Topic = b.topic
	if e.Time.IsZero() {
		e.Time = now
	}
	b.stats.Events++
	ctx.Send(s.pid, &e)
}

func (b *broker) ack(pid *actor.PID, dropped uint64) {
	if pid == nil {
		b.stats.UnexpectedAcks++
		return
	}
	if s, ok := b.subIndex[keyOf(pid)]; ok {
		s.window.Ack()
		if dropped > 0 {
			s.window.SubscriberDropped(dropped)
		}
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
	if m.QoS != nil {
		if err := m.QoS.Validate(); err != nil {
			b.log.Warn().Str("subscriber", ActorName(pid)).Err(err).Msg("refused a Subscribe")
			ctx.Send(pid, &Event{Topic: b.topic, Kind: EventIncompatibleQoS, Time: b.cfg.clock.Now(), Err: err})
			return
		}
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
		s = &subscriber{pid: pid, window: NewWindow(m.Window), fellBehind: lograte.Limiter{Interval: FellBehindLogEvery}}
		b.subs = append(b.subs, s)
		b.subIndex[keyOf(pid)] = s
		if _, isPublisher := b.pubs[keyOf(pid)]; !isPublisher {
			ctx.Watch(pid)
		}
	}
	s.request, s.incompatible, s.last, s.name = m.QoS, false, nil, m.Name
	b.log.Debug().Str("subscriber", ActorName(pid)).Str("name", m.Name).Int("window", s.window.Size()).Msg("subscribed")
	if ctx.Sender() != nil {
		ctx.Respond(&Subscribed{Topic: b.topic, Window: s.window.Size()})
	}
	// The policies match s and replay the cache to it, in this turn: live
	// packets follow with no gap and no duplicate.
	b.tell(ctx, input{kind: inSubscribed, sub: s})
	b.rearm = true
}

func (b *broker) unsubscribe(ctx actor.Context, pid *actor.PID, farewell bool, after Owner) {
	s := b.subIndex[keyOf(pid)]
	if farewell && s != nil {
		if b.tell(ctx, input{kind: inFarewell, sub: s, owner: after}) {
			return // answered once the owner's publishers have left
		}
		b.farewell(ctx, s)
		return
	}
	b.removeSubscriber(ctx, pid)
}

// farewell ends s's stream, unless it has ended, and lets s go.
func (b *broker) farewell(ctx actor.Context, s *subscriber) {
	if !s.ended {
		s.ended = true
		ctx.Send(s.pid, &EndOfStream{Topic: b.topic, Dropped: s.window.TakeDropped()})
	}
	b.removeSubscriber(ctx, s.pid)
}

// removeSubscriber forgets pid as a subscriber, if it is one, and stops
// watching it unless it publishes.
func (b *broker) removeSubscriber(ctx actor.Context, pid *actor.PID) {
	if !b.forgetSubscriber(ctx, pid) {
		return
	}
	if _, isPublisher := b.pubs[keyOf(pid)]; !isPublisher {
		ctx.Unwatch(pid)
	}
	b.log.Debug().Str("subscriber", ActorName(pid)).Msg("unsubscribed")
}

// forgetSubscriber forgets pid as a subscriber; it reports whether it was
// one.
func (b *broker) forgetSubscriber(ctx actor.Context, pid *actor.PID) bool {
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
	b.tell(ctx, input{kind: inUnsubscribed, sub: s})
	return true
}

// terminated handles the death of a watched subscriber or publisher: a
// publisher that stops has left, and without saying so first it has lost
// its liveliness.
func (b *broker) terminated(ctx actor.Context, pid *actor.PID) {
	if b.forgetSubscriber(ctx, pid) {
		b.log.Debug().Str("subscriber", ActorName(pid)).Msg("subscriber stopped")
	}
	if _, ok := b.pubs[keyOf(pid)]; ok {
		// Terminated is a system message and overtakes the user messages
		// in the mailbox: a PublisherLeft may be waiting there.
		ctx.Send(ctx.Self(), &publisherGone{pid: pid})
	}
}

// keyframeRequest lets the cache answer a subscriber's keyframe request
// when it can, and otherwise forwards it to the publishers.
func (b *broker) keyframeRequest(ctx actor.Context, pid *actor.PID) {
	b.keyframes.requests++
	var s *subscriber
	if pid != nil {
		s = b.subIndex[keyOf(pid)]
	}
	if !b.tell(ctx, input{kind: inKeyframeRequest, sub: s}) {
		b.askKeyframe(ctx)
	}
}

// askKeyframe asks every publisher for a keyframe, at most once per
// interval for the whole topic.
func (b *broker) askKeyframe(ctx actor.Context) {
	if !b.keyframes.forward(len(b.pubs) > 0) {
		return
	}
	req := &KeyframeRequest{Topic: b.topic}
	for _, ps := range b.pubs {
		ctx.Send(ps.pid, req)
	}
}

// schedule sets the timer for the earliest due time of the policies.
func (b *broker) schedule(ctx actor.Context) {
	var next time.Time
	for _, p := range b.policies {
		if t := p.due(); !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if next.IsZero() || (!b.timerAt.IsZero() && !b.timerAt.After(next)) {
		return // nothing to watch, or the timer comes soon enough
	}
	if b.timer != nil {
		b.timer.Stop()
	}
	self, system := ctx.Self(), b.system
	b.timerAt = next
	b.timer = b.cfg.clock.AfterFunc(max(next.Sub(b.cfg.clock.Now()), 0), func() { system.Root.Send(self, &checkMsg{}) })
}

// restarted runs when the broker starts again after a panic. Subscribers
// and publishers stay registered (their watches are kept too), but which
// deliveries are in flight is no longer trusted: every window starts over at
// the next keyframe.
func (b *broker) restarted() {
	b.stats.Restarts++
	for _, s := range b.subs {
		s.window.Forget()
		s.last = nil
	}
	b.timerAt = time.Time{} // a check may have been lost with the mailbox
	b.rearm = true
	b.log.Warn().Uint64("restarts", b.stats.Restarts).Msg("topic broker restarted after a panic")
}

// stopping tells subscribers that the topic is gone and lets go of the
// actors it watched.
func (b *broker) stopping(ctx actor.Context) {
	if b.timer != nil {
		b.timer.Stop()
	}
	b.tell(ctx, input{kind: inStopping})
	for _, s := range b.subs {
		if !s.ended {
			s.ended = true
			ctx.Send(s.pid, &EndOfStream{Topic: b.topic, Dropped: s.window.TakeDropped()})
		}
		ctx.Unwatch(s.pid)
	}
	for k, ps := range b.pubs {
		if _, isSubscriber := b.subIndex[k]; !isSubscriber {
			ctx.Unwatch(ps.pid)
		}
	}
}

func (b *broker) snapshot() TopicStats {
	st := b.stats
	st.Publishers = len(b.pubs)
	for _, ps := range b.pubs {
		st.PublisherPIDs = append(st.PublisherPIDs, ps.pid)
	}
	slices.SortFunc(st.PublisherPIDs, func(a, b *actor.PID) int { return strings.Compare(a.String(), b.String()) })
	if b.offer != nil {
		st.QoS = b.offer.String()
	}
	now := b.cfg.clock.Now()
	for _, p := range b.policies {
		p.report(now, &st)
	}
	b.keyframes.report(&st)
	total := b.departed
	st.Subscribers = make([]SubscriberStats, len(b.subs))
	for i, s := range b.subs {
		ws := s.window.Stats()
		st.Subscribers[i] = SubscriberStats{Subscriber: s.pid, Name: s.name, WindowStats: ws, Incompatible: s.incompatible}
		if s.request != nil {
			st.Subscribers[i].QoS = s.request.String()
		}
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
