package elements

import (
	"fmt"
	"image/jpeg"
	"image/png"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

var fakeSinkSpec = pipeline.ElementSpec[struct{}]{
	Name: "fakesink", Summary: "takes anything and drops it", In: "anything",
	New: func(struct{}) (pipeline.Element, error) {
		return pipeline.SinkElement("fakesink", pipeline.Any, func() (pipeline.Sink[media.Item], error) { return nopStage{}, nil }), nil
	},
}

// FakeSink takes anything and drops it; its node's stats count what came.
func FakeSink() pipeline.Element { return fakeSinkSpec.Element(struct{}{}) }

type nopStage struct{}

func (nopStage) Start(*pipeline.Env) error { return nil }
func (nopStage) Stop() error               { return nil }
func (nopStage) Process(v media.Item) error {
	if f, ok := v.(*media.Frame); ok {
		f.Release()
	}
	return nil
}

var teeSpec = pipeline.ElementSpec[struct{}]{
	Name: "tee", Summary: "branch point: hands everything on", In: "anything", Out: "the same",
	Doc: "Name it (tee name=t) and start other chains from it (t. ! ...). Branches share the stream; the slowest sets the pace, so put a topic between a live source and a slow consumer.",
	New: func(struct{}) (pipeline.Element, error) {
		return pipeline.ProcessorElement("tee", pipeline.Any, pipeline.Any,
			func() (pipeline.Processor[media.Item, media.Item], error) { return tee{}, nil }), nil
	},
}

// QueueConfig configures a queue.
type QueueConfig struct {
	// Size is how many items the queue holds that the chain after it has
	// not yet handed on; 0 takes pipeline.DefaultWindow.
	Size int
}

var queueSpec = pipeline.ElementSpec[QueueConfig]{
	Name: "queue", Summary: "thread boundary: the chain after it runs on a goroutine of its own", In: "anything", Out: "the same",
	Doc: "A chain of nodes runs in its source's goroutine, each stage in the call of the one before, as GStreamer's elements do without a queue. " +
		"A queue starts a goroutine: put one between a live source and a slow stage, so that the source drops frames for newer ones " +
		"instead of waiting inside the slow stage's calls, and the two sides run on two cores. Branches (t. ! ...) and topics start goroutines of their own.",
	Fields: []pipeline.Field[QueueConfig]{
		pipeline.IntField("max-size-buffers", pipeline.DefaultWindow, func(c *QueueConfig) *int { return &c.Size }).Range(1, 1024).
			Doc("items it holds that the chain after it has not yet handed on"),
	},
	New: func(c QueueConfig) (pipeline.Element, error) { return pipeline.Queue(c.Size), nil },
}

// Queue is a thread boundary (see pipeline.Queue).
func Queue(c QueueConfig) (pipeline.Element, error) { return queueSpec.Make(c) }

// Tee hands everything on unchanged; link its output to several nodes to
// branch a stream (any node's output may branch; tee names the point).
func Tee() pipeline.Element { return teeSpec.Element(struct{}{}) }

type tee struct{}

func (tee) Start(*pipeline.Env) error                         { return nil }
func (tee) Stop() error                                       { return nil }
func (tee) Process(v media.Item, emit func(media.Item)) error { emit(v); return nil }

// StatsConfig configures the stats sink.
type StatsConfig struct {
	// Interval is how often it logs; zero takes the default, a second.
	Interval time.Duration
}

var statsSpec = pipeline.ElementSpec[StatsConfig]{
	Name: "stats", Summary: "logs rate, bitrate and age", In: "anything",
	Fields: []pipeline.Field[StatsConfig]{
		pipeline.DurationField("interval", time.Second, func(c *StatsConfig) *time.Duration { return &c.Interval }).
			DurationRange(time.Millisecond, time.Hour).Doc("how often to log"),
	},
	New: func(cfg StatsConfig) (pipeline.Element, error) {
		return pipeline.SinkElement("stats", pipeline.Any,
			func() (pipeline.Sink[media.Item], error) { return &statsSink{interval: cfg.Interval}, nil }), nil
	},
}

// Stats takes anything and logs its rate every interval (0: a second):
// items/s, kbit/s of packets, and the age of the newest item.
func Stats(interval time.Duration) pipeline.Element {
	return statsSpec.Element(StatsConfig{Interval: interval})
}

type statsSink struct {
	interval    time.Duration
	env         *pipeline.Env
	since       time.Time
	items, bits uint64
}

func (s *statsSink) Start(env *pipeline.Env) error { s.env, s.since = env, env.Now(); return nil }
func (s *statsSink) Stop() error                   { return nil }

func (s *statsSink) Process(v media.Item) error {
	s.items++
	var capture time.Time
	switch it := v.(type) {
	case *media.Packet:
		s.bits += 8 * uint64(len(it.Data))
		capture = it.CaptureTime
	case *media.Frame:
		capture = it.CaptureTime
		it.Release()
	}
	now := s.env.Now()
	if el := now.Sub(s.since); el >= s.interval {
		ev := s.env.Log.Info().Float64("fps", float64(s.items)/el.Seconds())
		if s.bits > 0 {
			ev = ev.Float64("kbit_s", float64(s.bits)/el.Seconds()/1000)
		}
		if !capture.IsZero() {
			ev = logAge(ev, now, capture)
		}
		ev.Msg("stats")
		s.since, s.items, s.bits = now, 0, 0
	}
	return nil
}

// logAge adds how old the newest item, captured at capture, is at now.
// Capture times are on the stream's own timeline, mapped to the clock once
// when the source opened: a file read faster than real time runs ahead of
// that clock, and then how far ahead is logged ("ahead"), never a negative
// age.
func logAge(ev *zerolog.Event, now, capture time.Time) *zerolog.Event {
	if d := now.Sub(capture); d >= 0 {
		return ev.Stringer("age", d)
	}
	return ev.Stringer("age", time.Duration(0)).Stringer("ahead", capture.Sub(now))
}

// SnapshotConfig configures the snapshot sink. DefaultSnapshotConfig has
// the defaults; a field left at zero takes its default (every field's zero
// is a value it does not accept).
type SnapshotConfig struct {
	Dir string
	// Every writes one picture in Every frames (1: all).
	Every int
	// Format is "png" or "jpeg".
	Format string
}

var snapshotSpec = pipeline.ElementSpec[SnapshotConfig]{
	Name: "snapshot", Summary: "writes every Nth frame as PNG or JPEG", In: "raw frames",
	Doc: "Writes DIR/NODE-SEQ.png (or .jpeg), creating DIR, SEQ the frame's number. It never writes over a file: the frames of a new stream (a camera that reconnected, whose frames are numbered again from 0) go to DIR/NODE-streamK-SEQ.png, K counting the streams, and a run whose DIR holds the node's files of an earlier run counts its streams on from theirs.",
	Fields: []pipeline.Field[SnapshotConfig]{
		pipeline.StringField("dir", "snapshots", func(c *SnapshotConfig) *string { return &c.Dir }).Doc("output directory"),
		pipeline.IntField("every", 30, func(c *SnapshotConfig) *int { return &c.Every }).Range(1, 1<<30).
			Doc("write one frame in every N"),
		pipeline.EnumField("format", "png", []string{"png", "jpeg"}, func(c *SnapshotConfig) *string { return &c.Format }).
			Doc("file format"),
	},
	New: func(cfg SnapshotConfig) (pipeline.Element, error) {
		return pipeline.SinkElement("snapshot", pipeline.Frames,
			func() (pipeline.Sink[*media.Frame], error) { return &snapshot{cfg: cfg}, nil }), nil
	},
}

// DefaultSnapshotConfig returns the snapshot sink's defaults.
func DefaultSnapshotConfig() SnapshotConfig { return snapshotSpec.Defaults() }

// Snapshot writes every Nth frame as a PNG or JPEG file named
// NODE-SEQ.png in Dir, created if missing; the frames of a later stream,
// numbered again (a camera that reconnected), and those of a run after
// another in the same Dir go to NODE-streamK-SEQ.png, so that no file is
// written over (see snapshotNames).
func Snapshot(cfg SnapshotConfig) pipeline.Element { return snapshotSpec.Element(cfg) }

type snapshot struct {
	cfg   SnapshotConfig
	env   *pipeline.Env
	n     int
	names *snapshotNames
}

func (s *snapshot) Start(env *pipeline.Env) error {
	s.env = env
	if err := os.MkdirAll(s.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("snapshot directory: %w", err)
	}
	names, earlier, err := newSnapshotNames(s.cfg.Dir, env.Node, s.cfg.Format)
	if err != nil {
		return err
	}
	if earlier > 0 {
		env.Log.Info().Str("dir", s.cfg.Dir).Int("streams", earlier).
			Msgf("the directory holds snapshots of an earlier run: this run's are named %s-stream%d-SEQ.%s on", env.Node, earlier+1, s.cfg.Format)
	}
	s.names = names
	return nil
}

func (s *snapshot) Stop() error { return nil }

func (s *snapshot) Process(f *media.Frame) error {
	defer f.Release()
	s.n++
	s.names.frame(f.Seq)
	if (s.n-1)%s.cfg.Every != 0 {
		return nil
	}
	img, err := f.Image()
	if err != nil {
		return err
	}
	path := s.names.path(f.Seq)
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("snapshot %s: the file exists (written since the run started): not writing over it", path)
	}
	tmp := path + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if s.cfg.Format == "png" {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(out, img)
	} else {
		err = jpeg.Encode(out, img, &jpeg.Options{Quality: 90})
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("snapshot %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}
