package web

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// feedQueue bounds the packets between a feed's actor and its writer: the
// subscriber's window plus a whole replay (a replay takes no credit of the
// window, and the cache holds at most qos.DefaultCacheMaxFrames packets).
// The topic never sends more than that unacknowledged.
const feedQueue = transport.DefaultWindow + qos.DefaultCacheMaxFrames

// feedConfig says what a feed subscribes to and where its packets go.
type feedConfig struct {
	bus   *transport.Bus
	topic string
	// qos is the subscription's request; nil takes the topic's offer (on a
	// durable topic: its cached GOP first).
	qos *qos.Profile
	// name says who the viewer is in the topic's stats (transport.Subscribe's
	// Name): its kind, address and session, which /api/topics lists with
	// what the topic dropped for it.
	name string
	// write sends one packet to the viewer. It runs on the feed's writer
	// goroutine and may block: while it does, the packets behind it wait
	// at the topic, which drops whole GOPs when the window is full. A feed
	// without one only observes: it acknowledges every packet at once and
	// asks the topic for no keyframe.
	write func(*media.Packet) error
	// observe, when set, is shown every packet the topic delivers, before
	// any is dropped, on the feed's actor; it must return promptly.
	observe func(*media.Packet)
	// ended is called once, from the feed's actor, when the topic's stream
	// ends or a write fails (err then says why).
	ended func(err error)
	// outlivesStream keeps the feed on its topic when the stream ends: a
	// publisher that starts on the topic later goes on in the same feed,
	// from its first keyframe, as a new Epoch does. ended is then called
	// for a failed write alone.
	outlivesStream bool
	// waitForKeyframe makes a viewer that joins mid-GOP wait for the next
	// keyframe the encoder makes on its own, instead of asking for one.
	waitForKeyframe bool
	// maxLag, when set, makes the writer skip to the newest GOP when a
	// live packet waited longer than this in the queue (catchUp): the
	// feed asks its topic for the newest GOP, as after a broken chain.
	maxLag time.Duration
	// caughtUp, when set, is called on the writer goroutine before the
	// keyframe that ends a run of skipped packets is written.
	caughtUp func(catchUpStep)
	log      zerolog.Logger
}

// feed is one viewer's subscription to a topic: an actor that owns a
// transport.Subscriber, passes what decodes (qos.Gate) to a writer
// goroutine, and acknowledges each packet once written. A viewer that is
// slower than the stream therefore holds its window full, and the topic
// drops the rest of a GOP for it alone; the publisher never waits. With
// a maxLag, a viewer that comes back after taking nothing for a while
// skips what waited for it and goes on at the newest GOP (catchUp).
type feed struct {
	topic  string
	pid    *actor.PID
	system *actor.ActorSystem
}

// Messages of a feed's actor.
type (
	// feedWritten says that the writer is done with a packet: written
	// (err says whether that failed) or skipped; began says that it began
	// a run of skipped packets.
	feedWritten struct {
		err   error
		began bool
	}
	feedKeyframe        struct{}
	feedEncoderKeyframe struct{}
)

// queued is a packet in a feed's queue, with when it was queued.
type queued struct {
	p  *media.Packet
	at time.Time
}

// startFeed subscribes cfg's topic for one viewer. Stop ends it.
func startFeed(system *actor.ActorSystem, cfg feedConfig) (*feed, error) {
	broker, err := cfg.bus.Topic(cfg.topic)
	if err != nil {
		return nil, err
	}
	gate, err := qos.NewGate(qos.WithRequestOncePerWait())
	if err != nil {
		return nil, err
	}
	a := &feedActor{cfg: cfg, broker: broker, gate: gate, queue: make(chan queued, feedQueue), system: system,
		askOnJoin: cfg.write != nil && !cfg.waitForKeyframe && !hasCache(cfg.bus, cfg.topic)}
	pid := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return a }))
	return &feed{topic: cfg.topic, pid: pid, system: system}, nil
}

// RequestKeyframe asks the topic for a keyframe for this viewer: from the
// cache when that repairs its chain, else from the encoder, rate-limited
// per topic.
func (f *feed) RequestKeyframe() { f.system.Root.Send(f.pid, feedKeyframe{}) }

// RequestEncoderKeyframe asks the topic's encoder for a keyframe, which
// comes in the live stream, and not the cache: the topic forwards it
// rate-limited per topic (transport.KeyframeRequest without a subscriber).
func (f *feed) RequestEncoderKeyframe() { f.system.Root.Send(f.pid, feedEncoderKeyframe{}) }

// Stop unsubscribes and ends the writer; it returns when both are done.
func (f *feed) Stop() { _ = f.system.Root.StopFuture(f.pid).Wait() }

type feedActor struct {
	cfg    feedConfig
	broker *actor.PID
	system *actor.ActorSystem
	sub    *transport.Subscriber
	gate   *qos.Gate
	queue  chan queued
	done   chan struct{} // closed when the writer returns
	over   bool          // ended was called
	// askOnJoin: the topic has no cached GOP to replay, so the feed asks
	// for a keyframe as it subscribes.
	askOnJoin bool
}

func (a *feedActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.start(ctx)
	case *actor.Stopping:
		a.stop()
	case feedWritten:
		a.sub.Ack()
		if m.err != nil {
			a.end(m.err)
		}
		if m.began && a.gate.Break() { // the viewer fell behind: the newest GOP, from the cache if it holds it
			a.sub.RequestKeyframe()
		}
	case feedKeyframe:
		a.sub.RequestKeyframe()
	case feedEncoderKeyframe:
		if a.sub != nil {
			ctx.Send(a.broker, &transport.KeyframeRequest{Topic: a.cfg.topic})
		}
	default:
		a.handle(m)
	}
}

func (a *feedActor) start(ctx actor.Context) {
	sub, err := transport.NewSubscriber(transport.SubscriberConfig{Topic: a.cfg.topic, Broker: a.broker,
		Self: ctx.Self(), Send: ctx.Send, QoS: a.cfg.qos, Name: a.cfg.name})
	if err != nil {
		a.end(err)
		return
	}
	a.sub = sub
	a.done = make(chan struct{})
	if a.cfg.write != nil {
		go a.writeLoop(ctx.Self())
	} else {
		close(a.done)
	}
	sub.Subscribe()
	if a.askOnJoin {
		sub.RequestKeyframe()
	}
}

// hasCache reports whether topic keeps a GOP that a viewer joining now is
// replayed. A viewer that joins a topic without one starts at the next
// keyframe, and asks for it at once, as a WebRTC receiver's PLI does,
// through the topic's rate limit.
func hasCache(bus *transport.Bus, topic string) bool {
	st, err := bus.Stats(topic)
	return err == nil && st.Cache != nil && st.Cache.Frames > 0
}

// writeLoop writes the queued packets, each acknowledged once written or
// skipped (cfg.maxLag). After a failed write it only drains the queue.
func (a *feedActor) writeLoop(self *actor.PID) {
	defer close(a.done)
	var failed error
	skip := catchUp{maxLag: a.cfg.maxLag}
	for q := range a.queue {
		step := catchUpStep{Write: true}
		if failed == nil {
			step = skip.next(q.p, q.at, time.Now())
		}
		if step.Skipped > 0 && a.cfg.caughtUp != nil {
			a.cfg.caughtUp(step)
		}
		if failed == nil && step.Write {
			failed = a.cfg.write(q.p)
		}
		a.system.Root.Send(self, feedWritten{err: failed, began: step.Began})
	}
}

func (a *feedActor) handle(msg any) {
	if a.sub == nil {
		return
	}
	r, ok := a.sub.Handle(msg)
	if !ok {
		return
	}
	switch {
	case r.Packet != nil:
		if a.cfg.observe != nil {
			a.cfg.observe(r.Packet)
		}
		if a.cfg.write == nil {
			a.sub.Ack()
			return
		}
		a.take(r.Packet)
	case r.Event != nil && r.Event.Kind == transport.EventIncompatibleQoS:
		a.cfg.log.Warn().Str("topic", a.cfg.topic).Err(r.Event.Err).Msg("viewer: the topic does not offer what the viewer asks")
	case r.Ended && a.cfg.outlivesStream:
		a.restart()
	case r.Ended:
		a.end(nil)
	}
}

// restart makes the feed wait for a new stream's first keyframe, as it
// did when it joined: the next publisher's chain owes nothing to the last
// one's, which may have had the same Epoch and Seqs.
func (a *feedActor) restart() {
	if gate, err := qos.NewGate(qos.WithRequestOncePerWait()); err == nil {
		a.gate = gate
	} else {
		a.gate.Break()
	}
}

// take queues a packet that decodes after those before it; others are
// acknowledged at once, and a broken chain asks for a keyframe.
func (a *feedActor) take(p *media.Packet) {
	d := a.gate.Admit(p)
	if d.RequestKeyframe {
		a.sub.RequestKeyframe()
	}
	if !d.Pass || a.over {
		a.sub.Ack()
		return
	}
	select {
	case a.queue <- queued{p: p, at: time.Now()}:
	default: // more than the topic may send unacknowledged: never block the actor
		a.sub.Ack()
		if a.gate.Break() {
			a.sub.RequestKeyframe()
		}
	}
}

func (a *feedActor) end(err error) {
	if a.over {
		return
	}
	a.over = true
	if a.cfg.ended != nil {
		a.cfg.ended(err)
	}
}

func (a *feedActor) stop() {
	if a.sub == nil {
		return
	}
	a.sub.Close()
	close(a.queue)
	<-a.done
}
