package actors

import (
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport"
)

// DefaultFlushInterval is how often the recorder commits what it has when
// packets come slowly: a crash loses at most this much of a quiet stream.
const DefaultFlushInterval = 250 * time.Millisecond

// RecordConfig configures the recorder.
type RecordConfig struct {
	// Path is the recording file, created or appended to.
	Path string
	// Topics are subscribed to and recorded, each as a stream named after
	// the topic. With no topics the recorder is a sink that records its
	// input as Stream.
	Topics []string
	Stream string
	// Window is each topic subscription's queue at the broker (0: the
	// default). A recorder slower than its topics (a slow disk) drops whole
	// GOPs there, counted, and never holds the topic back.
	Window int
	// FlushInterval bounds how long a packet waits before its commit
	// (0: DefaultFlushInterval).
	FlushInterval time.Duration
	Sync          storage.SyncPolicy
	// MaxBytes and MaxAge bound the recording (0: unbounded); whole GOPs go,
	// oldest first.
	MaxBytes int64
	MaxAge   time.Duration
	// QoS is the request of the topic subscriptions; nil takes what each
	// topic offers. On a durable topic the recording then begins with the
	// cached GOP, so it decodes from its first packet.
	QoS *qos.Profile

	// beforeWrite, when set, runs before every write (tests: a slow disk).
	beforeWrite func()
}

// Record records packets into a gopline recording (storage): from topics it
// subscribes to itself, or from its input.
func Record(cfg RecordConfig) pipeline.Element {
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = DefaultFlushInterval
	}
	newRecorder := func() (*recorder, error) {
		if cfg.Path == "" {
			return nil, errors.New("record needs a file path")
		}
		for _, t := range cfg.Topics {
			if err := transport.ValidateTopicName(t); err != nil {
				return nil, err
			}
		}
		if len(cfg.Topics) == 0 && cfg.Stream == "" {
			return nil, errors.New("record needs topics to subscribe to, or a stream name for its input")
		}
		return &recorder{cfg: cfg, brokers: map[string]*actor.PID{}, ended: map[string]bool{}, streams: map[string]bool{}}, nil
	}
	if len(cfg.Topics) > 0 {
		return pipeline.PushSourceElement("record", pipeline.None, func() (pipeline.PushSource[*media.Packet], error) { return newRecorder() })
	}
	return pipeline.SinkElement("record", pipeline.Packets(media.CodecUnknown), func() (pipeline.Sink[*media.Packet], error) { return newRecorder() })
}

type recorder struct {
	cfg     RecordConfig
	env     *pipeline.Env
	rec     *storage.Recording
	brokers map[string]*actor.PID
	ended   map[string]bool
	streams map[string]bool
	halting bool // unsubscribed, waiting for the topics' last words
}

func (r *recorder) Start(env *pipeline.Env) error {
	r.env = env
	opts := []storage.Option{storage.WithClock(env.Now), storage.WithSync(r.cfg.Sync)}
	if r.cfg.MaxBytes > 0 || r.cfg.MaxAge > 0 {
		opts = append(opts, storage.WithRetention(r.cfg.MaxBytes, r.cfg.MaxAge))
	}
	var err error
	if r.rec, err = storage.Open(r.cfg.Path, opts...); err != nil {
		return err
	}
	for _, topic := range r.cfg.Topics {
		pid, err := env.Bus.Topic(topic)
		if err != nil {
			r.rec.Close()
			return err
		}
		r.brokers[topic] = pid
		env.Send(pid, &transport.Subscribe{Subscriber: env.Self(), Window: r.cfg.Window, QoS: r.cfg.QoS})
	}
	env.After(r.cfg.FlushInterval, r.flushTick)
	return nil
}

// flushTick commits what the recorder holds, and comes again.
func (r *recorder) flushTick() error {
	r.env.After(r.cfg.FlushInterval, r.flushTick)
	return r.rec.Flush()
}

// write stores one packet, creating its stream on first sight. A delta the
// store cannot chain to its keyframe (after a drop), or one it already has,
// is counted and skipped.
func (r *recorder) write(stream string, p *media.Packet) error {
	if r.cfg.beforeWrite != nil {
		r.cfg.beforeWrite()
	}
	if !r.streams[stream] {
		err := r.rec.CreateStream(storage.StreamInfo{Name: stream, Codec: p.Codec, Width: p.Width, Height: p.Height,
			Format: p.Format, Created: r.env.Now(), Source: "gopline record"})
		if err != nil && !errors.Is(err, storage.ErrStreamExists) {
			return err
		}
		r.streams[stream] = true
	}
	err := r.rec.Append(stream, p)
	if errors.Is(err, storage.ErrNeedKeyframe) || errors.Is(err, storage.ErrDuplicate) {
		r.env.Dropped(1)
		return nil
	}
	return err
}

// Process records the input (sink mode).
func (r *recorder) Process(p *media.Packet) error { return r.write(r.cfg.Stream, p) }

// Receive takes topic deliveries. A delivery is acknowledged once written,
// so a slow disk fills the topic's window and the topic drops GOPs for the
// recorder alone.
func (r *recorder) Receive(msg any, _ func(*media.Packet)) (bool, error) {
	switch m := msg.(type) {
	case *transport.Delivery:
		r.env.Received(1)
		if m.Dropped > 0 {
			r.env.Dropped(int(m.Dropped))
		}
		err := r.write(m.Topic, m.Packet)
		if pid := r.brokers[m.Topic]; pid != nil {
			r.env.Send(pid, &transport.Ack{Subscriber: r.env.Self()})
		}
		if err != nil {
			return true, fmt.Errorf("recording %s: %w", m.Topic, err)
		}
	case *transport.Event:
		return true, topicEvent(r.env, m, nil)
	case *transport.EndOfStream:
		if m.Dropped > 0 {
			r.env.Dropped(int(m.Dropped))
		}
		r.ended[m.Topic] = true
		if len(r.ended) == len(r.brokers) {
			r.env.End()
		}
	case *transport.Subscribed:
	default:
		return false, nil
	}
	return true, nil
}

// Flush commits everything at end of stream.
func (r *recorder) Flush() error { return r.rec.Flush() }

// Halt ends the subscriptions when the pipeline stops. Each topic answers
// with the end of its stream after the deliveries already on their way,
// which are recorded.
func (r *recorder) Halt() {
	if r.halting {
		return
	}
	r.halting = true
	for topic, pid := range r.brokers {
		if !r.ended[topic] {
			r.env.Send(pid, &transport.Unsubscribe{Subscriber: r.env.Self(), Farewell: true, AfterPublishersOf: r.env.Owner})
		}
	}
	r.env.After(haltGrace(r.env), r.haltTimedOut)
}

// haltTimedOut ends a halted recorder whose topics did not all answer.
func (r *recorder) haltTimedOut() error {
	r.unsubscribe()
	r.env.End()
	return nil
}

// Drained does nothing: the recorder acknowledges each delivery once written.
func (r *recorder) Drained() {}

func (r *recorder) unsubscribe() {
	for topic, pid := range r.brokers {
		if !r.ended[topic] {
			r.ended[topic] = true
			r.env.Send(pid, &transport.Unsubscribe{Subscriber: r.env.Self()})
		}
	}
}

// Stop commits and closes the recording (none is open when Start failed).
func (r *recorder) Stop() error {
	r.unsubscribe()
	if r.rec == nil {
		return nil
	}
	return r.rec.Close()
}
