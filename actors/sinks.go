package actors

import (
	"fmt"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// FakeSink takes anything and drops it; its node's stats count what came.
func FakeSink() pipeline.Element {
	return pipeline.SinkElement("fakesink", pipeline.Any, func() (pipeline.Sink[media.Item], error) { return nopStage{}, nil })
}

type nopStage struct{}

func (nopStage) Start(*pipeline.Env) error { return nil }
func (nopStage) Stop() error               { return nil }
func (nopStage) Process(v media.Item) error {
	if f, ok := v.(*media.Frame); ok {
		f.Release()
	}
	return nil
}

// Tee hands everything on unchanged; link its output to several nodes to
// branch a stream (any node's output may branch; tee names the point).
func Tee() pipeline.Element {
	return pipeline.ProcessorElement("tee", pipeline.Any, pipeline.Any,
		func() (pipeline.Processor[media.Item, media.Item], error) { return tee{}, nil })
}

type tee struct{}

func (tee) Start(*pipeline.Env) error                         { return nil }
func (tee) Stop() error                                       { return nil }
func (tee) Process(v media.Item, emit func(media.Item)) error { emit(v); return nil }

// Stats takes anything and logs its rate every interval: items/s, kbit/s
// of packets, and the age of the newest item.
func Stats(interval time.Duration) pipeline.Element {
	if interval <= 0 {
		interval = time.Second
	}
	return pipeline.SinkElement("stats", pipeline.Any, func() (pipeline.Sink[media.Item], error) { return &statsSink{interval: interval}, nil })
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
			ev = ev.Dur("age", now.Sub(capture))
		}
		ev.Msg("stats")
		s.since, s.items, s.bits = now, 0, 0
	}
	return nil
}

// SnapshotConfig configures the snapshot sink.
type SnapshotConfig struct {
	Dir string
	// Every writes one picture in Every frames (1: all).
	Every int
	// Format is "png" or "jpeg".
	Format string
}

// Snapshot writes every Nth frame as a PNG or JPEG file named
// NODE-SEQ.png in Dir, created if missing.
func Snapshot(cfg SnapshotConfig) pipeline.Element {
	if cfg.Every < 1 {
		cfg.Every = 1
	}
	return pipeline.SinkElement("snapshot", pipeline.Frames, func() (pipeline.Sink[*media.Frame], error) {
		if cfg.Format != "png" && cfg.Format != "jpeg" {
			return nil, fmt.Errorf("snapshot format %q: want png or jpeg", cfg.Format)
		}
		return &snapshot{cfg: cfg}, nil
	})
}

type snapshot struct {
	cfg SnapshotConfig
	env *pipeline.Env
	n   int
}

func (s *snapshot) Start(env *pipeline.Env) error {
	s.env = env
	if err := os.MkdirAll(s.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("snapshot directory: %w", err)
	}
	return nil
}

func (s *snapshot) Stop() error { return nil }

func (s *snapshot) Process(f *media.Frame) error {
	defer f.Release()
	s.n++
	if (s.n-1)%s.cfg.Every != 0 {
		return nil
	}
	img, err := f.Image()
	if err != nil {
		return err
	}
	path := filepath.Join(s.cfg.Dir, fmt.Sprintf("%s-%06d.%s", s.env.Node, f.Seq, s.cfg.Format))
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
