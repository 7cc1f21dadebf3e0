package remote

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/wire"
)

// proxy is the node's end of one remote subscription: a local subscriber
// of the topic that forwards what the broker delivers to the remote link,
// and returns the link's acknowledgements to the broker as credits; its
// deliveries cross in a window of their own (sendWindow). It
// watches the link: when the link or its node goes away, the proxy
// unsubscribes and stops, and nothing more is sent to the dead peer.
// Every message it sends the link carries the subscription's key, and it
// takes from the link only messages that carry it (see subscriptionKey).
type proxy struct {
	topic  string
	broker *actor.PID
	link   *actor.PID
	key    subscriptionKey
	guard  *guard
	window int
	// leaving reports whether the node is stopping (Node.Leave): an end
	// of stream is then the node's farewell, not the stream's end.
	leaving func() bool
	// send holds the deliveries in flight to the link, and those that wait
	// for its acknowledgements.
	send *sendWindow
	req  *qos.Profile
	log  zerolog.Logger
	// tooLarge counts the packets over MaxPacketBytes dropped since the
	// last delivery.
	tooLarge uint64
	// lagging rate-limits the warning that the link does not keep up;
	// unwarned counts the packets its send window dropped since the last
	// one.
	lagging  lograte.Limiter
	unwarned uint64
	done     bool
	// check verifies that the link is gone before the subscription ends
	// (see confirmation); timer ends its periods.
	check confirmation
	timer actorTimer
	// answered is set when the link sent its first keyed message: the
	// proxy subscribes at the topic only then. Until then it sends the
	// link nothing but its answer, and it ends when no message comes in
	// confirmTimeout: a peer that names another's link in a Subscribe
	// gets nothing sent there. idle times that wait, then confirmEvery.
	answered bool
	idle     actorTimer
	// ignored rate-limits the warning for a message of a type the proxy
	// does not take.
	ignored lograte.Limiter
}

func (p *proxy) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		// Watching the link asks protoactor to tell the proxy when the
		// connection to its node ends (the node itself drops the Watch).
		ctx.Watch(p.link)
		ctx.Request(p.link, &wire.Subscribed{Topic: p.topic, Window: uint32(p.window), Key: p.key})
		p.idle.after(ctx, confirmTimeout, &quietCheck{})
	case *quietCheck:
		p.quiet(ctx)
	case *transport.Delivery:
		if p.done {
			ctx.Send(p.broker, &transport.Ack{Subscriber: ctx.Self()})
			return
		}
		p.deliver(ctx, m)
	case *wire.Ack, *wire.KeyframeRequest, *wire.Unsubscribe, *wire.Confirm, *wire.Confirmed:
		p.fromPeer(ctx, m)
	case *transport.Event:
		w := eventToWire(m)
		w.Key = p.key
		ctx.Request(p.link, w)
	case *transport.EndOfStream:
		if p.leaving() {
			p.farewell(ctx)
			ctx.Stop(ctx.Self())
			return
		}
		ctx.Request(p.link, &wire.EndOfStream{Dropped: m.Dropped, Key: p.key})
	case *actor.Terminated, *actor.DeadLetterResponse, *unconfirmed:
		p.checkPeer(ctx, m)
	case *actor.Stopping:
		p.farewell(ctx)
	case *transport.Subscribed, *actor.Stopped, *actor.Restarting:
	default:
		if ok, count := p.ignored.Allow(time.Now()); ok {
			p.log.Warn().Str("type", fmt.Sprintf("%T", m)).Uint64("count", count).Msg("remote: a subscription ignored a message")
		}
	}
}

// farewell ends the subscription for the node's reason: it is stopping
// (its gateway stops, or its topic ended after Node.Leave). The link is
// told with wire.Unsubscribe, the node's farewell, and subscribes again;
// wire.EndOfStream is kept for a stream that ended while the node runs.
func (p *proxy) farewell(ctx actor.Context) {
	p.timer.stop()
	p.idle.stop()
	if p.done || !p.answered {
		return
	}
	p.done = true
	p.log.Debug().Msg("remote: the node is leaving; told the subscriber")
	ctx.Send(p.broker, &transport.Unsubscribe{Subscriber: ctx.Self()})
	ctx.Request(p.link, &wire.Unsubscribe{Key: p.key})
}

// fromPeer serves the messages of the subscriber's link, each carrying the
// subscription's key (fromLink refuses one without it).
func (p *proxy) fromPeer(ctx actor.Context, msg any) {
	switch m := msg.(type) {
	case *wire.Ack:
		if !p.fromLink(ctx, m.Key, "an ack") {
			return
		}
		unacked := p.send.unacked()
		send, n := p.send.ack(int(m.Count), time.Now())
		if n < int(m.Count) {
			p.log.Warn().Uint32("acks", m.Count).Int("unacked", unacked).Msg("remote: a peer acknowledged more than it was sent")
		}
		// The deliveries the subscriber's node dropped (they did not
		// validate there) count as this subscriber's drops at the topic;
		// a peer reports no more than it acknowledges.
		dropped := min(int(m.Dropped), n)
		for i := range n {
			p.creditBack(ctx, i < dropped)
		}
		for _, d := range send {
			p.forward(ctx, d)
		}
	case *wire.KeyframeRequest:
		if !p.fromLink(ctx, m.Key, "a keyframe request") {
			return
		}
		ctx.Send(p.broker, &transport.KeyframeRequest{Topic: p.topic, Subscriber: ctx.Self()})
	case *wire.Unsubscribe:
		if p.fromLink(ctx, m.Key, "an unsubscribe") {
			p.stop(ctx, "the peer unsubscribed")
		}
	case *wire.Confirm:
		if p.fromLink(ctx, m.Key, "a confirm") {
			ctx.Request(p.link, &wire.Confirmed{Key: p.key})
		}
	case *wire.Confirmed:
		if p.fromLink(ctx, m.Key, "a confirmation") {
			p.check.confirmed()
			p.timer.stop()
		}
	}
}

// checkPeer serves the hints that the link may be gone, which the proxy
// confirms before it believes them (see confirmation).
func (p *proxy) checkPeer(ctx actor.Context, msg any) {
	switch m := msg.(type) {
	case *actor.Terminated:
		switch {
		case !m.Who.Equal(p.link):
		case m.Why == actor.TerminatedReason_AddressTerminated:
			// This node's own word: its connection to the peer ended.
			if p.answered && p.guard.streams.from(p.link.Address) {
				// The peer's own connection to this node is open: it
				// lives, and only this node's way to it broke (it closed
				// that connection, or a NAT forgot it). Told, its link
				// subscribes again at once, without waiting for its
				// quiet checks to notice.
				ctx.Request(p.link, &wire.Unsubscribe{Key: p.key, Reason: wire.Unsubscribe_CONNECTION_LOST})
			}
			p.stop(ctx, "the peer is gone")
		default:
			p.confirm(ctx, "the peer's node says its link stopped")
		}
	case *actor.DeadLetterResponse:
		// A message of the proxy's reached no actor, at the link's node
		// perhaps.
		p.confirm(ctx, "a message reached no actor")
	case *unconfirmed:
		gone, again := p.check.expired(m.round)
		switch {
		case gone:
			p.stop(ctx, fmt.Sprintf("the peer's end of the subscription is gone: no answer in %v", confirmTimeout))
		case again:
			p.timer.after(ctx, confirmTimeout, m)
		}
	}
}

// deliver forwards a delivery to the link when its window lets it, keeps
// it until it does, or drops it when the link lags (see sendWindow). A
// packet over MaxPacketBytes is dropped. Drops are counted in the next
// delivery, for the subscriber, and at the topic, for the publishing
// node's stats (transport.Ack.Dropped); those of a link that lags are
// also said in a warning, at most one per transport.FellBehindLogEvery.
func (p *proxy) deliver(ctx actor.Context, m *transport.Delivery) {
	if len(m.Packet.Data) > MaxPacketBytes {
		if p.tooLarge == 0 {
			p.log.Warn().Str("node", p.link.Address).Int("bytes", len(m.Packet.Data)).Int("max", MaxPacketBytes).
				Msg("remote: dropped a packet too large for the wire")
		}
		p.tooLarge++
		p.creditBack(ctx, true)
		return
	}
	now := time.Now()
	send, dropped := p.send.add(m, now)
	for range dropped {
		p.creditBack(ctx, true)
	}
	if dropped > 0 {
		p.warnLagging(now, dropped)
	}
	for _, d := range send {
		p.forward(ctx, d)
	}
}

// creditBack returns the credit of one delivery the topic counted in
// flight, dropped when the link did not carry it.
func (p *proxy) creditBack(ctx actor.Context, dropped bool) {
	ack := &transport.Ack{Subscriber: ctx.Self()}
	if dropped {
		ack.Dropped = 1
	}
	ctx.Send(p.broker, ack)
}

// warnLagging says, at most once per interval, that the link drops
// packets: the topic, the subscriber's node, and how many since the last
// warning.
func (p *proxy) warnLagging(now time.Time, dropped int) {
	p.unwarned += uint64(dropped)
	if ok, _ := p.lagging.Allow(now); !ok {
		return
	}
	p.log.Warn().Str("node", p.link.Address).Uint64("dropped", p.unwarned).Int("window", p.window).
		Msg("remote: the subscriber's link does not keep up: dropping packets, resuming at a keyframe")
	p.unwarned = 0
}

// forward sends a delivery to the link, its data in parts when it is
// large, with the proxy as sender: the link tells this subscription's
// deliveries from an older one's by it.
func (p *proxy) forward(ctx actor.Context, m *transport.Delivery) {
	parts, last := splitData(m.Packet.Data)
	for _, part := range parts {
		ctx.Request(p.link, &wire.DeliveryPart{Data: part, Key: p.key})
	}
	w := packetToWire(m.Packet)
	w.Data = last
	ctx.Request(p.link, &wire.Delivery{Packet: w, Dropped: m.Dropped + p.tooLarge + p.send.takeDropped(), Key: p.key})
	p.tooLarge = 0
}

// fromLink reports whether the message in hand, what, comes from the
// proxy's own link: it carries the subscription's key. Another peer, which
// can name the proxy as target and the link as sender, may not credit or
// end someone else's subscription; its message is counted and logged, and
// dropped.
func (p *proxy) fromLink(ctx actor.Context, key []byte, what string) bool {
	if p.key.matches(key) {
		p.check.heardFrom()
		if !p.answered && !p.done {
			p.answered = true
			// Named after the peer's link: the topic's stats and a listing
			// show the subscriber of the other node, not this proxy.
			ctx.Send(p.broker, &transport.Subscribe{Subscriber: ctx.Self(), Window: p.send.topicWindow(), QoS: p.req,
				Name: transport.ActorName(p.link)})
			p.log.Debug().Int("window", p.window).Msg("remote: subscribed for a peer")
		}
		return true
	}
	p.guard.forged(ctx.Sender(), what, ctx.Self())
	return false
}

// confirm asks the link whether it still holds the subscription, which
// ends when no answer comes (see confirmation).
func (p *proxy) confirm(ctx actor.Context, why string) {
	round, ok := p.check.start()
	if !ok || p.done {
		return
	}
	p.log.Debug().Str("why", why).Msg("remote: asking the peer to confirm the subscription")
	ctx.Request(p.link, &wire.Confirm{Key: p.key})
	p.timer.after(ctx, confirmTimeout, &unconfirmed{round: round})
}

// quiet ends a subscription whose link never answered, or asks a link
// that sent nothing for confirmEvery whether it is still there.
func (p *proxy) quiet(ctx actor.Context) {
	switch {
	case p.done:
		return
	case !p.answered:
		p.stop(ctx, fmt.Sprintf("the subscriber did not answer in %v", confirmTimeout))
		return
	case p.check.quiet():
		p.confirm(ctx, "the peer was quiet")
	}
	p.idle.after(ctx, confirmEvery, &quietCheck{})
}

// stop ends the subscription for a reason of the link's: it unsubscribed,
// never answered, or is gone (its connection ended, or it did not answer
// a Confirm). It is not told: sending to a peer that is gone would make
// protoactor connect to it again. (When the node ends the subscription,
// Stopping tells the link; checkPeer tells a peer whose own connection to
// this node is still open.)
func (p *proxy) stop(ctx actor.Context, why string) {
	if p.done {
		return
	}
	p.done = true
	p.timer.stop()
	p.idle.stop()
	p.log.Debug().Str("why", why).Msg("remote: subscription ended")
	if p.answered {
		ctx.Send(p.broker, &transport.Unsubscribe{Subscriber: ctx.Self()})
	}
	ctx.Stop(ctx.Self())
}

// aliveHere reports whether pid is an actor of this node that runs: a
// Terminated about one is not this node's own.
func aliveHere(ctx actor.Context, pid *actor.PID) bool {
	if pid == nil || pid.Address != ctx.Self().Address {
		return false
	}
	_, ok := ctx.ActorSystem().ProcessRegistry.GetLocal(pid.Id)
	return ok
}
