package remote

// The link's checks of the node's end of its subscription: the key every
// message of that end carries, and the Confirm rounds that tell whether
// the end is still there (see confirmation).

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/wire"
)

// quietCheck asks the node's end to confirm the subscription when it has
// said nothing keyed for a while, and looks again after confirmEvery.
func (l *link) quietCheck(ctx actor.Context, m *quietCheck) {
	if l.proxy == nil || l.stopped {
		return
	}
	if l.check.quiet() {
		l.confirm(ctx, "the node's end was quiet")
	}
	l.idle.after(ctx, confirmEvery, m)
}

// fromProxy serves the messages of the subscription's end at the node,
// each carrying the subscription's key (current refuses one without it).
func (l *link) fromProxy(ctx actor.Context, msg any) {
	switch m := msg.(type) {
	case *wire.EndOfStream:
		if l.current(ctx, m.Key, "an end of stream") {
			l.toSubscriber(ctx, &transport.EndOfStream{Topic: l.topic, Dropped: m.Dropped + l.invalid})
			l.invalid = 0
		}
	case *wire.Unsubscribe:
		if l.current(ctx, m.Key, "an unsubscribe") {
			// The node's farewell: it is stopping (a signal, Close), and
			// its streams go on when it is back; or it lost its
			// connection to this node, and the subscription goes on over
			// a new one.
			why := "the node is stopping"
			if m.Reason == wire.Unsubscribe_CONNECTION_LOST {
				why = "the node lost its connection to this node"
			}
			l.proxy = nil
			l.ended(ctx, why)
		}
	case *wire.Confirm:
		if l.current(ctx, m.Key, "a confirm") {
			ctx.Request(l.proxy, &wire.Confirmed{Key: l.key})
		}
	case *wire.Confirmed:
		if l.current(ctx, m.Key, "a confirmation") {
			l.check.confirmed()
			l.timer.stop()
		}
	}
}

// terminated handles the end of the node's side: the link is broken, the
// subscriber is told its publisher is gone, and the link reconnects. Only
// the end of the connection (TerminatedReason_AddressTerminated, which
// this node tells itself) is taken at its word; the guard drops the
// Terminated peers send (see dropWatching), and any other that names the
// node's end is checked (confirm), one naming its gateway left to the
// subscription's timeout.
func (l *link) terminated(ctx actor.Context, m *actor.Terminated) {
	if l.stopped {
		return
	}
	if l.subscriber != nil && l.subscriber.Equal(m.Who) {
		if !aliveHere(ctx, m.Who) {
			l.stop(ctx) // the subscriber stopped without unsubscribing
		}
		return
	}
	isProxy := l.proxy != nil && l.proxy.Equal(m.Who)
	isGateway := l.gateway.Equal(m.Who)
	switch {
	case !isProxy && !isGateway:
	case isGateway && l.proxy != nil:
		// The gateway went away after the subscription began: the
		// node's end tells.
	case m.Why != actor.TerminatedReason_AddressTerminated && isProxy:
		l.confirm(ctx, "the node says its end of the subscription stopped")
	case m.Why != actor.TerminatedReason_AddressTerminated:
		// The gateway, said a peer: an answer that does not come is
		// noticed by subscribeTimeout.
	default:
		if l.proxy != nil {
			l.former, l.proxy = l.proxy, nil
		}
		l.ended(ctx, "the connection to the node ended, or could not be made")
	}
}

// confirm asks the node's end whether it still holds the subscription,
// which is lost when no answer comes (see confirmation).
func (l *link) confirm(ctx actor.Context, why string) {
	if l.proxy == nil || l.stopped {
		return
	}
	round, ok := l.check.start()
	if !ok {
		return
	}
	l.log.Debug().Str("why", why).Msg("remote: asking the node to confirm the subscription")
	ctx.Request(l.proxy, &wire.Confirm{Key: l.key})
	l.timer.after(ctx, confirmTimeout, &unconfirmed{round: round})
}

// unconfirmed ends a period of the link's check.
func (l *link) unconfirmed(ctx actor.Context, m *unconfirmed) {
	if l.proxy == nil || l.stopped {
		return
	}
	gone, again := l.check.expired(m.round)
	switch {
	case gone:
		l.former = l.proxy
		l.proxy = nil
		l.ended(ctx, fmt.Sprintf("the node's end of the subscription did not answer in %v", confirmTimeout))
	case again:
		l.timer.after(ctx, confirmTimeout, m)
	}
}

// fromNode reports whether the message in hand, what, carries the link's
// key: it comes from the node's end of one of the link's subscriptions.
// Another's is counted, logged and dropped (see guard.forged).
func (l *link) fromNode(ctx actor.Context, key []byte, what string) bool {
	if l.key.matches(key) {
		return true
	}
	l.n.guard.forged(ctx.Sender(), what, ctx.Self())
	return false
}

// current reports whether the message in hand, what, comes from the
// link's current subscription: it carries the key, and its sender is the
// node's current end. One without the key is counted as forged.
func (l *link) current(ctx actor.Context, key []byte, what string) bool {
	return l.fromNode(ctx, key, what) && l.fromCurrent(ctx)
}

// fromCurrent reports whether the message in hand, which carries the key,
// comes from the node's current end.
func (l *link) fromCurrent(ctx actor.Context) bool {
	if l.proxy == nil || !l.proxy.Equal(ctx.Sender()) {
		return false
	}
	l.check.heardFrom()
	return true
}
