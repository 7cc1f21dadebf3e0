package actors

import (
	"io"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
)

// TestSrcConfig configures the test-pattern source.
type TestSrcConfig struct {
	Width, Height int
	// Rate is frames per second; with Live it paces the frames.
	Rate float64
	// Frames is how many frames to produce; a negative number, forever.
	Frames int
	// Live paces frames at Rate in real time, as a camera would; otherwise
	// frames go out as fast as the pipeline takes them.
	Live bool
	// Format is the frames' pixel format; the zero value means YUV420P.
	Format media.PixelFormat
}

// TestSrc is a source of the moving test pattern (media/testsrc), frame
// number burned in.
func TestSrc(cfg TestSrcConfig) pipeline.Element {
	if cfg.Format == media.PixelFormatUnknown {
		cfg.Format = media.YUV420P
	}
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
	})
}

type testSrc struct {
	cfg     TestSrcConfig
	pattern *testsrc.Pattern
	pool    *media.FramePool
	env     *pipeline.Env
	start   time.Time
	n       uint64
}

func (s *testSrc) Start(env *pipeline.Env) error { s.env, s.start = env, env.Now(); return nil }
func (s *testSrc) Stop() error                   { return nil }

func (s *testSrc) Next() (*media.Frame, time.Time, error) {
	if s.cfg.Frames >= 0 && s.n >= uint64(s.cfg.Frames) {
		return nil, time.Time{}, io.EOF
	}
	f := s.pool.Get()
	if err := s.pattern.FrameInto(f, s.n); err != nil {
		return nil, time.Time{}, err
	}
	var due time.Time
	if s.cfg.Live {
		due = s.start.Add(time.Duration(float64(s.n) * float64(time.Second) / s.cfg.Rate))
		f.CaptureTime = due
	} else {
		f.CaptureTime = s.env.Now()
	}
	s.n++
	return f, due, nil
}
