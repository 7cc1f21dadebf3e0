package elements

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// lateSink takes a frame every period, noting how late each came (now
// less its capture time).
type lateSink struct {
	period time.Duration
	mu     sync.Mutex
	ages   []time.Duration
}

func (s *lateSink) Start(*pipeline.Env) error { return nil }
func (s *lateSink) Stop() error               { return nil }
func (s *lateSink) Process(f *media.Frame) error {
	s.mu.Lock()
	s.ages = append(s.ages, time.Since(f.CaptureTime))
	s.mu.Unlock()
	time.Sleep(s.period)
	return nil
}

// A decoded camera whose chain takes its pictures more slowly than they
// come (10 a second of 25) hands on its newest picture, dropping the older
// ones, counted and warned of, instead of a backlog that grows in its
// connection: the pictures stay well under a second late.
func TestACameraAheadOfItsChainHandsOnItsNewestPicture(t *testing.T) {
	ages, s, log := runCameraInto(t, 100*time.Millisecond)
	if len(ages) < 20 {
		t.Fatalf("the sink took %d frames in 4 s, want about 40", len(ages))
	}
	var worst time.Duration
	for _, age := range ages[len(ages)/2:] {
		worst = max(worst, age)
	}
	t.Logf("%d frames taken, the later half at most %v late; %d dropped", len(ages), worst, s.Dropped)
	if worst > time.Second {
		t.Errorf("a frame of the later half came %v late: the camera's backlog grew", worst)
	}
	if s.Dropped == 0 || !strings.Contains(log, "dropping the older, handing on the newest") {
		t.Errorf("camera stats %+v: want the pictures dropped counted and warned of\n%s", s, log)
	}
}

// A chain that keeps up with its camera loses none of its pictures.
func TestACameraItsChainKeepsUpWithDropsNothing(t *testing.T) {
	ages, s, log := runCameraInto(t, 0)
	if len(ages) < 60 || s.Dropped != 0 {
		t.Fatalf("the sink took %d frames in 4 s, the camera dropped %d: want about 100, none dropped\n%s", len(ages), s.Dropped, log)
	}
}

// runCameraInto runs the test camera, decoded, for 4 s into a sink that
// takes a frame every period, and returns how late each frame came to
// it, the camera's stats and the log.
func runCameraInto(t *testing.T, period time.Duration) ([]time.Duration, pipeline.NodeStats, string) {
	t.Helper()
	cam := rtspCamera(t)
	sink := &lateSink{period: period}
	log := &testlog.Buffer{}
	p, err := pipeline.Parse("videosrc location="+cam.URL()+" name=cam", registry(t), pipeline.WithLogger(zerolog.New(log)))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Add("slow", pipeline.SinkElement("slow", pipeline.Frames, func() (pipeline.Sink[*media.Frame], error) { return sink, nil })); err != nil {
		t.Fatal(err)
	}
	if err := p.Link("cam", "slow"); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	return sink.ages, stat(t, p, "cam"), log.String()
}
