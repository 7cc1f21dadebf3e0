package transport

import (
	"slices"
	"strings"
	"time"

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
	// request is the subscriber's QoS request; nil takes the topic's offer.
	request *qos.Profile
	// incompatible is set while the topic's offer does not meet request:
	// the subscriber gets no packets.
	incompatible bool
	// last is the last packet delivered, for keyframe requests.
	last *media.Packet
	// deadline state: consecutive misses, and when the last was reported.
	misses   uint64
	missedAt time.Time
	since    time.Time // when it subscribed
	// farewellAfter is set while a farewell waits for the publishers
	// whose actor ids start with it (Unsubscribe.AfterPublishers).
	farewellAfter string
}

// publisherState is one registered publisher.
type publisherState struct {
	pid   *actor.PID
	offer qos.Profile
	// lastSeen is when it last published or joined; lost is set while its
	// liveliness lease has run out.
	lastSeen time.Time
	lost     bool
}

// topicState is everything a topic's broker knows. It outlives the broker
// actor's instances: after a panic the restarted broker takes it over, so
// subscribers and publishers stay registered (see broker.restarted).
type topicState struct {
	topic   string
	log     zerolog.Logger
	cfg     *busConfig
	limiter *qos.KeyframeLimiter

	// offer is the topic's QoS offer, set by its first publisher; nil while
	// it has none. retainer keeps its GOPs when the offer is durable.
	offer    *qos.Profile
	retainer Retainer
	// lastPublished is the newest packet published, to tell whether a
	// replay reaches up to the live stream.
	lastPublished *media.Packet

	subs     []*subscriber // in subscription order
	subIndex map[pidKey]*subscriber
	pubs     map[pidKey]*publisherState
	// streaming is set while a publisher that joined or published has not
	// yet been followed by EndOfStream.
	streaming bool
	started   bool // the broker has started once

	// lastPacketAt is when the topic last received a packet (deadlines).
	lastPacketAt time.Time
	// rate measures the published packets and bytes per second.
	rate rateMeter
	// timer wakes the broker for the next deadline or lease; timerAt is
	// when it fires (zero: no timer).
	timer   *time.Timer
	timerAt time.Time

	// stats holds the topic's own counters; snapshot adds the windows.
	stats TopicStats
	// departed adds up the windows of subscribers that have left (or
	// subscribed again with a new window).
	departed WindowStats
}

func newTopicState(topic string, cfg *busConfig, limiter *qos.KeyframeLimiter) *topicState {
	return &topicState{
		topic:    topic,
		log:      cfg.log.With().Str("topic", topic).Logger(),
		cfg:      cfg,
		limiter:  limiter,
		retainer: Volatile{},
		subIndex: make(map[pidKey]*subscriber),
		pubs:     make(map[pidKey]*publisherState),
		stats:    TopicStats{Topic: topic},
	}
}

// broker is a topic's actor: it feeds its topicState the messages of
// messages.go. It never blocks and never copies a packet.
type broker struct {
	*topicState
	system *actor.ActorSystem
}

// checkMsg wakes the broker to check deadlines and leases.
type checkMsg struct{}

// publisherGone follows a publisher's Terminated through the mailbox, so
// that a PublisherLeft it sent before it stopped is handled first.
type publisherGone struct{ pid *actor.PID }

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
			b.unsubscribe(ctx, pid, m.Farewell, m.AfterPublishers)
		}
	case *PublisherJoined:
		b.publisherJoined(ctx, orSender(ctx, m.Publisher), m.QoS)
	case *PublisherLeft:
		b.publisherLeft(ctx, orSender(ctx, m.Publisher))
	case *KeyframeRequest:
		b.keyframeRequest(ctx, orSender(ctx, m.Subscriber))
	case *StatsRequest:
		ctx.Respond(b.snapshot())
	case *checkMsg:
		b.timerAt = time.Time{}
		b.check(ctx)
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
	now := b.cfg.now()
	if m.Publisher != nil {
		b.addPublisher(ctx, m.Publisher, nil)
		if ps := b.pubs[keyOf(m.Publisher)]; ps != nil {
			b.alive(ctx, ps, now)
		}
	} else if b.offer == nil {
		b.setOffer(ctx, b.defaultOffer())
	}
	if !b.streaming {
		b.startStream()
		b.schedule(ctx) // deadlines run while a stream does
	}
	b.stats.Published++
	b.rate.add(now, len(p.Data))
	b.lastPacketAt = now
	b.lastPublished = p
	b.retainer.Retain(p)
	for _, s := range b.subs {
		s.misses = 0
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
			b.log.Warn().Str("subscriber", s.pid.String()).Int("window", s.window.Size()).
				Uint64("seq", p.Seq).Msg("subscriber fell behind: dropping the rest of the GOP")
			b.event(ctx, s, &Event{Kind: EventDropped, Count: p.GOP})
		}
		return
	}
	b.deliver(ctx, s, p)
}

// deliver sends p, admitted by s's window, to s.
func (b *broker) deliver(ctx actor.Context, s *subscriber, p *media.Packet) {
	dropped := s.window.TakeDropped()
	if dropped > 0 {
		b.log.Info().Str("subscriber", s.pid.String()).Uint64("dropped", dropped).
			Uint64("seq", p.Seq).Msg("subscriber resumed at a keyframe")
	}
	s.last = p
	ctx.Send(s.pid, &Delivery{Topic: b.topic, Packet: p, Dropped: dropped})
}

// replay sends s the packets of gop, a replay from the topic's cache, each
// marked on s's own copy of its header. It reports whether anything went.
// When the replay does not reach up to the newest published packet (the
// cache stopped at a hole or a bound, or holds a stale GOP from an earlier
// run), s waits for the next live keyframe after it, and the publishers are
// asked for one.
func (b *broker) replay(ctx actor.Context, s *subscriber, gop []*media.Packet) bool {
	if len(gop) == 0 {
		return false
	}
	sent := 0
	for i, p := range gop {
		if !s.window.Replay(p) {
			continue
		}
		b.stats.Replayed++
		if p.Replay.Stale {
			b.stats.ReplayedStale++
		}
		b.deliver(ctx, s, p.Replayed(media.Replay{Last: i == len(gop)-1, Stale: p.Replay.Stale}))
		sent++
	}
	if sent == 0 {
		return false
	}
	if last, pub := gop[len(gop)-1], b.lastPublished; pub == nil || last.Epoch != pub.Epoch || last.Seq < pub.Seq {
		// What was replayed does not continue into the next live packet
		// (a stale GOP from an earlier run, or a cache that stopped short).
		s.window.Resync()
		b.forwardKeyframeRequest(ctx)
	}
	return true
}

// durable reports whether s is to be replayed the topic's cache.
func (b *broker) durable(s *subscriber) bool {
	if b.offer == nil || b.offer.Durability == qos.Volatile || s.incompatible {
		return false
	}
	return s.request == nil || s.request.Durability != qos.Volatile
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
	if m.QoS != nil {
		if err := m.QoS.Validate(); err != nil {
			b.log.Warn().Str("subscriber", pid.String()).Err(err).Msg("refused a Subscribe")
			ctx.Send(pid, &Event{Topic: b.topic, Kind: EventIncompatibleQoS, Time: b.cfg.now(), Err: err})
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
		s = &subscriber{pid: pid, window: NewWindow(m.Window)}
		b.subs = append(b.subs, s)
		b.subIndex[keyOf(pid)] = s
		if _, isPublisher := b.pubs[keyOf(pid)]; !isPublisher {
			ctx.Watch(pid)
		}
	}
	s.request, s.incompatible, s.last, s.misses = m.QoS, false, nil, 0
	s.since = b.cfg.now()
	b.log.Debug().Str("subscriber", pid.String()).Int("window", s.window.Size()).Msg("subscribed")
	if ctx.Sender() != nil {
		ctx.Respond(&Subscribed{Topic: b.topic, Window: s.window.Size()})
	}
	b.match(ctx, s)
	// Replay first, then live: both in this turn's order, with no gap and
	// no duplicate.
	if b.durable(s) {
		b.replay(ctx, s, b.retainer.Replay())
	}
	b.schedule(ctx)
}

// match checks s's request against the topic's offer, if it has one, and
// tells s and the log when they do not match.
func (b *broker) match(ctx actor.Context, s *subscriber) {
	s.incompatible = false
	if b.offer == nil || s.request == nil {
		return
	}
	if err := qos.Compatible(*b.offer, *s.request); err != nil {
		s.incompatible = true
		b.stats.Incompatible++
		b.log.Error().Str("subscriber", s.pid.String()).Err(err).Msg("QoS mismatch: the subscriber receives nothing")
		b.event(ctx, s, &Event{Kind: EventIncompatibleQoS, Err: err})
	}
}

// event sends e, completed with the topic and the time, to s.
func (b *broker) event(ctx actor.Context, s *subscriber, e *Event) {
	e.Topic = b.topic
	if e.Time.IsZero() {
		e.Time = b.cfg.now()
	}
	b.stats.Events++
	ctx.Send(s.pid, e)
}

func (b *broker) unsubscribe(ctx actor.Context, pid *actor.PID, farewell bool, after string) {
	s := b.subIndex[keyOf(pid)]
	if farewell && s != nil && after != "" && b.publishesFrom(after) {
		s.farewellAfter = after // answered by completeFarewells
		return
	}
	if farewell && s != nil && !s.ended {
		s.ended = true
		ctx.Send(pid, &EndOfStream{Topic: b.topic, Dropped: s.window.TakeDropped()})
	}
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

func (b *broker) publisherJoined(ctx actor.Context, pid *actor.PID, offer *qos.Profile) {
	b.startStream()
	if pid != nil {
		b.addPublisher(ctx, pid, offer)
	} else if b.offer == nil {
		b.setOffer(ctx, b.offerOf(offer))
	}
	b.schedule(ctx)
}

// defaultOffer is the Bus's default QoS, or DurableVideo if that is invalid.
func (b *broker) defaultOffer() qos.Profile {
	if err := b.cfg.defaultQoS.Validate(); err != nil {
		b.log.Error().Err(err).Msg("the bus's default QoS is invalid; using durable_video")
		return qos.DurableVideo()
	}
	return b.cfg.defaultQoS
}

// offerOf is a publisher's offer: its own, or the default.
func (b *broker) offerOf(offer *qos.Profile) qos.Profile {
	if offer == nil {
		return b.defaultOffer()
	}
	if err := offer.Validate(); err != nil {
		b.log.Error().Err(err).Msg("a publisher offered an invalid QoS; using the default")
		return b.defaultOffer()
	}
	return *offer
}

func (b *broker) addPublisher(ctx actor.Context, pid *actor.PID, offer *qos.Profile) {
	k := keyOf(pid)
	if ps, ok := b.pubs[k]; ok {
		if offer != nil && *offer != ps.offer {
			ps.offer = b.offerOf(offer)
		}
		return
	}
	ps := &publisherState{pid: pid, offer: b.offerOf(offer), lastSeen: b.cfg.now()}
	b.pubs[k] = ps
	if _, isSubscriber := b.subIndex[k]; !isSubscriber {
		ctx.Watch(pid)
	}
	b.log.Debug().Str("publisher", pid.String()).Str("qos", ps.offer.String()).Msg("publisher joined")
	if b.offer == nil {
		b.setOffer(ctx, ps.offer)
	} else if ps.offer != *b.offer {
		b.log.Warn().Str("publisher", pid.String()).Str("offers", ps.offer.String()).Str("topic_qos", b.offer.String()).
			Msg("a publisher offers another QoS than the topic's first publisher; the topic keeps its QoS")
	}
}

// setOffer makes p the topic's offer: it sets up the cache a durable offer
// needs and matches every subscriber against it.
func (b *broker) setOffer(ctx actor.Context, p qos.Profile) {
	b.offer = &p
	b.retainer = Volatile{}
	if p.Durability != qos.Volatile {
		r, err := b.cfg.retainer(b.topic, p)
		if err != nil {
			b.log.Error().Err(err).Str("qos", p.String()).Msg("no GOP cache for the topic: it runs volatile")
		} else {
			b.retainer = r
		}
	}
	if _, inMemory := b.retainer.(*qos.GOPCache); inMemory && p.Durability == qos.Persistent {
		b.log.Warn().Msg("the topic offers persistent durability but the node keeps no state file: its GOP cache is in memory only and will not survive a restart")
	}
	b.log.Debug().Str("qos", p.String()).Msg("topic QoS set")
	for _, s := range b.subs {
		b.match(ctx, s)
	}
	// A durable cache may hold GOPs from an earlier run (Persistent): the
	// subscribers that are waiting for a first keyframe get them now.
	for _, s := range b.subs {
		if b.durable(s) && s.last == nil {
			b.replay(ctx, s, b.retainer.Replay())
		}
	}
}

// clearOffer forgets the topic's offer when its last publisher has left:
// the next publisher sets a new one.
func (b *broker) clearOffer() {
	if r, ok := b.retainer.(closer); ok {
		if err := r.Close(); err != nil {
			b.log.Warn().Err(err).Msg("closing the topic's cache")
		}
	} else if r, ok := b.retainer.(resetter); ok {
		r.Reset()
	}
	b.offer, b.retainer, b.lastPublished = nil, Volatile{}, nil
	for _, s := range b.subs {
		s.incompatible = false
	}
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
	b.completeFarewells(ctx)
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

// publishesFrom reports whether a publisher's actor id starts with prefix.
func (b *broker) publishesFrom(prefix string) bool {
	for _, ps := range b.pubs {
		if strings.HasPrefix(ps.pid.Id, prefix) {
			return true
		}
	}
	return false
}

// completeFarewells answers the farewells that waited for publishers which
// have now all left.
func (b *broker) completeFarewells(ctx actor.Context) {
	var done []*actor.PID
	for _, s := range b.subs {
		if s.farewellAfter != "" && !b.publishesFrom(s.farewellAfter) {
			done = append(done, s.pid)
		}
	}
	for _, pid := range done {
		b.unsubscribe(ctx, pid, true, "")
	}
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
	b.lastPacketAt = b.cfg.now()
	for _, s := range b.subs {
		s.ended = false
	}
}

// endOfStream tells every subscriber the stream ended; what comes next, if
// anything, is another stream and starts at a keyframe.
func (b *broker) endOfStream(ctx actor.Context) {
	b.streaming = false
	if len(b.pubs) == 0 {
		b.clearOffer()
	}
	b.log.Debug().Int("subscribers", len(b.subs)).Msg("end of stream")
	for _, s := range b.subs {
		s.window.Resync()
		s.last, s.misses = nil, 0
		if !s.ended {
			s.ended = true
			ctx.Send(s.pid, &EndOfStream{Topic: b.topic, Dropped: s.window.TakeDropped()})
		}
	}
}

// terminated handles the death of a watched subscriber or publisher: a
// publisher that stops has left, and without saying so first it has lost
// its liveliness.
func (b *broker) terminated(ctx actor.Context, pid *actor.PID) {
	if b.removeSubscriber(pid) {
		b.log.Debug().Str("subscriber", pid.String()).Msg("subscriber stopped")
	}
	if _, ok := b.pubs[keyOf(pid)]; ok {
		// Terminated is a system message and overtakes the user messages
		// in the mailbox: a PublisherLeft may be waiting there.
		ctx.Send(ctx.Self(), &publisherGone{pid: pid})
	}
}

// publisherGone handles a publisher that stopped without leaving first.
func (b *broker) publisherGone(ctx actor.Context, pid *actor.PID) {
	if ps, ok := b.pubs[keyOf(pid)]; ok {
		if !ps.lost {
			b.livelinessLost(ctx, ps, "publisher stopped")
		}
		b.removePublisher(pid)
		b.endOfStreamIfNoPublisher(ctx)
		b.completeFarewells(ctx)
	}
}

// keyframeRequest answers a subscriber's keyframe request from the cache
// when it can, and otherwise forwards it to the publishers.
func (b *broker) keyframeRequest(ctx actor.Context, pid *actor.PID) {
	b.stats.KeyframeRequests++
	if pid != nil {
		if s, ok := b.subIndex[keyOf(pid)]; ok && b.durable(s) && b.repair(ctx, s) {
			b.stats.KeyframeRequestsFromCache++
			return
		}
	}
	b.forwardKeyframeRequest(ctx)
}

// repair replays the newest cached GOP to s when that brings it back to
// the live stream. A subscriber that has not acknowledged an earlier
// replay gets none: a replay takes no credit, and requests must not stack
// them up (its request goes to the encoder, rate-limited, instead).
func (b *broker) repair(ctx actor.Context, s *subscriber) bool {
	r, ok := b.retainer.(Repairer)
	if !ok || s.window.Replaying() > 0 {
		return false
	}
	var epoch, seq uint64
	if s.last != nil {
		epoch, seq = s.last.Epoch, s.last.Seq
	}
	if !r.CanRepair(epoch, seq) {
		return false
	}
	return b.replay(ctx, s, r.Current())
}

// forwardKeyframeRequest asks every publisher for a keyframe, at most once
// per limiter interval for the whole topic.
func (b *broker) forwardKeyframeRequest(ctx actor.Context) {
	if len(b.pubs) == 0 {
		return
	}
	if !b.limiter.Allow() {
		b.stats.KeyframeRequestsSuppressed++
		return
	}
	b.stats.KeyframeRequestsForwarded++
	req := &KeyframeRequest{Topic: b.topic}
	for _, ps := range b.pubs {
		ctx.Send(ps.pid, req)
	}
}

// alive notes that ps published at now; a publisher whose liveliness was
// lost has regained it.
func (b *broker) alive(ctx actor.Context, ps *publisherState, now time.Time) {
	ps.lastSeen = now
	if !ps.lost {
		return
	}
	ps.lost = false
	b.log.Info().Str("publisher", ps.pid.String()).Msg("publisher's liveliness regained")
	for _, s := range b.subs {
		if !s.incompatible {
			b.event(ctx, s, &Event{Kind: EventLivelinessRegained, Publisher: ps.pid})
		}
	}
	b.schedule(ctx)
}

func (b *broker) livelinessLost(ctx actor.Context, ps *publisherState, why string) {
	ps.lost = true
	b.log.Warn().Str("publisher", ps.pid.String()).Str("why", why).Msg("publisher's liveliness lost")
	for _, s := range b.subs {
		if !s.incompatible {
			b.event(ctx, s, &Event{Kind: EventLivelinessLost, Publisher: ps.pid})
		}
	}
}

// deadlineOf is s's deadline: its request's, else the topic's offer's.
func (b *broker) deadlineOf(s *subscriber) time.Duration {
	if s.request != nil && s.request.Deadline > 0 {
		return s.request.Deadline
	}
	if b.offer != nil {
		return b.offer.Deadline
	}
	return 0
}

// check reports missed deadlines and lost leases that are due, then sets
// the timer for the next.
func (b *broker) check(ctx actor.Context) {
	now := b.cfg.now()
	if b.streaming {
		for _, s := range b.subs {
			d := b.deadlineOf(s)
			if d <= 0 || s.incompatible {
				continue
			}
			if due := b.deadlineDue(s, d); !now.Before(due) {
				s.misses++
				s.missedAt = now
				b.stats.DeadlinesMissed++
				b.log.Warn().Str("subscriber", s.pid.String()).Dur("deadline", d).Uint64("missed", s.misses).Msg("deadline missed")
				b.event(ctx, s, &Event{Kind: EventDeadlineMissed, Count: s.misses})
			}
		}
	}
	for _, ps := range b.pubs {
		if lease := ps.offer.Lease; lease > 0 && !ps.lost && !now.Before(ps.lastSeen.Add(lease)) {
			b.livelinessLost(ctx, ps, "lease expired")
		}
	}
	b.schedule(ctx)
}

// deadlineDue is when s misses its deadline d next: d after the newest of
// the last packet, its subscription and its last reported miss.
func (b *broker) deadlineDue(s *subscriber, d time.Duration) time.Time {
	from := b.lastPacketAt
	if s.since.After(from) {
		from = s.since
	}
	if s.misses > 0 && s.missedAt.After(from) {
		from = s.missedAt
	}
	return from.Add(d)
}

// schedule sets the timer for the earliest deadline or lease to come.
func (b *broker) schedule(ctx actor.Context) {
	var next time.Time
	earliest := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	if b.streaming {
		for _, s := range b.subs {
			if d := b.deadlineOf(s); d > 0 && !s.incompatible {
				earliest(b.deadlineDue(s, d))
			}
		}
	}
	for _, ps := range b.pubs {
		if ps.offer.Lease > 0 && !ps.lost {
			earliest(ps.lastSeen.Add(ps.offer.Lease))
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
	b.timer = time.AfterFunc(max(next.Sub(b.cfg.now()), 0), func() { system.Root.Send(self, &checkMsg{}) })
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
	b.log.Warn().Uint64("restarts", b.stats.Restarts).Msg("topic broker restarted after a panic")
}

// stopping tells subscribers that the topic is gone and lets go of the
// actors it watched.
func (b *broker) stopping(ctx actor.Context) {
	if b.timer != nil {
		b.timer.Stop()
	}
	if r, ok := b.retainer.(closer); ok {
		if err := r.Close(); err != nil {
			b.log.Warn().Err(err).Msg("closing the topic's cache")
		}
	}
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
	st.Rate, st.ByteRate = b.rate.rates(b.cfg.now())
	if b.offer != nil {
		st.QoS = b.offer.String()
	}
	if c, ok := b.retainer.(interface{ Stats() qos.CacheStats }); ok {
		cs := c.Stats()
		st.Cache = &cs
	}
	total := b.departed
	st.Subscribers = make([]SubscriberStats, len(b.subs))
	for i, s := range b.subs {
		ws := s.window.Stats()
		st.Subscribers[i] = SubscriberStats{Subscriber: s.pid, WindowStats: ws, Incompatible: s.incompatible}
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

// rateMeter measures a rate over windows of at least a second: the rate of
// the last complete window (an estimate from the packets so far before the
// first is complete), or 0 once no packet came for two windows.
type rateMeter struct {
	start          time.Time
	packets, bytes int
	rate, byteRate float64
	last           time.Time
}

const rateWindow = time.Second

func (m *rateMeter) add(now time.Time, size int) {
	if m.start.IsZero() {
		m.start = now
	}
	if d := now.Sub(m.start); d >= rateWindow {
		m.rate, m.byteRate = float64(m.packets)/d.Seconds(), float64(m.bytes)/d.Seconds()
		m.start, m.packets, m.bytes = now, 0, 0
	}
	m.packets++
	m.bytes += size
	m.last = now
}

func (m *rateMeter) rates(now time.Time) (packets, bytes float64) {
	if m.last.IsZero() || now.Sub(m.last) > 2*rateWindow {
		return 0, 0
	}
	if m.rate == 0 && m.packets > 1 && m.last.After(m.start) {
		// Not a whole window yet: estimate from the gaps so far.
		d := m.last.Sub(m.start).Seconds()
		return float64(m.packets-1) / d, float64(m.bytes) * float64(m.packets-1) / float64(m.packets) / d
	}
	return m.rate, m.byteRate
}
