package transport

import (
	"slices"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/qos"
)

// The broker's side of its publishers: registering them, the topic's offer,
// and the start and end of the stream.

func (b *broker) publisherJoined(ctx actor.Context, pid *actor.PID, offer *qos.Profile, owner Owner) {
	b.startStream(ctx)
	if pid != nil {
		b.addPublisher(ctx, pid, offer, owner)
	} else if b.offer == nil {
		b.setOffer(ctx, b.offerOf(offer))
	}
	b.rearm = true
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

// addPublisher registers pid, or updates its offer and owner, and returns
// it.
func (b *broker) addPublisher(ctx actor.Context, pid *actor.PID, offer *qos.Profile, owner Owner) *publisherState {
	k := keyOf(pid)
	if ps, ok := b.pubs[k]; ok {
		if offer != nil && *offer != ps.offer {
			ps.offer = b.offerOf(offer)
		}
		if !owner.IsZero() {
			ps.owner = owner
		}
		return ps
	}
	ps := &publisherState{pid: pid, offer: b.offerOf(offer), owner: owner}
	b.pubs[k] = ps
	if _, isSubscriber := b.subIndex[k]; !isSubscriber {
		ctx.Watch(pid)
	}
	b.log.Debug().Str("publisher", ActorName(pid)).Str("qos", ps.offer.String()).Msg("publisher joined")
	b.warnSeveral(pid)
	b.tell(ctx, input{kind: inPublisherJoined, pub: ps})
	b.rearm = true
	if b.offer == nil {
		b.setOffer(ctx, ps.offer)
	} else if ps.offer != *b.offer {
		b.log.Warn().Str("publisher", ActorName(pid)).Str("offers", ps.offer.String()).Str("topic_qos", b.offer.String()).
			Msg("a publisher offers another QoS than the topic's first publisher; the topic keeps its QoS")
	}
	return ps
}

// warnSeveral warns that pid joined a topic another publisher publishes
// on: the two streams interleave packet by packet, and a subscriber's gate
// and decoder see each one's GOPs broken by the other's (most are
// dropped, and a recorder goes on in a new file at each change of size).
// ROS 2 allows it; for video it is nearly always two cameras given one
// name.
func (b *broker) warnSeveral(pid *actor.PID) {
	if len(b.pubs) < 2 {
		return
	}
	var others []string
	for k, ps := range b.pubs {
		if k != keyOf(pid) {
			others = append(others, ActorName(ps.pid))
		}
	}
	slices.Sort(others)
	b.log.Warn().Str("publisher", ActorName(pid)).Strs("others", others).
		Msg("a second publisher joined the topic: the streams interleave, and its subscribers see each one's GOPs broken by the other's; give each camera a topic of its own")
}

// setOffer makes p the topic's offer; its policies set up the cache a
// durable offer needs and match every subscriber against it.
func (b *broker) setOffer(ctx actor.Context, p qos.Profile) {
	b.offer = &p
	b.log.Debug().Str("qos", p.String()).Msg("topic QoS set")
	b.tell(ctx, input{kind: inOfferSet})
}

// publisherLeft forgets pid as a publisher; when no publisher is left, the
// stream has ended.
func (b *broker) publisherLeft(ctx actor.Context, pid *actor.PID) {
	var ps *publisherState
	if pid != nil {
		if ps = b.removePublisher(pid); ps != nil {
			if _, isSubscriber := b.subIndex[keyOf(pid)]; !isSubscriber {
				ctx.Unwatch(pid)
			}
		}
	}
	b.endOfStreamIfNoPublisher(ctx)
	b.tell(ctx, input{kind: inPublisherLeft, pub: ps})
}

// publisherGone handles a publisher that stopped without leaving first.
func (b *broker) publisherGone(ctx actor.Context, pid *actor.PID) {
	ps, ok := b.pubs[keyOf(pid)]
	if !ok {
		return
	}
	b.tell(ctx, input{kind: inPublisherStopped, pub: ps})
	b.removePublisher(pid)
	b.endOfStreamIfNoPublisher(ctx)
	b.tell(ctx, input{kind: inPublisherLeft, pub: ps})
}

// removePublisher forgets pid as a publisher and returns it; nil if it was
// none.
func (b *broker) removePublisher(pid *actor.PID) *publisherState {
	k := keyOf(pid)
	ps, ok := b.pubs[k]
	if !ok {
		return nil
	}
	delete(b.pubs, k)
	b.log.Debug().Str("publisher", ActorName(pid)).Msg("publisher left")
	return ps
}

func (b *broker) endOfStreamIfNoPublisher(ctx actor.Context) {
	if len(b.pubs) == 0 && b.streaming {
		b.endOfStream(ctx)
	}
}

// startStream notes that a publisher is active: a stream that ends from now
// on ends for every subscriber, including those told of an earlier end.
func (b *broker) startStream(ctx actor.Context) {
	if b.streaming {
		return
	}
	b.streaming = true
	for _, s := range b.subs {
		s.ended = false
	}
	b.tell(ctx, input{kind: inStreamStarted})
	b.rearm = true // deadlines run while a stream does
}

// endOfStream tells every subscriber the stream ended; what comes next, if
// anything, is another stream and starts at a keyframe. Without publishers
// the topic forgets its offer: the next publisher sets a new one.
func (b *broker) endOfStream(ctx actor.Context) {
	b.streaming = false
	if len(b.pubs) == 0 {
		b.offer = nil
		b.tell(ctx, input{kind: inOfferCleared})
	}
	b.log.Debug().Int("subscribers", len(b.subs)).Msg("end of stream")
	b.tell(ctx, input{kind: inStreamEnded})
	for _, s := range b.subs {
		s.window.Resync()
		s.last = nil
		if !s.ended {
			s.ended = true
			ctx.Send(s.pid, &EndOfStream{Topic: b.topic, Dropped: s.window.TakeDropped()})
		}
	}
}
