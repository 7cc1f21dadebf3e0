package elements

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/gopline/gopline/internal/bytesize"
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
	// Window is each topic subscription's queue at the broker
	// (RecordWindow by default). A recorder slower than its topics (a disk
	// slower than they are for longer than its cache lasts) drops whole
	// GOPs there, counted, and never holds the topic back.
	Window int
	// Cache is how many bytes of packets the recorder holds for its writer
	// (DefaultRecordCache; at least 1): the node takes packets while the
	// disk stalls, until the cache is full. See docs/recording.md.
	Cache int64
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
	// Split, when set, splits the recording into files named by SplitPath
	// (see RecordSplit).
	Split RecordSplit
	// Search, when set, adds the topics that appear while the recorder
	// runs (gopline record -a, -e). It makes the recorder one of topics,
	// even with no Topics yet: it then waits for the first to appear.
	Search *RecordSearch

	// beforeWrite, when set, runs before every write (tests: a slow disk).
	beforeWrite func()
}

var recordSpec = pipeline.ElementSpec[RecordConfig]{
	Name: "record", Summary: "record packets into a gopline recording (bbolt)", In: "packets, or nothing with topics=",
	Doc: "Records the topics it subscribes to (topics=/a,/b), each as a stream named after its topic, or its input as stream=NAME. A writer goroutine commits in groups from a cache of cache= bytes, so a disk that stalls loses nothing while the cache lasts; beyond it the recorder drops whole GOPs at the topic, counted, and never holds the topic back. The file is created, or appended to; with max-size-bytes= or max-size-time= the recording is split into numbered files (path robot.gopline: robot_0.gopline, ...), each from a keyframe of every stream.",
	Fields: []pipeline.Field[RecordConfig]{
		pipeline.StringField("path", "", func(c *RecordConfig) *string { return &c.Path }).Required().Doc("recording file"),
		pipeline.TextField("topics", "", parseTopics, func(t []string) string { return strings.Join(t, ",") },
			func(c *RecordConfig) *[]string { return &c.Topics }).Doc("topics to subscribe to and record, comma-separated"),
		pipeline.StringField("stream", "/input", func(c *RecordConfig) *string { return &c.Stream }).
			Doc("stream name for the input when no topics are given"),
		pipeline.IntField("window", RecordWindow, func(c *RecordConfig) *int { return &c.Window }).Range(1, 1024).
			Doc("packets in flight per topic before GOP-aware dropping"),
		pipeline.TextField("cache", bytesize.Format(DefaultRecordCache), parseCacheSize, bytesize.Format,
			func(c *RecordConfig) *int64 { return &c.Cache }).
			Doc("bytes of packets held for the disk's writer (64MiB, 500MB, 1048576): a disk that stalls loses nothing while they last"),
		pipeline.DurationField("flush", DefaultFlushInterval, func(c *RecordConfig) *time.Duration { return &c.FlushInterval }).
			DurationRange(time.Millisecond, time.Minute).Doc("commit at least this often"),
		pipeline.EnumOf("sync", storage.SyncEveryCommit, []storage.SyncPolicy{storage.SyncEveryCommit, storage.SyncNone},
			func(c *RecordConfig) *storage.SyncPolicy { return &c.Sync }).Doc("fsync every group commit, or leave it to the OS"),
		pipeline.TextField("max-bytes", "0", parseRetentionSize, bytesize.Format,
			func(c *RecordConfig) *int64 { return &c.MaxBytes }).
			Doc("retention: payload bytes to keep, whole GOPs (1GiB, 500MB; 0: all)"),
		pipeline.DurationField("max-age", 0, func(c *RecordConfig) *time.Duration { return &c.MaxAge }).
			DurationRange(0, 100*365*24*time.Hour).Doc("retention: age to keep, whole GOPs (0: all)"),
		pipeline.BoolField("overwrite-oldest", false, func(c *RecordConfig) *bool { return &c.OverwriteOldest }).
			Doc("on a full disk, delete the oldest GOPs to make room, as a loop recorder does, instead of dropping new packets"),
		qosField(func(c *RecordConfig) **qos.Profile { return &c.QoS }),
		pipeline.TextField("max-size-bytes", "0", parseSplitSize, bytesize.Format,
			func(c *RecordConfig) *int64 { return &c.Split.MaxBytes }).
			Doc("split into files of about this much payload each (path robot.gopline: robot_0.gopline, robot_1.gopline, ...), each from a keyframe of every stream (0: one file)"),
		pipeline.DurationField("max-size-time", 0, func(c *RecordConfig) *time.Duration { return &c.Split.MaxDuration }).
			DurationRange(0, 100*365*24*time.Hour).Doc("split into files of about this much capture time each, as max-size-bytes (0: one file)"),
	},
	New: func(cfg RecordConfig) (pipeline.Element, error) {
		newRecorder := func() *recorder {
			return &recorder{cfg: cfg, ended: map[string]bool{}, seen: map[string]bool{}, silences: map[string]*Silence{}}
		}
		if len(cfg.Topics) > 0 || cfg.Search != nil {
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

// RecordWindow is a recorder's window at each topic by default, larger
// than a viewer's (transport.DefaultWindow): a topic republished from
// another node starts with that node's cached GOP, tens of packets at
// once, which a recorder must take whole; its cache, not the window, is
// what bounds its memory.
const RecordWindow = 128

// Record records packets into a gopline recording (storage): from topics it
// subscribes to itself, or from its input.
func Record(cfg RecordConfig) pipeline.Element { return recordSpec.Element(cfg) }

// parseCacheSize reads the cache's size: a byte count (internal/bytesize)
// of at least one byte.
func parseCacheSize(s string) (int64, error) {
	return parseByteCount(s, 1, maxRecordCache, "want a byte count of at least 1, such as 64MiB, 500MB or 1048576")
}

// parseRetentionSize reads max-bytes=: a byte count, 0 for no bound.
func parseRetentionSize(s string) (int64, error) {
	return parseByteCount(s, 0, maxRetention, "want a byte count, such as 1GiB, 500MB or 1048576 (0: keep all)")
}

// parseSplitSize reads max-size-bytes=: a byte count, 0 for one file.
func parseSplitSize(s string) (int64, error) {
	return parseByteCount(s, 0, maxRetention, "want a byte count, such as 1GiB, 500MB or 1048576 (0: one file)")
}

// parseByteCount reads a byte count from lo to hi; want says what a
// malformed or too small one should have been.
func parseByteCount(s string, lo, hi int64, want string) (int64, error) {
	n, err := bytesize.Parse(s)
	switch {
	case err != nil || n < lo:
		return 0, errors.New(want)
	case n > hi:
		return 0, fmt.Errorf("at most %s", bytesize.Format(hi))
	}
	return n, nil
}

// maxRetention bounds max-bytes=.
const maxRetention = 1 << 50

// maxRecordCache bounds the cache a line may ask for.
const maxRecordCache = 1 << 40

// recorder is the record stage. Its actor takes packets (deliveries of its
// topics, or its input) into a packetCache, whose writer goroutine appends
// them to the recording: the actor never waits for the disk. Only the
// writer touches the recording once it runs; what it learns comes back in
// the cache's reports, which the actor collects as packets come, on its
// flush timer, and at the end.
type recorder struct {
	cfg   RecordConfig
	env   *pipeline.Env
	cache *packetCache            // nil until Start has opened the recording
	subs  []*transport.Subscriber // one per topic
	ended map[string]bool         // topics whose stream ended
	seen  map[string]bool         // topics a packet came from
	// silences hold, by topic, what its events said, for the warning of a
	// topic that gave nothing.
	silences map[string]*Silence
	// fellBehind rate-limits the line that a topic's subscription fell
	// behind.
	fellBehind lograte.Limiter
	// held are the deliveries taken while the cache was over its budget,
	// whose acknowledgements wait for room: the topic's window fills, and
	// the topic sheds whole GOPs for the recorder alone.
	held     []*transport.Subscriber
	polling  bool // a timer looks for room for the held deliveries
	halted   bool // the subscriptions said farewell
	lost     int64
	giveUpAt time.Time // when a stuck disk has had its share of the stop timeout
	// overwritten is how many GOPs a full disk had cost the oldest part
	// of the recording when the recorder last said so; overwrites limits
	// how often it does.
	overwritten int64
	overwrites  lograte.Limiter
	// created: the recording did not exist before Start made it, so a run
	// that recorded nothing removes it (removeIfEmpty). path is its file
	// (a split recording's first).
	created bool
	path    string
	// The search for topics that appear (RecordSearch): what it may add,
	// and the goroutine that searches.
	admission *topicAdmission
	poller    *topicPoller
	stopping  bool // Halt came: no topic is added any more
}

// overwriteWarnInterval is the shortest time between two warnings of a
// recorder that overwrites its oldest GOPs on a full disk: each warning
// gives the totals.
const overwriteWarnInterval = 30 * time.Second

func (r *recorder) Start(env *pipeline.Env) error {
	r.env = env
	r.fellBehind = lograte.Limiter{Interval: transport.FellBehindLogEvery}
	opts := []storage.Option{storage.WithClock(env.Now), storage.WithSync(r.cfg.Sync)}
	if r.cfg.MaxBytes > 0 || r.cfg.MaxAge > 0 {
		opts = append(opts, storage.WithRetention(r.cfg.MaxBytes, r.cfg.MaxAge))
	}
	if r.cfg.OverwriteOldest {
		opts = append(opts, storage.WithOverwriteOldest())
	}
	r.overwrites = lograte.Limiter{Interval: overwriteWarnInterval}
	_, statErr := os.Stat(r.cfg.Path)
	rec, path, err := openRecording(r.cfg, opts)
	if err != nil {
		return err
	}
	// A split recording's first file is always new (FirstSplitIndex).
	r.path, r.created = path, r.cfg.Split.enabled() || errors.Is(statErr, fs.ErrNotExist)
	for _, topic := range r.cfg.Topics {
		if err := r.follow(topic, ""); err != nil {
			r.closeAll()
			rec.Close()
			r.removeIfEmpty()
			return err
		}
	}
	// From here on the recording is the writer's alone.
	store := newRecordingStore(rec, env.Now, r.cfg.OverwriteOldest)
	store.beforeWrite = r.cfg.beforeWrite
	r.cache = newPacketCache(store, r.cfg.Cache)
	env.After(r.cfg.FlushInterval, r.flushTick)
	r.startSearch()
	return nil
}

// follow subscribes to topic, of the node at remote ("": of this process,
// or of the node found that publishes it), and watches that it is
// published.
func (r *recorder) follow(topic, remote string) error {
	pid, addr, err := topicBroker(r.env, topic, remote)
	if err != nil {
		return err
	}
	sub, err := newTopicSubscriber(r.env, topic, pid, r.cfg.Window, r.cfg.QoS)
	if err != nil {
		return err
	}
	r.subs = append(r.subs, sub)
	silence := &Silence{Topic: topic, Remote: addr}
	r.silences[topic] = silence
	r.env.After(noPublisherWait, func() error {
		if !r.seen[topic] && !r.ended[topic] {
			checkPublished(r.env, *silence)
		}
		return nil
	})
	return nil
}

// Process records the input (sink mode). The input's link is the
// recorder's window: when the cache is over its budget, Process waits for
// the writer to make room, so that a slow disk slows the chain before it
// as any slow stage does (a live camera drops late frames at its source,
// counted), and a file recorded loses nothing. A stopping pipeline ends
// the wait.
func (r *recorder) Process(p *media.Packet) error {
	if !r.cache.Put(r.cfg.Stream, p) {
		select {
		case <-r.cache.Room():
		case <-r.env.Stopping:
		}
	}
	return r.collect()
}

// collect applies what the writer reported since the last time: drops to
// the node's stats, failures and overwrites to the log, and the stage's
// errors as the error it returns.
func (r *recorder) collect() error {
	rep := r.cache.Collect()
	if rep.dropped > 0 {
		r.env.Dropped(rep.dropped)
	}
	r.lost = max(r.lost, rep.lost)
	var errs []error
	for _, o := range rep.notes {
		if o.resumed {
			r.env.Log.Warn().Str("path", r.cfg.Path).Int64("lost", o.lost).Msg("recording resumed: packets are committed again")
		}
		switch {
		case o.failed != nil && o.failing:
			r.env.Log.Error().Err(o.failed).Int64("lost", o.lost).Msg("recording: writes still fail; dropping packets until they succeed")
		case o.failed != nil:
			r.env.Log.Error().Err(o.failed).Int64("lost", o.lost).Msg("recording: writes fail; dropping packets until they succeed")
		}
		for _, path := range o.opened {
			r.env.Log.Info().Str("path", path).Msgf("recording into %s", path)
		}
		if o.overwrittenGOPs > 0 {
			r.noteOverwrites(o.overwrittenGOPs, o.overwrittenBytes)
		}
		if o.err != nil {
			errs = append(errs, o.err)
		}
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return fmt.Errorf("%w (and %d more errors of the recording)", errs[0], len(errs)-1)
}

// noteOverwrites warns, at most every overwriteWarnInterval, that a full
// disk costs the recording its oldest GOPs, with the totals so far.
func (r *recorder) noteOverwrites(gops, bytes int64) {
	if gops == r.overwritten {
		return
	}
	if ok, _ := r.overwrites.Allow(r.env.Now()); ok {
		r.overwritten = gops
		r.env.Log.Warn().Str("path", r.cfg.Path).Int64("gops", gops).Int64("bytes", bytes).
			Msg("recording: the disk is full; overwriting the oldest GOPs to keep recording")
	}
}

// flushTick asks the writer to commit what it holds, collects its report,
// and comes again.
func (r *recorder) flushTick() error {
	r.env.After(r.cfg.FlushInterval, r.flushTick)
	r.cache.RequestFlush()
	return r.collect()
}

// Receive takes topic deliveries. A delivery is acknowledged once it is in
// the cache; while the cache is over its budget the acknowledgements wait
// for room, so a disk slower than the topics for longer than the cache
// lasts fills the topics' windows, and each topic drops whole GOPs for the
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
		r.seen[sub.Topic()] = true
		if r.cache.Put(sub.Topic(), got.Packet) && len(r.held) == 0 {
			sub.Ack()
		} else {
			r.held = append(r.held, sub)
			r.pollHeld()
		}
		return r.collect()
	case got.Event != nil:
		if silence := r.silences[sub.Topic()]; silence != nil {
			silence.heard(got.Event)
		}
		return topicEvent(r.env, got.Event, nil, &r.fellBehind)
	case got.Ended:
		r.ended[sub.Topic()] = true
		r.endHeld(sub)
		if len(r.ended) == len(r.subs) {
			r.env.End()
		}
	}
	return nil
}

// Flush writes and commits everything at end of stream, waiting for the
// disk at most the pipeline's stop timeout. Packets lost to failed writes
// on the way, and packets a stuck disk did not take in time, are the
// stage's error, so that the run says so.
func (r *recorder) Flush() error {
	drained := r.cache.Drain(r.waitLeft())
	err := r.collect()
	if !drained {
		return errors.Join(err, fmt.Errorf("recording %s: the disk did not take everything within the stop timeout (%v): %d packets wait in the cache",
			r.cfg.Path, r.env.StopTimeout, r.cache.Unwritten()))
	}
	r.giveUpAt = time.Time{}
	if err != nil {
		return err
	}
	if r.lost > 0 {
		return fmt.Errorf("recording %s lost %d packets to failed writes (see the errors above)", r.cfg.Path, r.lost)
	}
	return nil
}

// waitLeft is how long the recorder may still wait for its disk: Flush
// and Stop share one stop timeout, counted from the first wait that has
// not ended well.
func (r *recorder) waitLeft() time.Duration {
	now := time.Now()
	if r.giveUpAt.IsZero() {
		r.giveUpAt = now.Add(r.env.StopTimeout)
	}
	return max(r.giveUpAt.Sub(now), 0)
}

// Halt ends the subscriptions when the pipeline stops. Each topic answers
// with the end of its stream after the deliveries already on their way,
// which are recorded. A recorder that still waits for its first topic
// (a search found none) ends at once.
func (r *recorder) Halt() {
	r.stopping = true
	halted := false
	for _, sub := range r.subs {
		halted = sub.Halt() || halted
	}
	r.halted = r.halted || halted
	switch {
	case halted:
		r.env.After(haltGrace(r.env), r.haltTimedOut)
	case len(r.subs) == 0:
		r.env.End()
	}
}

// haltTimedOut ends a halted recorder whose topics did not all answer.
func (r *recorder) haltTimedOut() error {
	r.closeAll()
	r.env.End()
	return nil
}

// Drained does nothing: the recorder acknowledges each delivery once cached.
func (r *recorder) Drained() {}

func (r *recorder) closeAll() {
	for _, sub := range r.subs {
		sub.Close()
	}
	clear(r.held) // a topic that forgot the recorder takes no acknowledgement
	r.held = r.held[:0]
}

// Stop writes what the cache still holds, commits and closes the
// recording, waiting for the disk at most what is left of the stop
// timeout; a disk stuck longer costs the packets still in the cache, which
// the error counts. The writer then closes the recording when the disk
// gives back its call. Nothing is open when Start failed.
func (r *recorder) Stop() error {
	r.stopping = true
	r.stopSearch()
	r.closeAll()
	if r.cache == nil {
		return nil
	}
	closed, unwritten, err := r.cache.Close(r.waitLeft())
	err = errors.Join(err, r.collect())
	if !closed {
		err = errors.Join(err, fmt.Errorf("recording %s: stopped with %d packets not written: the disk took no more within the stop timeout (%v)",
			r.cfg.Path, unwritten, r.env.StopTimeout))
	} else {
		r.removeIfEmpty()
	}
	return err
}

// removeIfEmpty removes the recording when this recorder created it and it
// holds no stream: a run that recorded nothing (its source could not open,
// say) leaves no empty file behind, as ffmpeg writes no output for an
// input it could not read. A recording that was there before is left.
func (r *recorder) removeIfEmpty() {
	if !r.created {
		return
	}
	rec, err := storage.Open(r.path, storage.WithReadOnly())
	if err != nil {
		return
	}
	streams, err := rec.Streams()
	rec.Close()
	if err != nil || len(streams) > 0 {
		return
	}
	if os.Remove(r.path) == nil {
		r.env.Log.Info().Str("path", r.path).Msg("nothing was recorded: the empty recording is removed")
	}
}
