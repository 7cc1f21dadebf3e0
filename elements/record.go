package elements

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport"
)

// DefaultFlushInterval is how often the recorder commits what it has when
// packets come slowly: a crash loses at most this much of a quiet stream.
const DefaultFlushInterval = 250 * time.Millisecond

// RecordConfig configures the recorder. DefaultRecordConfig has the
// defaults; a field left at zero takes its default where zero is not a
// value it accepts (Stream, Window, FlushInterval).
type RecordConfig struct {
	// Path is the recording file, created or appended to.
	Path string
	// Topics are subscribed to and recorded, each as a stream named after
	// the topic. With no topics the recorder is a sink that records its
	// input as Stream.
	Topics []string
	Stream string
	// Window is each topic subscription's queue at the broker. A recorder
	// slower than its topics (a slow disk) drops whole GOPs there, counted,
	// and never holds the topic back.
	Window int
	// FlushInterval bounds how long a packet waits before its commit.
	FlushInterval time.Duration
	Sync          storage.SyncPolicy
	// MaxBytes and MaxAge bound the recording (0: unbounded); whole GOPs go,
	// oldest first.
	MaxBytes int64
	MaxAge   time.Duration
	// OverwriteOldest makes a full disk cost the recording its oldest GOPs
	// instead of its newest packets, as a loop recorder does
	// (storage.WithOverwriteOldest).
	OverwriteOldest bool
	// QoS is the request of the topic subscriptions; nil takes what each
	// topic offers. On a durable topic the recording then begins with the
	// cached GOP, so it decodes from its first packet.
	QoS *qos.Profile

	// beforeWrite, when set, runs before every write (tests: a slow disk).
	beforeWrite func()
}

var recordSpec = pipeline.ElementSpec[RecordConfig]{
	Name: "record", Summary: "record packets into a gopline recording (bbolt)", In: "packets, or nothing with topics=",
	Doc: "Records the topics it subscribes to (topics=/a,/b), each as a stream named after its topic, or its input as stream=NAME. Commits in groups; a recorder slower than its topics drops whole GOPs at the topic, counted, and never holds the topic back. The file is created, or appended to.",
	Fields: []pipeline.Field[RecordConfig]{
		pipeline.StringField("path", "", func(c *RecordConfig) *string { return &c.Path }).Required().Doc("recording file"),
		pipeline.TextField("topics", "", parseTopics, func(t []string) string { return strings.Join(t, ",") },
			func(c *RecordConfig) *[]string { return &c.Topics }).Doc("topics to subscribe to and record, comma-separated"),
		pipeline.StringField("stream", "/input", func(c *RecordConfig) *string { return &c.Stream }).
			Doc("stream name for the input when no topics are given"),
		windowField(func(c *RecordConfig) *int { return &c.Window }).Doc("packets in flight per topic before GOP-aware dropping"),
		pipeline.DurationField("flush", DefaultFlushInterval, func(c *RecordConfig) *time.Duration { return &c.FlushInterval }).
			DurationRange(time.Millisecond, time.Minute).Doc("commit at least this often"),
		pipeline.EnumOf("sync", storage.SyncEveryCommit, []storage.SyncPolicy{storage.SyncEveryCommit, storage.SyncNone},
			func(c *RecordConfig) *storage.SyncPolicy { return &c.Sync }).Doc("fsync every group commit, or leave it to the OS"),
		pipeline.IntField("max-bytes", 0, func(c *RecordConfig) *int64 { return &c.MaxBytes }).Range(0, 1<<50).
			Doc("retention: payload bytes to keep, whole GOPs (0: all)"),
		pipeline.DurationField("max-age", 0, func(c *RecordConfig) *time.Duration { return &c.MaxAge }).
			DurationRange(0, 100*365*24*time.Hour).Doc("retention: age to keep, whole GOPs (0: all)"),
		pipeline.BoolField("overwrite-oldest", false, func(c *RecordConfig) *bool { return &c.OverwriteOldest }).
			Doc("on a full disk, delete the oldest GOPs to make room, as a loop recorder does, instead of dropping new packets"),
		qosField(func(c *RecordConfig) **qos.Profile { return &c.QoS }),
	},
	New: func(cfg RecordConfig) (pipeline.Element, error) {
		newRecorder := func() *recorder { return &recorder{cfg: cfg, ended: map[string]bool{}, streams: map[string]bool{}} }
		if len(cfg.Topics) > 0 {
			return pipeline.PushSourceElement("record", pipeline.None,
				func() (pipeline.PushSource[*media.Packet], error) { return newRecorder(), nil }), nil
		}
		return pipeline.SinkElement("record", pipeline.Packets(media.CodecUnknown),
			func() (pipeline.Sink[*media.Packet], error) { return newRecorder(), nil }), nil
	},
}

// DefaultRecordConfig returns the recorder's defaults (Path is for the
// caller).
func DefaultRecordConfig() RecordConfig { return recordSpec.Defaults() }

// Record records packets into a gopline recording (storage): from topics it
// subscribes to itself, or from its input.
func Record(cfg RecordConfig) pipeline.Element { return recordSpec.Element(cfg) }

type recorder struct {
	cfg     RecordConfig
	env     *pipeline.Env
	rec     *storage.Recording
	subs    []*transport.Subscriber // one per topic
	ended   map[string]bool         // topics whose stream ended
	streams map[string]bool
	failing bool // writes fail: see stored
	// overwritten is how many GOPs a full disk had cost the oldest part
	// of the recording when the recorder last said so; overwrites limits
	// how often it does.
	overwritten int64
	overwrites  lograte.Limiter
}

// overwriteWarnInterval is the shortest time between two warnings of a
// recorder that overwrites its oldest GOPs on a full disk: each warning
// gives the totals.
const overwriteWarnInterval = 30 * time.Second

func (r *recorder) Start(env *pipeline.Env) error {
	r.env = env
	opts := []storage.Option{storage.WithClock(env.Now), storage.WithSync(r.cfg.Sync)}
	if r.cfg.MaxBytes > 0 || r.cfg.MaxAge > 0 {
		opts = append(opts, storage.WithRetention(r.cfg.MaxBytes, r.cfg.MaxAge))
	}
	if r.cfg.OverwriteOldest {
		opts = append(opts, storage.WithOverwriteOldest())
	}
	r.overwrites = lograte.Limiter{Interval: overwriteWarnInterval}
	var err error
	if r.rec, err = storage.Open(r.cfg.Path, opts...); err != nil {
		return err
	}
	for _, topic := range r.cfg.Topics {
		pid, addr, err := topicBroker(env, topic, "")
		if err == nil {
			var sub *transport.Subscriber
			sub, err = newTopicSubscriber(env, topic, pid, r.cfg.Window, r.cfg.QoS)
			r.subs = append(r.subs, sub)
		}
		if err != nil {
			r.closeAll()
			r.rec.Close()
			return err
		}
		env.After(noPublisherWait, func() error {
			if !r.streams[topic] && !r.ended[topic] {
				checkPublished(env, topic, addr)
			}
			return nil
		})
	}
	env.After(r.cfg.FlushInterval, r.flushTick)
	return nil
}

// write stores one packet, creating its stream on first sight.
func (r *recorder) write(stream string, p *media.Packet) error {
	if r.cfg.beforeWrite != nil {
		r.cfg.beforeWrite()
	}
	if !r.streams[stream] {
		err := r.rec.CreateStream(storage.StreamInfo{Name: stream, Codec: p.Codec, Width: p.Width, Height: p.Height,
			Format: p.Format, Created: r.env.Now(), Source: "gopline record"})
		switch {
		case errors.Is(err, storage.ErrDiskFull) || errors.Is(err, storage.ErrWriteFailed):
			r.env.Dropped(1) // the stream is made with a later packet
			return nil
		case err != nil && !errors.Is(err, storage.ErrStreamExists):
			return err
		}
		r.streams[stream] = true
	}
	return r.stored(r.rec.Append(stream, p))
}

// stored judges what storage answered to an append or a commit. A delta it
// cannot chain to its keyframe (after a drop), or one it already has, is
// counted and skipped. A write that failed (a full disk, an I/O error) is
// counted, reported once when the failure begins and again when recording
// resumes, and left behind: storage tries again with each stream's next
// keyframe. Only a failure storage does not recover from, and a packet of
// another format than its stream's, are the stage's errors.
func (r *recorder) stored(err error) error {
	var werr *storage.WriteError
	switch {
	case err == nil:
		if r.failing {
			r.failing = false
			r.env.Log.Warn().Str("path", r.cfg.Path).Int64("lost", r.rec.Lost()).Msg("recording resumed")
		}
		r.noteOverwrites()
		return nil
	case errors.Is(err, storage.ErrNeedKeyframe) || errors.Is(err, storage.ErrDuplicate):
		r.env.Dropped(1)
		return nil
	case errors.As(err, &werr) && !werr.Retry.IsZero():
		r.env.Dropped(werr.Dropped)
		if werr.First {
			r.failing = true
			r.env.Log.Error().Err(err).Msg("recording: writes fail; dropping packets until they succeed")
		}
		return nil
	}
	return err
}

// noteOverwrites warns, at most every overwriteWarnInterval, that a full
// disk costs the recording its oldest GOPs, with the totals so far.
func (r *recorder) noteOverwrites() {
	if !r.cfg.OverwriteOldest {
		return // nothing is overwritten: no lock taken per packet for it
	}
	gops, bytes := r.rec.Overwritten()
	if gops == r.overwritten {
		return
	}
	if ok, _ := r.overwrites.Allow(r.env.Now()); ok {
		r.overwritten = gops
		r.env.Log.Warn().Str("path", r.cfg.Path).Int64("gops", gops).Int64("bytes", bytes).
			Msg("recording: the disk is full; overwriting the oldest GOPs to keep recording")
	}
}

// Process records the input (sink mode).
func (r *recorder) Process(p *media.Packet) error { return r.write(r.cfg.Stream, p) }

// flushTick commits what the recorder holds, and comes again.
func (r *recorder) flushTick() error {
	r.env.After(r.cfg.FlushInterval, r.flushTick)
	return r.stored(r.rec.Flush())
}

// Receive takes topic deliveries. A delivery is acknowledged once written,
// so a slow disk fills the topic's window and the topic drops GOPs for the
// recorder alone.
func (r *recorder) Receive(msg any, _ func(*media.Packet)) (bool, error) {
	for _, sub := range r.subs {
		if got, ok := sub.Handle(msg); ok {
			return true, r.received(sub, got)
		}
	}
	return false, nil
}

// received records what one topic's message means.
func (r *recorder) received(sub *transport.Subscriber, got transport.Received) error {
	if got.Dropped > 0 {
		r.env.Dropped(int(got.Dropped))
	}
	switch {
	case got.Packet != nil:
		r.env.Received(1)
		err := r.write(sub.Topic(), got.Packet)
		sub.Ack()
		if err != nil {
			return fmt.Errorf("recording %s: %w", sub.Topic(), err)
		}
	case got.Event != nil:
		return topicEvent(r.env, got.Event, nil)
	case got.Ended:
		r.ended[sub.Topic()] = true
		if len(r.ended) == len(r.subs) {
			r.env.End()
		}
	}
	return nil
}

// Flush commits everything at end of stream. Packets lost to failed
// writes on the way are the stage's error, so that the run says so.
func (r *recorder) Flush() error {
	if err := r.stored(r.rec.Flush()); err != nil {
		return err
	}
	if lost := r.rec.Lost(); lost > 0 {
		return fmt.Errorf("recording %s lost %d packets to failed writes (see the errors above)", r.cfg.Path, lost)
	}
	return nil
}

// Halt ends the subscriptions when the pipeline stops. Each topic answers
// with the end of its stream after the deliveries already on their way,
// which are recorded.
func (r *recorder) Halt() {
	halted := false
	for _, sub := range r.subs {
		halted = sub.Halt() || halted
	}
	if halted {
		r.env.After(haltGrace(r.env), r.haltTimedOut)
	}
}

// haltTimedOut ends a halted recorder whose topics did not all answer.
func (r *recorder) haltTimedOut() error {
	r.closeAll()
	r.env.End()
	return nil
}

// Drained does nothing: the recorder acknowledges each delivery once written.
func (r *recorder) Drained() {}

func (r *recorder) closeAll() {
	for _, sub := range r.subs {
		sub.Close()
	}
}

// Stop commits and closes the recording (none is open when Start failed).
func (r *recorder) Stop() error {
	r.closeAll()
	if r.rec == nil {
		return nil
	}
	return r.rec.Close()
}
