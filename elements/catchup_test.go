package elements

import (
	"slices"
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
	for _, r := range cameraReaders {
		t.Run(r.name, func(t *testing.T) { cameraAheadOfItsChain(t, r.props) })
	}
}

func cameraAheadOfItsChain(t *testing.T, props string) {
	ages, s, log := runCameraInto(t, 100*time.Millisecond, props)
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
	for _, r := range cameraReaders {
		t.Run(r.name, func(t *testing.T) {
			ages, s, log := runCameraInto(t, 0, r.props)
			if len(ages) < 60 || s.Dropped != 0 {
				t.Fatalf("the sink took %d frames in 4 s, the camera dropped %d: want about 100, none dropped\n%s", len(ages), s.Dropped, log)
			}
		})
	}
}

// cameraReaders are the videosrc properties that read the test camera
// with gopline's RTSP reader and with FFmpeg's.
var cameraReaders = []struct{ name, props string }{
	{"gopline's reader", ""},
	{"FFmpeg's reader", "conceal=true"},
}

// runCameraInto runs the test camera, decoded with the videosrc's
// properties props, for 4 s into a sink that takes a frame every period,
// and returns how late each frame came to it, the camera's stats and the
// log.
func runCameraInto(t *testing.T, period time.Duration, props string) ([]time.Duration, pipeline.NodeStats, string) {
	t.Helper()
	cam := rtspCamera(t)
	sink := &lateSink{period: period}
	log := &testlog.Buffer{}
	p, err := pipeline.Parse("videosrc location="+cam.URL()+" name=cam "+props, registry(t), pipeline.WithLogger(zerolog.New(log)))
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

// backlogOf feeds b pictures captured every interval from t0, each taken
// at taken(i) after a reading that waited waited(i), and returns how far
// behind each was.
func backlogOf(b *backlog, n int, interval time.Duration, taken func(int) time.Duration, waited func(int) time.Duration) []time.Duration {
	t0 := time.Unix(1000, 0)
	var behind []time.Duration
	for i := range n {
		capture := t0.Add(time.Duration(i) * interval)
		behind = append(behind, b.behind(t0.Add(taken(i)), capture, waited(i)))
	}
	return behind
}

// A chain that takes a picture every 100 ms of a camera that sends one
// every 40 ms, each read from the backlog without waiting, is behind by
// 60 ms more at each picture, and drops once it is more than 200 ms
// behind.
func TestABacklogGrowsWithAChainSlowerThanItsCamera(t *testing.T) {
	var b backlog
	behind := backlogOf(&b, 10, 40*time.Millisecond,
		func(i int) time.Duration { return time.Duration(i) * 100 * time.Millisecond },
		func(i int) time.Duration {
			if i == 0 {
				return 40 * time.Millisecond
			}
			return 50 * time.Microsecond
		})
	if want := 540 * time.Millisecond; behind[9] != want || !b.newerCame(behind[9]) || b.newerCame(behind[3]) {
		t.Fatalf("behind %v; want 60 ms more a picture, %v at the last, and a newer one come at the last but not at the fourth (180 ms)", behind, want)
	}
}

// Neither a camera's clock running slower than this machine's (its
// pictures taken later and later after their capture times, each read
// waiting for it) nor a stream that comes in bursts (a live HLS
// playlist's 2 s segments, each burst's first reading waiting) is behind.
func TestABacklogIsNeitherDriftNorBursts(t *testing.T) {
	var drift backlog
	behind := backlogOf(&drift, 100, 40*time.Millisecond,
		func(i int) time.Duration { return time.Duration(i) * 41 * time.Millisecond }, // 2.5% slow
		func(int) time.Duration { return 30 * time.Millisecond })
	if slices.Max(behind) > 0 {
		t.Errorf("a drifting camera read as it comes is behind by %v at most; want 0", slices.Max(behind))
	}
	var bursts backlog
	behind = backlogOf(&bursts, 150, 40*time.Millisecond,
		func(i int) time.Duration {
			return time.Duration(i/50)*2*time.Second + 2*time.Second + time.Duration(i%50)*time.Millisecond
		},
		func(i int) time.Duration {
			if i%50 == 0 {
				return 1900 * time.Millisecond
			}
			return 0
		})
	if slices.Max(behind) > 0 {
		t.Errorf("a stream in bursts is behind by %v at most; want 0", slices.Max(behind))
	}
}

// A camera that sends a picture every 5 s (thermal, time-lapse) is not
// dropped for a newer one when its chain takes it 300 ms late: the next is
// seconds away.
func TestASlowCamerasLatePictureIsNotDropped(t *testing.T) {
	var b backlog
	behind := backlogOf(&b, 3, 5*time.Second,
		func(i int) time.Duration {
			return time.Duration(i)*5*time.Second + time.Duration(i)*300*time.Millisecond
		},
		func(i int) time.Duration {
			if i == 0 {
				return time.Second
			}
			return 0
		})
	if behind[1] != 300*time.Millisecond || b.newerCame(behind[1]) {
		t.Fatalf("behind %v; want the second 300 ms behind, and no newer one come", behind)
	}
}
