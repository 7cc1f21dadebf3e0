package remote

import (
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/media"

	"github.com/gopline/gopline/internal/backoff"
	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/wire"
)

// reconnectPolicy spaces a link's attempts to reach a node that went away:
// the waits double from 100 ms to 5 s, shortened at random by up to a
// fifth, so that the many links of a node that restarted do not come back
// in step.
var reconnectPolicy = backoff.Policy{Initial: 100 * time.Millisecond, Max: 5 * time.Second,
	Jitter: backoff.DefaultJitter, Retries: backoff.Forever}

// reconnectWarnEvery is how often, in attempts at the longest wait, a link
// that still cannot reach its node says so again (once a minute).
const reconnectWarnEvery = 12

const (
	probeTimeout = 2 * time.Second
	// subscribeTimeout bounds the wait for the node's answer to a
	// subscription: a reply lost to a link that flapped must not leave the
	// link waiting for ever.
	subscribeTimeout = 5 * time.Second
)

// link is the local end of a subscription to a topic of another node (see
// Node.Dial). It sends to the node's end with itself as sender (Request),
// and with its subscription's key, which is how the two ends know each
// other's messages from another peer's: it takes from the node only what
// carries the key, and tells the node's current end from an earlier one
// by the sender. Before it sends anything to the node it checks that the node
// accepts connections (a plain TCP connect, off its turn): protoactor would
// otherwise keep a writer, and its connections, for an address that is
// down.
type link struct {
	n     *Node
	addr  string
	topic string
	log   zerolog.Logger
	// key is the subscription's secret, the same for every subscription
	// the link takes at the node (see subscriptionKey).
	key subscriptionKey

	// From the local subscriber's transport.Subscribe.
	subscriber *actor.PID
	window     int
	qos        string

	gateway *actor.PID
	proxy   *actor.PID // the node's end, once subscribed
	// former is the node's end of the subscription lost last: it is
	// ended when the link subscribes again.
	former *actor.PID
	// retry spaces the connection attempts since the last success; gen
	// tells a current probe or retry from a stale one.
	retry *backoff.Backoff
	gen   int
	// lost is set while the subscriber has been told the publisher is gone.
	lost bool
	// refused is set when the node refused the subscription, or the link
	// gave up reaching it: it is not retried.
	refused bool
	// since is when the link first tried to connect; subscribedOnce is
	// set at its first subscription: from then on it never gives up.
	since          time.Time
	subscribedOnce bool
	stopped        bool
	// outstanding counts deliveries passed to the subscriber and not yet
	// acknowledged; stale counts those of them that belong to an earlier
	// subscription, whose acks are not the current proxy's to take.
	outstanding, stale int
	// invalid counts packets dropped for not validating since the last
	// delivery, reported with the next one.
	invalid uint64
	// resume keeps the subscriber's place across subscriptions: no replay
	// passes it what it had, or older, and the gap between two
	// subscriptions is counted (see qos.Resume).
	resume qos.Resume
	// assembly gathers the parts of the current subscription's next
	// packet.
	assembly assembly
	// timer is the link's pending retry, subscription timeout or period
	// of a check; stop stops it.
	timer actorTimer
	// check verifies that the node's end is gone before the link takes
	// the subscription for lost (see confirmation).
	check confirmation
	// idle asks the node's end, every confirmEvery it sent nothing,
	// whether it is still there.
	idle actorTimer
	// ignored rate-limits the warning for a message of a type the link
	// does not take, which a peer can send at will.
	ignored lograte.Limiter
}

// probed is the result of a link's connection probe.
type probed struct {
	gen int
	err error
}

// retry asks a link to connect again.
type retry struct{ gen int }

// unanswered tells a link that attempt gen's subscription got no answer in
// time.
type unanswered struct{ gen int }

// newLink returns the link to topic at addr, whose attempts retry spaces.
func newLink(n *Node, addr, topic string, retry *backoff.Backoff) *link {
	return &link{n: n, addr: addr, topic: topic, gateway: actor.NewPID(addr, gatewayName), retry: retry, key: newSubscriptionKey(),
		ignored: lograte.Limiter{Interval: time.Second},
		log:     n.log.With().Str("remote", addr).Str("topic", topic).Logger()}
}

func (l *link) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *transport.Subscribe:
		l.subscribe(ctx, m)
	case *probed:
		l.probed(ctx, m)
	case *unanswered:
		l.unanswered(ctx, m)
	case *retry:
		if m.gen == l.gen && !l.stopped {
			l.connect(ctx)
		}
	case *wire.Subscribed:
		if l.fromNode(ctx, m.Key, "a subscription's answer") {
			l.subscribed(ctx)
		}
	case *wire.Refused:
		if l.fromNode(ctx, m.Key, "a refusal") {
			l.refusal(ctx, m)
		}
	case *wire.DeliveryPart:
		if l.current(ctx, m.Key, "a delivery's part") {
			l.assembly.add(m.Data)
		}
	case *wire.Delivery:
		l.delivery(ctx, m)
	case *wire.Event:
		l.event(ctx, m)
	case *wire.EndOfStream, *wire.Unsubscribe, *wire.Confirm, *wire.Confirmed:
		l.fromProxy(ctx, m)
	case *unconfirmed:
		l.unconfirmed(ctx, m)
	case *quietCheck:
		l.quietCheck(ctx, m)
	case *transport.Ack:
		l.ack(ctx)
	case *transport.KeyframeRequest:
		if l.proxy != nil {
			ctx.Request(l.proxy, &wire.KeyframeRequest{Key: l.key})
		}
	case *transport.Unsubscribe:
		if m.Farewell && !l.stopped {
			// Packets still on the wire are not waited for: the
			// subscription ends here.
			l.toSubscriber(ctx, &transport.EndOfStream{Topic: l.topic, Dropped: l.invalid})
		}
		l.stop(ctx)
	case *actor.Terminated:
		l.terminated(ctx, m)
	case *actor.DeadLetterResponse:
		// A message with this link as sender reached no actor: perhaps
		// the node's end is gone.
		l.confirm(ctx, "a message reached no actor")
	case *actor.Stopping:
		l.stop(ctx)
	case *actor.Started, *actor.Stopped, *actor.Restarting, *transport.Subscribed:
	default:
		l.ignore(m)
	}
}

// ignore says, at most once a second, that the link got a message it has
// no use for.
func (l *link) ignore(m any) {
	if ok, count := l.ignored.Allow(time.Now()); ok {
		l.log.Warn().Str("type", fmt.Sprintf("%T", m)).Uint64("count", count).Msg("remote: a link ignored a message")
	}
}

// subscribe takes the local subscriber's subscription and connects.
func (l *link) subscribe(ctx actor.Context, m *transport.Subscribe) {
	l.subscriber = m.Subscriber
	if l.subscriber == nil {
		l.subscriber = ctx.Sender()
	}
	l.window = m.Window
	if m.QoS != nil {
		l.qos = m.QoS.String()
	}
	if l.subscriber != nil {
		ctx.Watch(l.subscriber) // a subscriber that stops has left
	}
	if ctx.Sender() != nil {
		ctx.Respond(&transport.Subscribed{Topic: l.topic, Window: m.Window})
	}
	l.connect(ctx)
}

// probed subscribes at a node that the probe found serving, and gives the
// answer subscribeTimeout.
func (l *link) probed(ctx actor.Context, m *probed) {
	if m.gen != l.gen || l.stopped {
		return
	}
	if errors.Is(m.err, ErrRefused) {
		l.refuse(ctx, m.err)
		return
	}
	if m.err != nil {
		l.failed(ctx, m.err)
		return
	}
	ctx.Watch(l.gateway)
	ctx.Request(l.gateway, &wire.Subscribe{Topic: l.topic, Window: uint32(max(l.window, 0)), Qos: l.qos, Key: l.key})
	l.timer.after(ctx, subscribeTimeout, &unanswered{gen: l.gen})
}

// unanswered gives up on a subscription that got no answer, and tries
// again over a new connection (see renewEndpoint): the probe had just
// found the node serving.
func (l *link) unanswered(ctx actor.Context, m *unanswered) {
	if m.gen != l.gen || l.proxy != nil || l.stopped || l.refused {
		return
	}
	ctx.Unwatch(l.gateway)
	l.n.renewEndpoint(l.addr)
	l.lose(ctx, "no answer to the subscription")
	l.failed(ctx, fmt.Errorf("no answer to the subscription in %v", subscribeTimeout))
}

// subscribed takes the node's answer: the sender is the node's end of the
// new subscription.
func (l *link) subscribed(ctx actor.Context) {
	for _, old := range []*actor.PID{l.proxy, l.former} {
		if old != nil && !old.Equal(ctx.Sender()) {
			// An older subscription, which the node may still serve
			// when only this end saw the link die.
			ctx.Request(old, &wire.Unsubscribe{Key: l.key})
		}
	}
	l.former = nil
	l.proxy = ctx.Sender()
	l.check.confirmed() // a check of the earlier subscription is over
	if l.proxy == nil {
		return
	}
	l.gen++ // a probe or retry under way is stale
	// What the subscriber still holds came through the old subscription:
	// its acks must not credit the new one.
	l.stale = l.outstanding
	l.assembly = assembly{}
	l.resume.Rejoined()
	// The link's first keyed message lets the node's end begin (see
	// proxy.answered). Should it be lost (a connection cut just then), the
	// node's end gives up after confirmTimeout without a word: the first
	// quiet check comes before that, and its Confirm, keyed too, lets the
	// node's end begin all the same.
	ctx.Request(l.proxy, &wire.Confirmed{Key: l.key})
	l.idle.after(ctx, confirmTimeout/2, &quietCheck{})
	// Watching the node's end asks protoactor to tell the link when the
	// connection to the node ends (the node itself drops the Watch).
	ctx.Watch(l.proxy)
	ctx.Unwatch(l.gateway)
	l.retry.Reset()
	l.subscribedOnce = true
	l.timer.stop()
	l.log.Info().Msg("remote: subscribed")
	if l.lost {
		l.lost = false
		l.toSubscriber(ctx, &transport.Event{Topic: l.topic, Kind: transport.EventLivelinessRegained, Time: time.Now()})
	}
}

// refusal takes the node's refusal of a subscription: one for a limit
// the node is at (Again) is tried again with the link's backoff, as a node
// that cannot be reached is; another ends the link's attempts.
func (l *link) refusal(ctx actor.Context, m *wire.Refused) {
	if !m.Again {
		l.refuse(ctx, errors.New(m.Reason))
		return
	}
	if l.proxy != nil || l.stopped || l.refused {
		return // an answer to an earlier attempt
	}
	ctx.Unwatch(l.gateway)
	l.lose(ctx, "the node refused the subscription for now")
	l.failed(ctx, fmt.Errorf("remote %s refused the subscription for now: %s", l.addr, m.Reason))
}

// refuse ends the link's attempts: the node refused the subscription, or
// this node (its token, its certificate). The subscriber is told why, in
// an error that is still the refusal's (errors.Is ErrTokenRefused).
func (l *link) refuse(ctx actor.Context, reason error) {
	l.log.Error().Str("reason", reason.Error()).Msg("remote: the node refused the subscription")
	l.end(ctx, fmt.Errorf("remote %s refused the subscription: %w", l.addr, reason))
}

// end ends the subscription for good: the subscriber is told why, and its
// stream ends.
func (l *link) end(ctx actor.Context, why error) {
	l.refused = true
	l.timer.stop()
	l.toSubscriber(ctx, &transport.Event{Topic: l.topic, Kind: transport.EventRefused, Time: time.Now(), Err: why})
	l.toSubscriber(ctx, &transport.EndOfStream{Topic: l.topic, Dropped: l.invalid})
	l.invalid = 0
}

func (l *link) event(ctx actor.Context, m *wire.Event) {
	if !l.current(ctx, m.Key, "an event") {
		return
	}
	e, err := eventFromWire(l.topic, m)
	if err != nil {
		l.log.Warn().Err(err).Msg("remote: ignored an event")
		return
	}
	l.toSubscriber(ctx, e)
}

// ack returns a subscriber's credit to the node's end, unless the
// delivery came through an earlier subscription.
func (l *link) ack(ctx actor.Context) {
	if l.outstanding > 0 {
		l.outstanding--
	}
	if l.stale > 0 {
		l.stale--
		return
	}
	if l.proxy != nil {
		ctx.Request(l.proxy, &wire.Ack{Count: 1, Key: l.key})
	}
}

// connect probes the node, off the actor's turn, in a goroutine the node
// owns.
func (l *link) connect(ctx actor.Context) {
	if l.refused || l.stopped {
		return
	}
	l.gen++
	if l.since.IsZero() {
		l.since = time.Now()
	}
	gen, addr, self, system, n := l.gen, l.addr, ctx.Self(), ctx.ActorSystem(), l.n
	l.n.goOwned(func() {
		system.Root.Send(self, &probed{gen: gen, err: n.probe(addr, probeTimeout)})
	})
}

// lose tells the subscriber, once, that the publisher is gone.
func (l *link) lose(ctx actor.Context, why string) {
	if l.lost {
		return
	}
	l.lost = true
	l.log.Warn().Str("why", why).Msg("remote: lost the node; reconnecting")
	l.toSubscriber(ctx, &transport.Event{Topic: l.topic, Kind: transport.EventLivelinessLost, Time: time.Now()})
}

// failed schedules the next attempt, or gives up on a node the link never
// subscribed at once it has tried for the node's GiveUpAfter.
func (l *link) failed(ctx actor.Context, err error) {
	attempts := l.retry.Attempt() + 1 // the one that failed, and those before it
	if budget := l.n.giveUpAfter; !l.subscribedOnce && budget > 0 && time.Since(l.since) >= budget {
		l.log.Error().Err(err).Int("attempts", attempts).Msg("remote: cannot reach the node; giving up")
		over := time.Since(l.since).Round(time.Second)
		if ue := (*UnreachableError)(nil); errors.As(err, &ue) {
			l.end(ctx, &UnreachableError{Addr: ue.Addr, Why: ue.Why, Tried: fmt.Sprintf("%s, %d times in %v", ue.Tried, attempts, over)})
			return
		}
		l.end(ctx, fmt.Errorf("cannot reach the node at %s (%d attempts in %v): %w", l.addr, attempts, over, err))
		return
	}
	d, _ := l.retry.Next() // a link retries for ever
	if attempts == 1 || d > reconnectPolicy.Max/2 && attempts%reconnectWarnEvery == 0 {
		l.log.Warn().Err(err).Stringer("retry_in", d.Round(time.Millisecond)).Int("attempt", attempts).Msg("remote: cannot reach the node")
	}
	l.timer.after(ctx, d, &retry{gen: l.gen})
}

// ended takes the subscription for lost: the subscriber is told, and the
// link subscribes again.
func (l *link) ended(ctx actor.Context, why string) {
	l.check.confirmed()
	l.timer.stop()
	ctx.Unwatch(l.gateway)
	if l.subscribedOnce {
		l.lose(ctx, why) // a node never reached is not lost: failed says it cannot be reached
	}
	l.failed(ctx, fmt.Errorf("link ended: %s", why))
}

// delivery converts a delivery for the subscriber. A packet that does not
// validate is acknowledged at once and dropped, counted in the next
// delivery's Dropped: the subscriber's gate sees the hole and asks for a
// keyframe. The packets missed across a resubscription are counted there
// too, and a replay of what the subscriber had is not passed on (see
// qos.Resume).
func (l *link) delivery(ctx actor.Context, m *wire.Delivery) {
	if !l.fromNode(ctx, m.Key, "a delivery") {
		return
	}
	if !l.fromCurrent(ctx) {
		// From a subscription this link has left or lost (one the node
		// still serves after the link resubscribed): end it.
		if s := ctx.Sender(); s != nil {
			ctx.Request(s, &wire.Unsubscribe{Key: l.key})
		}
		return
	}
	data, err := l.assembly.finish(m.Packet.GetData())
	var p *media.Packet
	if err == nil {
		if m.Packet != nil {
			m.Packet.Data = data
		}
		p, err = packetFromWire(m.Packet)
	}
	if err != nil {
		l.log.Warn().Err(err).Msg("remote: dropped a packet that does not validate")
		l.invalid++
		// Acknowledged as dropped: the publishing node counts it among
		// this subscriber's drops.
		ctx.Request(l.proxy, &wire.Ack{Count: 1, Dropped: 1, Key: l.key})
		return
	}
	pass, missed := l.resume.Next(p)
	if !pass {
		// A replay, after a resubscription, of a packet the subscriber
		// had or of an older one: acknowledged at once, not passed on,
		// so that the subscriber's pictures never go back in time.
		ctx.Request(l.proxy, &wire.Ack{Count: 1, Key: l.key})
		return
	}
	l.outstanding++
	// The packets missed across a resubscription include those the new
	// subscription counted and those that did not validate.
	dropped := max(m.Dropped+l.invalid, missed)
	l.toSubscriber(ctx, &transport.Delivery{Topic: l.topic, Packet: p, Dropped: dropped})
	l.invalid = 0
}

func (l *link) toSubscriber(ctx actor.Context, msg any) {
	if l.subscriber != nil {
		ctx.Send(l.subscriber, msg)
	}
}

func (l *link) stop(ctx actor.Context) {
	if l.stopped {
		return
	}
	l.stopped = true
	l.timer.stop()
	l.idle.stop()
	l.n.forget(ctx.Self())
	if l.proxy != nil {
		ctx.Request(l.proxy, &wire.Unsubscribe{Key: l.key})
		ctx.Unwatch(l.proxy)
	}
	ctx.Stop(ctx.Self())
}
