package elements

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// PublishConfig configures a publisher.
type PublishConfig struct {
	Topic string
	// QoS is what the publisher offers; nil offers the bus's default. The
	// topic's first publisher sets the topic's QoS: a durable offer
	// (transient_local, persistent) makes the topic keep its latest GOP for
	// late subscribers.
	QoS *qos.Profile
}

var publishSpec = pipeline.ElementSpec[PublishConfig]{
	Name: "publish", Summary: "publish packets on a topic", In: "packets",
	Doc: "Publishes on a topic of the process. Never waits for subscribers; each has its own queue, dropped GOP-aware when full. Keyframe requests from the topic go upstream to the encoder. The first publisher's qos sets the topic's: a durable one (the default) keeps the latest GOP and replays it, keyframe first, to subscribers that join late.",
	Fields: []pipeline.Field[PublishConfig]{
		topicField(func(c *PublishConfig) *string { return &c.Topic }),
		offerField(func(c *PublishConfig) **qos.Profile { return &c.QoS }),
	},
	New: func(cfg PublishConfig) (pipeline.Element, error) {
		return pipeline.SinkElement("publish", pipeline.Packets(media.CodecUnknown), func() (pipeline.Sink[*media.Packet], error) {
			return &publisher{topic: cfg.Topic, qos: cfg.QoS}, nil
		}), nil
	},
}

// Publish publishes packets on a topic of the pipeline's bus, offering the
// bus's default QoS (durable_video unless the bus says otherwise). It never
// waits for subscribers (each has its own GOP-aware window at the broker),
// and it passes keyframe requests from the topic upstream to the encoder.
func Publish(topic string) pipeline.Element { return PublishWith(PublishConfig{Topic: topic}) }

// PublishWith is Publish with a QoS offer.
func PublishWith(cfg PublishConfig) pipeline.Element { return publishSpec.Element(cfg) }

type publisher struct {
	topic  string
	qos    *qos.Profile
	env    *pipeline.Env
	broker *actor.PID
	left   bool
	// last is the last packet published, which the next follows.
	last *media.Packet
}

func (p *publisher) Start(env *pipeline.Env) error {
	p.env = env
	var err error
	if p.broker, err = env.Bus.Topic(p.topic); err != nil {
		return err
	}
	env.Send(p.broker, &transport.PublisherJoined{Publisher: env.Self(), QoS: p.qos, Owner: env.Owner})
	return nil
}

// Process publishes a packet. The topic's keyframe requests reach the node,
// which passes them upstream.
//
// A packet its subscribers could not use is refused, an error of the node
// that says what is wrong, instead of passing the topic to be dropped
// without a word by every gate and recorder behind it: one that is not
// valid (media.Packet.Validate: a packet made by hand without its size),
// one without a capture time, one whose Seq does not follow the last's of
// its Epoch.
func (p *publisher) Process(pk *media.Packet) error {
	if err := publishable(pk, p.last); err != nil {
		return err
	}
	if !pk.Replay.Replayed {
		p.last = pk
	}
	p.env.Send(p.broker, &transport.Publish{Packet: pk, Publisher: p.env.Self()})
	return nil
}

// publishable returns why pk, published after last (nil for the first),
// cannot be published, or nil.
func publishable(pk, last *media.Packet) error {
	if err := pk.Validate(); err != nil {
		return fmt.Errorf("packet seq %d not published: %w", pk.Seq, err)
	}
	if pk.CaptureTime.IsZero() {
		return fmt.Errorf("packet seq %d not published: it has no capture time (the source sets each frame's CaptureTime, when it was taken)", pk.Seq)
	}
	// A relay (subscribe ! publish) hands on the GOP its topic replayed
	// to it, marked, which goes back in Seq; the live stream goes on
	// after its own last.
	if last != nil && !pk.Replay.Replayed && last.Epoch == pk.Epoch && pk.Seq <= last.Seq {
		return fmt.Errorf("packet seq %d not published: it comes after seq %d of the same Epoch (a stream numbers its packets in order, +1 each, a keyframe's GOP its own Seq, as the encoders do)",
			pk.Seq, last.Seq)
	}
	return nil
}

// Flush leaves the topic at end of stream: its subscribers see the end
// when the last publisher leaves.
func (p *publisher) Flush() error {
	p.leave()
	return nil
}

func (p *publisher) leave() {
	if !p.left && p.broker != nil {
		p.left = true
		p.env.Send(p.broker, &transport.PublisherLeft{Publisher: p.env.Self()})
	}
}

// Stop leaves the registration alone: after a panic the new stage
// publishes under the same actor, and when the pipeline stops, the broker
// sees the actor end, which counts as leaving.
func (p *publisher) Stop() error { return nil }

// SubscribeConfig configures a subscriber. A field left at zero takes its
// default where zero is not a value it accepts (Window).
type SubscribeConfig struct {
	Topic string
	// Window is the subscriber's queue at the broker (0: the default,
	// transport.DefaultWindow).
	Window int
	// Remote, when set, is the host:port of the node whose topic to
	// subscribe to (transport/remote); the process's bus must reach other
	// nodes (gopline run does). The link reconnects by itself.
	Remote string
	// QoS is what the subscriber requests; nil takes what the topic
	// offers. On a durable topic a subscriber that requests durability (or
	// takes the topic's) is replayed the cached GOP first, marked (see
	// media.Replay). A request the topic does not meet is an error of the
	// node, logged with both profiles, and no packets come.
	QoS *qos.Profile
	// OnEvent, when set, is called with each event of the topic (on the
	// node's actor: it must not block). Events are logged either way. A
	// panic in it is an error of the node, logged with its stack; the
	// subscription goes on.
	OnEvent func(*transport.Event)
}

var subscribeSpec = pipeline.ElementSpec[SubscribeConfig]{
	Name: "subscribe", Summary: "receive a topic's packets", Out: "packets",
	Doc: "Subscribes to a topic of the process. On a durable topic the cached GOP comes first, keyframe first and marked as replayed, then the live packets, with no gap. window is the queue at the topic: when the pipeline behind falls that far behind, the rest of the GOP is dropped and delivery resumes at a keyframe, so the stream stays decodable. A qos request the topic does not meet is an error naming both profiles. Ends when the topic's last publisher leaves.",
	Fields: []pipeline.Field[SubscribeConfig]{
		topicField(func(c *SubscribeConfig) *string { return &c.Topic }),
		windowField(func(c *SubscribeConfig) *int { return &c.Window }).Doc("packets in flight before GOP-aware dropping"),
		qosField(func(c *SubscribeConfig) **qos.Profile { return &c.QoS }),
		pipeline.StringField("remote", "", func(c *SubscribeConfig) *string { return &c.Remote }).Check(checkHostPort).
			Doc("host:port of another gopline node whose topic to subscribe to (empty: this process's topic)"),
	},
	New: func(cfg SubscribeConfig) (pipeline.Element, error) {
		return pipeline.PushSourceElement("subscribe", pipeline.Packets(media.CodecUnknown), func() (pipeline.PushSource[*media.Packet], error) {
			return &subscriber{cfg: cfg}, nil
		}), nil
	},
}

// Subscribe receives a topic's packets (of any codec) from the pipeline's
// bus, taking the QoS the topic offers. Window is its queue at the broker
// (0: transport.DefaultWindow): when the pipeline behind it falls that far
// behind, the broker drops the rest of the GOP and resumes at a keyframe.
// Keyframe requests from downstream go to the topic. The stream ends when
// the topic's last publisher leaves.
func Subscribe(topic string, window int) pipeline.Element {
	return SubscribeWith(SubscribeConfig{Topic: topic, Window: window})
}

// SubscribeWith is Subscribe with a QoS request and an event callback.
func SubscribeWith(cfg SubscribeConfig) pipeline.Element { return subscribeSpec.Element(cfg) }

type subscriber struct {
	cfg   SubscribeConfig
	env   *pipeline.Env
	sub   *transport.Subscriber
	ended bool
	got   bool // a packet came
	// logs rate-limits the lines of the topic's events.
	logs *eventLogs
	// silence holds what the topic's events said, for the warning of a
	// subscriber that got nothing.
	silence Silence
	// search looks for another node that publishes the topic while the
	// subscriber waits on this process's topic, which had no publisher.
	search *publisherSearch
	// pace measures whether the packets come faster than real time;
	// behind is set once the topic dropped packets for the subscriber, and
	// flatOutTold once that was warned of as a stream faster than real time.
	pace                outrun
	behind, flatOutTold bool
}

// haltGrace bounds how long a halted subscriber (or topic recorder) waits
// for its topic's answer: a topic that is gone sends none. A quarter of the
// stop budget: the pipeline halts push sources after at most half of it,
// and what the answer lets through still has to drain.
func haltGrace(env *pipeline.Env) time.Duration { return env.StopTimeout / 4 }

// newTopicSubscriber subscribes the node to a topic through broker.
func newTopicSubscriber(env *pipeline.Env, topic string, broker *actor.PID, window int, req *qos.Profile) (*transport.Subscriber, error) {
	sub, err := transport.NewSubscriber(transport.SubscriberConfig{Topic: topic, Broker: broker, Self: env.Self(),
		Send: env.Send, Window: window, QoS: req, Owner: env.Owner})
	if err != nil {
		return nil, err
	}
	sub.Subscribe()
	return sub, nil
}

func (s *subscriber) Start(env *pipeline.Env) error {
	s.env = env
	s.logs = newEventLogs()
	s.logs.pace = &s.pace
	broker, addr, err := topicBroker(env, s.cfg.Topic, s.cfg.Remote)
	if err != nil {
		return err
	}
	s.silence = Silence{Topic: s.cfg.Topic, Remote: addr}
	s.sub, err = newTopicSubscriber(env, s.cfg.Topic, broker, s.cfg.Window, s.cfg.QoS)
	if err != nil {
		return err
	}
	env.After(noPublisherWait, func() error {
		if !s.got && !s.ended {
			checkPublished(env, s.silence)
		}
		return nil
	})
	if s.cfg.Remote == "" && addr == "" && !env.Bus.PublishedHere(s.cfg.Topic) {
		s.search = searchPublisher(env, s.cfg.Topic, func() bool { return !s.got && !s.ended }, s.moveTo)
	}
	return nil
}

// moveTo subscribes to the topic of the node at addr, found to publish it
// while this process's topic had nothing to give.
func (s *subscriber) moveTo(addr string) error {
	broker, err := s.env.Bus.RemoteTopic(addr, s.cfg.Topic)
	if err != nil {
		return err
	}
	sub, err := newTopicSubscriber(s.env, s.cfg.Topic, broker, s.cfg.Window, s.cfg.QoS)
	if err != nil {
		return err
	}
	s.env.Log.Info().Str("topic", s.cfg.Topic).Str("remote", addr).Msg("the topic's publisher started at another node: subscribing there")
	s.sub.Close()
	s.sub, s.silence = sub, Silence{Topic: s.cfg.Topic, Remote: addr}
	return nil
}

func (s *subscriber) Receive(msg any, emit func(*media.Packet)) (bool, error) {
	r, ok := s.sub.Handle(msg)
	if !ok {
		return false, nil
	}
	if r.Dropped > 0 {
		s.env.Dropped(int(r.Dropped))
		s.behind = true
	}
	switch {
	case r.Packet != nil && !s.ended:
		s.got = true
		s.pace.saw(r.Packet, s.env.Now())
		if s.behind && !s.flatOutTold {
			// Back after a drop: the packets that came since may show the
			// pace the drop did not.
			s.flatOutTold = s.logs.warnFlatOut(s.env, s.cfg.Topic)
		}
		emit(r.Packet)
	case r.Event != nil:
		s.silence.heard(r.Event)
		return true, topicEvent(s.env, r.Event, s.cfg.OnEvent, s.logs)
	case r.Ended:
		s.end()
	}
	return true, nil
}

// topicEvent logs a topic's event and hands it to onEvent. An incompatible
// QoS is returned as an error, so that the node counts and logs it; a
// refused subscription (another node's) also fails the pipeline. Events
// that can come each GOP or each period (fell behind, a deadline missed,
// a publisher's liveliness lost or regained) are logged as logs allows.
func topicEvent(env *pipeline.Env, e *transport.Event, onEvent func(*transport.Event), logs *eventLogs) error {
	if err := callOnEvent(env, onEvent, e); err != nil {
		return errors.Join(err, eventError(env, e, logs))
	}
	return eventError(env, e, logs)
}

// eventLogs rate-limits a subscription's lines of the events that can
// come without end: the first of a kind at once, then at most every
// transport.FellBehindLogEvery, with the count since the last. A
// publisher's liveliness regained is told whenever its loss was, so that
// the log never leaves a publisher lost that came back (a node restarted);
// a publisher that flaps (a lease shorter than its packets' spacing) is
// told at most twice an interval.
type eventLogs struct {
	fellBehind, deadline, liveliness lograte.Limiter
	lostTold                         bool // the last liveliness line told a loss
	// pace, when set, measures the pace of the subscription's packets, and
	// flatOut rate-limits the warnings of drops behind a stream faster
	// than real time.
	pace    *outrun
	flatOut lograte.Limiter
}

// warnFlatOut warns, at most once every transport.FellBehindLogEvery, of
// drops behind a stream faster than real time (outrun); it reports whether
// the stream is one.
func (l *eventLogs) warnFlatOut(env *pipeline.Env, topic string) bool {
	if l.pace == nil {
		return false
	}
	fast, stream, took := l.pace.fast()
	if !fast {
		return false
	}
	if ok, times := l.flatOut.Allow(env.Now()); ok {
		env.Log.Warn().Str("topic", topic).Uint64("times", times).Stringer("stream", stream).Stringer("came_in", took).Msg(flatOutAdvice)
	}
	return true
}

// flatOutAdvice is what a subscriber that drops behind a stream faster
// than real time is told (outrun).
const flatOutAdvice = "fell behind the topic, whose packets come faster than real time: a source that reads a file as fast as it can " +
	"outruns what decodes or records it, and a topic never waits for its subscribers, so the rest of each GOP is dropped; " +
	"pace the source at its frame rate (videosrc or play is-live=true; in Go, Live: true)"

func newEventLogs() *eventLogs {
	every := transport.FellBehindLogEvery
	return &eventLogs{fellBehind: lograte.Limiter{Interval: every}, deadline: lograte.Limiter{Interval: every},
		liveliness: lograte.Limiter{Interval: every}, flatOut: lograte.Limiter{Interval: every}}
}

// callOnEvent calls onEvent, if set, with e, and returns a panic of it as
// an error, its stack logged: a callback that panics at an event the
// topic sends on every subscription (a QoS mismatch) would otherwise
// restart the node until its supervisor gave up.
func callOnEvent(env *pipeline.Env, onEvent func(*transport.Event), e *transport.Event) (err error) {
	if onEvent == nil {
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("OnEvent panicked at the topic's %s event: %v", e.Kind, p)
			env.Log.Error().Err(err).Str("stack", string(debug.Stack())).Msg("the subscription goes on")
		}
	}()
	onEvent(e)
	return nil
}

// eventError logs e, an event of the topic, and returns it as the node's
// error where it is one.
func eventError(env *pipeline.Env, e *transport.Event, logs *eventLogs) error {
	switch e.Kind {
	case transport.EventIncompatibleQoS:
		return fmt.Errorf("topic %s: %w", e.Topic, e.Err)
	case transport.EventRefused:
		// Over for good: the run fails with the reason.
		err := fmt.Errorf("topic %s: %w", e.Topic, e.Err)
		env.Fail(err)
		return err
	case transport.EventDropped:
		if logs.pace != nil {
			logs.pace.dropped(e.GOP, env.Now())
		}
		if logs.warnFlatOut(env, e.Topic) {
			return nil
		}
		if ok, times := logs.fellBehind.Allow(env.Now()); ok {
			env.Log.Info().Str("topic", e.Topic).Uint64("times", times).
				Msg("fell behind the topic: the rest of a GOP is dropped, delivery resumes at the next keyframe")
		}
	case transport.EventDeadlineMissed:
		if ok, times := logs.deadline.Allow(env.Now()); ok {
			env.Log.Warn().Str("topic", e.Topic).Uint64("times", times).Msg(e.String())
		}
	case transport.EventLivelinessRegained:
		if logs.lostTold {
			logs.lostTold = false
			env.Log.Info().Str("topic", e.Topic).Msg(e.String())
		}
	case transport.EventLivelinessLost:
		if ok, times := logs.liveliness.Allow(env.Now()); ok {
			logs.lostTold = true
			env.Log.Warn().Str("topic", e.Topic).Uint64("times", times).Msg(e.String())
		}
	default:
		env.Log.Warn().Str("topic", e.Topic).Msg(e.String())
	}
	return nil
}

// Drained acknowledges every delivery the pipeline has taken on.
func (s *subscriber) Drained() { s.sub.AckAll() }

// ForceKeyframe forwards a keyframe request from downstream to the topic.
func (s *subscriber) ForceKeyframe() { s.sub.RequestKeyframe() }

// Halt ends the subscription when the pipeline stops. The topic answers
// with the end of the stream after the deliveries already on their way, and
// after the last packet of this pipeline's own publishers on the topic;
// those go through the pipeline and are counted like any other.
func (s *subscriber) Halt() {
	if !s.ended && s.sub.Halt() {
		s.env.After(haltGrace(s.env), s.haltTimedOut)
	}
}

// Unneeded leaves the topic at once: nothing takes the subscriber's packets
// any more (the chain it feeds ended), so it waits neither for the topic's
// answer nor for its own pipeline's publishers, as Halt does at a stop.
func (s *subscriber) Unneeded() { s.end() }

// haltTimedOut ends a halted subscriber whose topic did not answer.
func (s *subscriber) haltTimedOut() error {
	s.end()
	return nil
}

func (s *subscriber) end() {
	if s.ended {
		return
	}
	s.ended = true
	s.sub.Close()
	s.env.End()
}

func (s *subscriber) Stop() error {
	s.search.wait()
	if s.sub != nil {
		s.sub.Close()
	}
	return nil
}
