package elements

import (
	"io"
	"sync/atomic"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
)

// TestSrcConfig configures the test-pattern source. DefaultTestSrcConfig
// has the defaults; a field left at zero takes its default where zero is
// not a value it accepts (Width, Height, Rate, Format).
type TestSrcConfig struct {
	Width, Height int
	// Rate is frames per second; with Live it paces the frames.
	Rate float64
	// Frames is how many frames to produce; -1, for ever.
	Frames int
	// Live paces frames at Rate in real time, as a camera would; otherwise
	// frames go out as fast as the pipeline takes them.
	Live bool
	// Format is the frames' pixel format.
	Format media.PixelFormat
}

var testSrcSpec = pipeline.ElementSpec[TestSrcConfig]{
	Name: "testsrc", Summary: "moving test pattern with the frame number burned in", Out: "raw frames",
	Doc: "A deterministic moving picture (ramps, colour bars, a bouncing box, fine detail) with the frame number as digits and as a machine-readable code. Live (the default) paces frames at rate in real time like a camera; otherwise they go out as fast as the pipeline takes them.",
	Fields: []pipeline.Field[TestSrcConfig]{
		pipeline.SizeField("size", 640, 480, func(c *TestSrcConfig) (*int, *int) { return &c.Width, &c.Height }).
			Doc("picture size WIDTHxHEIGHT"),
		pipeline.FloatField("rate", 30, func(c *TestSrcConfig) *float64 { return &c.Rate }).Range(0.1, 1000).Unit(pipeline.UnitFrameRate).
			Doc("frames per second"),
		pipeline.IntField("num-frames", -1, func(c *TestSrcConfig) *int { return &c.Frames }).Range(-1, 1<<40).
			Doc("frames to produce, -1 for no end"),
		pipeline.BoolField("is-live", true, func(c *TestSrcConfig) *bool { return &c.Live }).
			Doc("pace frames in real time; otherwise as fast as they are taken, stamped 1/rate apart"),
		formatField(func(c *TestSrcConfig) *media.PixelFormat { return &c.Format }),
	},
	New: func(cfg TestSrcConfig) (pipeline.Element, error) {
		return pipeline.SourceElement("testsrc", pipeline.Frames, func() (pipeline.Source[*media.Frame], error) {
			pat, err := testsrc.New(cfg.Width, cfg.Height, testsrc.WithFormat(cfg.Format))
			if err != nil {
				return nil, err
			}
			pool, err := media.NewFramePool(cfg.Format, cfg.Width, cfg.Height, 0)
			if err != nil {
				return nil, err
			}
			return &testSrc{cfg: cfg, pattern: pat, pool: pool}, nil
		}), nil
	},
}

// DefaultTestSrcConfig returns the test-pattern source's defaults.
func DefaultTestSrcConfig() TestSrcConfig { return testSrcSpec.Defaults() }

// TestSrc is a source of the moving test pattern (media/testsrc), frame
// number burned in. A config the spec refuses (a NaN rate) makes a node that
// fails to start, naming the property.
func TestSrc(cfg TestSrcConfig) pipeline.Element { return testSrcSpec.Element(cfg) }

type testSrc struct {
	cfg     TestSrcConfig
	pattern *testsrc.Pattern
	pool    *media.FramePool
	env     *pipeline.Env
	start   time.Time     // frame 0's moment
	n       uint64        // the next frame to make or skip
	planned uint64        // frames from n on whose moments Plan gave
	drawn   atomic.Uint64 // pictures drawn, for tests
}

func (s *testSrc) Start(env *pipeline.Env) error { s.env = env; return nil }
func (s *testSrc) Stop() error                   { return nil }

// Plan gives the moment of the next frame not yet planned, without drawing
// it (pipeline.Planner): a live source whose downstream is busy at that
// moment skips the frame, and draws only those that go out.
func (s *testSrc) Plan() (time.Time, error) {
	k := s.n + s.planned
	if s.cfg.Frames >= 0 && k >= uint64(s.cfg.Frames) {
		return time.Time{}, io.EOF
	}
	at := s.moment(k)
	s.planned++
	if !s.cfg.Live {
		return time.Time{}, nil
	}
	return at, nil
}

// Skip passes over the earliest planned frame, undrawn.
func (s *testSrc) Skip() {
	if s.planned > 0 {
		s.planned--
	}
	s.n++
}

func (s *testSrc) Next() (*media.Frame, time.Time, error) {
	if s.cfg.Frames >= 0 && s.n >= uint64(s.cfg.Frames) {
		return nil, time.Time{}, io.EOF
	}
	if s.planned > 0 {
		s.planned--
	} else {
		s.moment(s.n)
	}
	f := s.pool.Get()
	if err := s.pattern.FrameInto(f, s.n); err != nil {
		return nil, time.Time{}, err
	}
	s.drawn.Add(1)
	f.CaptureTime = s.start.Add(time.Duration(float64(s.n) * float64(time.Second) / s.cfg.Rate))
	var due time.Time
	if s.cfg.Live {
		due = f.CaptureTime
	}
	s.n++
	return f, due, nil
}

// moment is frame k's moment, asked in order of k, once per frame.
//
// Live, the clock starts once the first frame has gone on: not when the
// stage starts, while the rest of the pipeline is still starting, and not
// before the first frame has prerolled the chain after it (an encoder opens
// on its first picture, which can take a few frames' time while other
// cameras' encoders open too); frame 1 is due when it is asked for, if the
// chain took longer than a frame.
//
// Not live, frames go as fast as the pipeline takes them, but stamped a
// frame period apart from the first, as gst's videotestsrc is-live=false
// stamps frame n at n/rate: a recording of it lasts num-frames/rate, and
// an encoder's bitrate holds.
func (s *testSrc) moment(k uint64) time.Time {
	switch {
	case k == 0:
		s.start = s.env.Now()
	case k == 1 && s.cfg.Live:
		if late := s.env.Now().Add(-time.Duration(float64(time.Second) / s.cfg.Rate)); late.After(s.start) {
			s.start = late
		}
	}
	return s.start.Add(time.Duration(float64(k) * float64(time.Second) / s.cfg.Rate))
}
