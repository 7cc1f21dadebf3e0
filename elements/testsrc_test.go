package elements

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
)

// A live pattern's clock starts once its first frame has gone on, not
// when its stage starts: the rest of the pipeline may take a while to
// start, and the chain after the source a while to open on its first
// frame; the frames meanwhile would all be late at once.
func TestLiveTestSrcClockStartsOnceItsFirstFrameHasGoneOn(t *testing.T) {
	clock := time.Unix(1000, 0)
	s := startTestSrc(t, TestSrcConfig{Width: 64, Height: 48, Rate: 25, Frames: -1, Live: true}, &clock)
	first := clock.Add(700 * time.Millisecond)  // the pipeline's start
	second := first.Add(300 * time.Millisecond) // the chain's first call
	wants := []time.Time{first, second, second.Add(40 * time.Millisecond), second.Add(80 * time.Millisecond)}
	clock = first
	for i, want := range wants {
		f, due, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !due.Equal(want) || !f.CaptureTime.Equal(want) {
			t.Fatalf("frame %d: due %v, captured %v; want both %v", i, due, f.CaptureTime, want)
		}
		f.Release()
		if i == 0 {
			clock = second
		} else {
			clock = clock.Add(time.Second) // a slow chain later does not move the clock
		}
	}
}

// A pattern that is not live goes as fast as it is taken, but its frames
// are stamped a frame period apart, as gst's videotestsrc is-live=false
// stamps frame n at n/rate: its recording lasts num-frames/rate.
func TestTestSrcNotLiveIsStampedAtItsRate(t *testing.T) {
	clock := time.Unix(1000, 0)
	s := startTestSrc(t, TestSrcConfig{Width: 64, Height: 48, Rate: 10, Frames: 3}, &clock)
	first := clock
	for i := range 3 {
		f, due, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		if want := first.Add(time.Duration(i) * 100 * time.Millisecond); !due.IsZero() || !f.CaptureTime.Equal(want) {
			t.Fatalf("frame %d: due %v, captured %v; want no due time and captured %v", i, due, f.CaptureTime, want)
		}
		f.Release()
		clock = clock.Add(time.Millisecond) // made in a millisecond each
	}
	if _, _, err := s.Next(); err == nil {
		t.Fatal("a fourth frame of three")
	}
}

// startTestSrc starts a test-pattern stage of cfg (4:2:0) whose clock
// reads *clock.
func startTestSrc(t *testing.T, cfg TestSrcConfig, clock *time.Time) *testSrc {
	t.Helper()
	pat, err := testsrc.New(cfg.Width, cfg.Height)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := media.NewFramePool(media.YUV420P, cfg.Width, cfg.Height, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := &testSrc{cfg: cfg, pattern: pat, pool: pool}
	if err := s.Start(&pipeline.Env{Log: zerolog.Nop(), Now: func() time.Time { return *clock }}); err != nil {
		t.Fatal(err)
	}
	return s
}

// Plan gives frames' moments without drawing them; Skip passes over the
// earliest planned, and Next draws the one after with its planned moment.
func TestTestSrcPlansFramesAndSkipsThemUndrawn(t *testing.T) {
	clock := time.Unix(1000, 0)
	s := startTestSrc(t, TestSrcConfig{Width: 320, Height: 240, Rate: 25, Frames: 3, Live: true}, &clock)
	var planned []time.Time
	for range 2 {
		at, err := s.Plan()
		if err != nil {
			t.Fatal(err)
		}
		planned = append(planned, at)
	}
	s.Skip()
	f, due, err := s.Next()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release()
	n, ok := testsrc.ReadFrameNumber(f)
	if !ok {
		t.Fatal("the frame number does not read")
	}
	if n != 1 || !due.Equal(planned[1]) || !f.CaptureTime.Equal(planned[1]) {
		t.Fatalf("after a skip, frame %d due %v; want frame 1 due %v", n, due, planned[1])
	}
	if d := s.drawn.Load(); d != 1 {
		t.Fatalf("%d pictures drawn for one frame made and one skipped", d)
	}
	if _, err := s.Plan(); err != nil {
		t.Fatalf("plan of the third frame of three: %v", err)
	}
	if _, err := s.Plan(); err == nil {
		t.Fatal("a fourth frame of three planned")
	}
}

// slowSink takes a frame in 10 ms, as a consumer slower than its camera,
// and gives it back to its pool.
type slowSink struct{}

func (slowSink) Start(*pipeline.Env) error { return nil }
func (slowSink) Stop() error               { return nil }
func (slowSink) Process(f *media.Frame) error {
	time.Sleep(10 * time.Millisecond)
	f.Release()
	return nil
}

// A live pattern whose downstream is slower than its rate drops frames,
// and draws only the frames that go out: a dropped frame is never drawn.
func TestLiveTestSrcDrawsOnlyTheFramesThatGoOut(t *testing.T) {
	cfg := TestSrcConfig{Width: 320, Height: 240, Rate: 400, Frames: -1, Live: true, Format: media.YUV420P}
	pat, err := testsrc.New(cfg.Width, cfg.Height)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := media.NewFramePool(cfg.Format, cfg.Width, cfg.Height, 0)
	if err != nil {
		t.Fatal(err)
	}
	src := &testSrc{cfg: cfg, pattern: pat, pool: pool}
	p := pipeline.New()
	if err := p.Chain([]string{"cam", "slow"}, []pipeline.Element{
		pipeline.SourceElement("testsrc", pipeline.Frames, func() (pipeline.Source[*media.Frame], error) { return src, nil }),
		pipeline.SinkElement("slow", pipeline.Frames, func() (pipeline.Sink[*media.Frame], error) { return slowSink{}, nil }),
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	cam := p.Stats()[0]
	if cam.Dropped == 0 {
		t.Fatalf("a 400 frames/s camera into a 100 frames/s sink dropped nothing: %+v", cam)
	}
	if drawn := src.drawn.Load(); drawn != cam.Out {
		t.Fatalf("%d pictures drawn for %d frames sent (%d dropped): dropped frames were drawn", drawn, cam.Out, cam.Dropped)
	}
}
