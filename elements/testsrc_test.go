package elements

import (
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
