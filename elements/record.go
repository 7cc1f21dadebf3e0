package elements

import (
	"strings"
	"time"

	"github.com/gopline/gopline/internal/bytesize"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/storage"
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
	// (storage.WithOverwriteOldest); a split recording's oldest files go
	// first, whole.
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
	// Duration, when positive, is how much capture time of each stream is
	// recorded, from its first packet on, as ffmpeg's -t: a packet
	// captured that long or more after its stream's first is left out. A
	// recorder that joins a durable topic late starts at the cached GOP's
	// keyframe, captured before it joined.
	Duration time.Duration

	// beforeWrite, when set, runs before every write (tests: a slow disk).
	beforeWrite func()
}

var recordSpec = pipeline.ElementSpec[RecordConfig]{
	Name: "record", Summary: "record packets into a gopline recording (bbolt)", In: "packets, or nothing with topics=",
	Doc: "Records the topics it subscribes to (topics=/a,/b), each as a stream named after its topic, or its input as stream=NAME. A writer goroutine commits in groups from a cache of cache= bytes, so a disk that stalls loses nothing while the cache lasts; beyond it the recorder drops whole GOPs at the topic, counted, and never holds the topic back. The file is created, or appended to; with max-size-bytes= or max-size-time= the recording is split into numbered files (path robot.gopline: robot_0.gopline, ...), each from a keyframe of every stream. A stream whose format changes (a camera's new picture size) goes on in the next file from the keyframe that brings it (path cam.gopline: cam_1.gopline, cam_2.gopline, ...; split: the next number), said in the log; a later run to cam.gopline appends to the last of those files, so they stay in the order of time.",
	Fields: []pipeline.Field[RecordConfig]{
		pipeline.StringField("path", "", func(c *RecordConfig) *string { return &c.Path }).Required().Check(storage.CheckName).
			Doc("recording file (a bbolt file: not named .mp4, .mkv, .mcap or as another video; gopline export writes those)"),
		pipeline.TextField("topics", "", parseTopics, func(t []string) string { return strings.Join(t, ",") },
			func(c *RecordConfig) *[]string { return &c.Topics }).Normalize(rootTopicList).
			Doc("topics to subscribe to and record, comma-separated (camera is /camera)"),
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
			Doc("on a full disk, delete the oldest GOPs to make room, as a loop recorder does, instead of dropping new packets (split: the set's oldest files first)"),
		qosField(func(c *RecordConfig) **qos.Profile { return &c.QoS }),
		pipeline.TextField("max-size-bytes", "0", parseSplitSize, bytesize.Format,
			func(c *RecordConfig) *int64 { return &c.Split.MaxBytes }).
			Doc("split into files of about this much payload each (path robot.gopline: robot_0.gopline, robot_1.gopline, ...), each from a keyframe of every stream (0: one file)"),
		pipeline.DurationField("max-size-time", 0, func(c *RecordConfig) *time.Duration { return &c.Split.MaxDuration }).
			DurationRange(0, 100*365*24*time.Hour).Doc("split into files of about this much capture time each, as max-size-bytes (0: one file)"),
		pipeline.DurationField("duration", 0, func(c *RecordConfig) *time.Duration { return &c.Duration }).
			DurationRange(0, 100*365*24*time.Hour).Doc("record this much capture time of each stream from its first packet, as ffmpeg's -t; later packets are left out (0: all)"),
	},
	New: func(cfg RecordConfig) (pipeline.Element, error) {
		newRecorder := func() *recorder {
			return &recorder{cfg: cfg, ended: map[string]bool{}, seen: map[string]bool{}, silences: map[string]*Silence{},
				lengths: recordLengths{limit: cfg.Duration}}
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
