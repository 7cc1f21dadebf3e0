package remote

import (
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/wire"
)

// maxSubscriptions bounds the remote subscriptions a node serves at once:
// each holds a window of packets at its topic. maxTopics bounds the topics
// a node holds when a peer asks for one it does not have yet (a subscriber
// may come before its publisher): peers cannot make it grow without end.
const (
	maxSubscriptions = 1024
	maxTopics        = 256
)

// gateway is a node's actor that other nodes address by name: it answers
// subscriptions (with a proxy per subscription) and topic listings.
type gateway struct {
	n       *Node
	proxies atomic.Uint64
	// waiting are the askers of the topic listing being gathered.
	waiting []*actor.PID
	// refusals and ignored rate-limit the gateway's warnings, which
	// peers can cause at will.
	refusals, ignored lograte.Limiter
}

func newGateway(n *Node) *gateway {
	return &gateway{n: n,
		refusals: lograte.Limiter{Interval: time.Second}, ignored: lograte.Limiter{Interval: time.Second}}
}

func (g *gateway) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *wire.Subscribe:
		g.subscribe(ctx, m)
	case *wire.TopicsRequest:
		g.topics(ctx)
	case *listed:
		g.answerListing(ctx, m.topics)
	case *actor.Started, *actor.Stopping, *actor.Terminated, *actor.Stopped, *actor.Restarting, *actor.DeadLetterResponse:
	default:
		if ok, count := g.ignored.Allow(time.Now()); ok {
			g.n.log.Warn().Str("type", fmt.Sprintf("%T", m)).Uint64("count", count).Msg("remote: the gateway ignored a message")
		}
	}
}

func (g *gateway) subscribe(ctx actor.Context, m *wire.Subscribe) {
	link := ctx.Sender()
	key, req, window, why := g.admitSubscription(ctx, m)
	var broker *actor.PID
	if why == nil {
		var err error
		if broker, err = g.n.bus.Topic(m.Topic); err != nil {
			why = &subscribeRefusal{reason: err.Error()}
		}
	}
	if why != nil {
		if ok, count := g.refusals.Allow(time.Now()); ok {
			g.n.log.Warn().Str("topic", m.Topic).Str("subscriber", fmt.Sprint(link)).Str("reason", why.reason).Uint64("count", count).
				Msg("remote: refused a subscription")
		}
		if link != nil {
			ctx.Send(link, &wire.Refused{Topic: m.Topic, Reason: why.reason, Key: m.Key, Again: why.again})
		}
		return
	}
	name := fmt.Sprintf("%s%d", proxyPrefix, g.proxies.Add(1))
	p := &proxy{ignored: lograte.Limiter{Interval: time.Second}, lagging: lograte.Limiter{Interval: transport.FellBehindLogEvery}, leaving: g.n.leaving.Load, topic: m.Topic, broker: broker, link: link, key: key, guard: g.n.guard, window: window,
		send: newSendWindow(window), req: req, log: g.n.log.With().Str("topic", m.Topic).Str("subscriber", transport.ActorName(link)).Logger()}
	// Proxies are the gateway's children: they stop with it.
	if _, err := ctx.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return p }), name); err != nil {
		ctx.Send(link, &wire.Refused{Topic: m.Topic, Reason: err.Error(), Key: m.Key})
	}
}

// subscribeRefusal is why a subscription is refused; again says that it is for a
// limit the node is at, and the link asks again later.
type subscribeRefusal struct {
	reason string
	again  bool
}

// admitSubscription checks a subscription within the node's limits: its
// subscriber, key, topic name, QoS and window.
func (g *gateway) admitSubscription(ctx actor.Context, m *wire.Subscribe) (subscriptionKey, *qos.Profile, int, *subscribeRefusal) {
	var none subscriptionKey
	if ctx.Sender() == nil {
		return none, nil, 0, &subscribeRefusal{reason: "no subscriber named"}
	}
	key, err := parseSubscriptionKey(m.Key)
	if err != nil {
		return none, nil, 0, &subscribeRefusal{reason: err.Error()}
	}
	if g.n.leaving.Load() {
		return none, nil, 0, &subscribeRefusal{reason: "the node is stopping", again: true}
	}
	if len(ctx.Children()) >= maxSubscriptions {
		return none, nil, 0, &subscribeRefusal{reason: fmt.Sprintf("the node serves %d subscriptions already", maxSubscriptions), again: true}
	}
	if err := transport.ValidateTopicName(m.Topic); err != nil {
		return none, nil, 0, &subscribeRefusal{reason: err.Error()}
	}
	var req *qos.Profile
	if m.Qos != "" {
		p, err := qos.ParseProfile(m.Qos)
		if err != nil {
			return none, nil, 0, &subscribeRefusal{reason: err.Error()}
		}
		req = &p
	}
	window := int(m.Window)
	if window <= 0 || window > 1024 {
		window = transport.DefaultWindow
	}
	if topics := g.n.bus.Topics(); len(topics) >= maxTopics && !slices.Contains(topics, m.Topic) {
		return none, nil, 0, &subscribeRefusal{reason: fmt.Sprintf("the node holds %d topics already and has no %s", maxTopics, m.Topic), again: true}
	}
	return key, req, window, nil
}

// maxListingWaiters bounds the topic listings a node answers at once: the
// askers wait for one gathering of the node's topics, and get its answer.
const maxListingWaiters = 64

// listed carries a gathered listing to the gateway.
type listed struct{ topics *wire.Topics }

// topics answers with the node's topics and their counters. Asking each
// broker takes a round trip: the listing is gathered off the gateway's
// turn, in a goroutine the node owns, and every asker that came meanwhile
// gets the same answer.
func (g *gateway) topics(ctx actor.Context) {
	to := ctx.Sender()
	if to == nil {
		return
	}
	if len(g.waiting) >= maxListingWaiters {
		ctx.Respond(&wire.Refused{Reason: fmt.Sprintf("%d topic listings are being answered; ask again", maxListingWaiters)})
		return
	}
	g.waiting = append(g.waiting, to)
	if len(g.waiting) > 1 {
		return // a gathering is under way
	}
	bus, log, self, system, name := g.n.bus, g.n.log, ctx.Self(), ctx.ActorSystem(), g.n.name
	g.n.goOwned(func() {
		out := gatherTopics(bus, log)
		out.Node = name
		system.Root.Send(self, &listed{topics: out})
	})
}

// answerListing sends a gathered listing to everyone waiting for it.
func (g *gateway) answerListing(ctx actor.Context, out *wire.Topics) {
	for _, to := range g.waiting {
		ctx.Send(to, out)
	}
	g.waiting = nil
}

// gatherTopics lists bus's topics with their counters.
func gatherTopics(bus *transport.Bus, log zerolog.Logger) *wire.Topics {
	out := &wire.Topics{}
	for _, name := range bus.Topics() {
		st, err := bus.Stats(name)
		if err != nil {
			log.Debug().Err(err).Str("topic", name).Msg("remote: topic listing")
			continue
		}
		out.Topics = append(out.Topics, topicInfoToWire(name, st))
	}
	return out
}
