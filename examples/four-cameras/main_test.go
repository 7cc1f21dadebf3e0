package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/storage"
)

var (
	benchDuration = flag.Duration("four-cameras.duration", 10*time.Second, "how long BenchmarkFourCameras runs the robot (60s for the record)")
	benchRSSEvery = flag.Duration("four-cameras.rss-every", 10*time.Second, "how often BenchmarkFourCameras reads the RSS")
	benchGOGC     = flag.Int("four-cameras.gogc", defaultConfig().GCPercent, "the Go collector's GOGC for BenchmarkFourCameras (0: the runtime's own)")
	benchRounds   = flag.Int("four-cameras.rounds", 3, "paired rounds of BenchmarkFourCameras after its main run")
)

// The robot runs at a small size: every camera's frames are encoded,
// published, decoded by both viewers and recorded into one file of four
// streams, and the report has the RSS readings and the bare comparison.
func TestFourCamerasRunBriefly(t *testing.T) {
	cfg := defaultConfig()
	cfg.Width, cfg.Height, cfg.Duration, cfg.RSSEvery = 160, 96, 2*time.Second, 500*time.Millisecond
	cfg.Rounds, cfg.RoundLength = 2, 500*time.Millisecond
	dir := t.TempDir()
	cfg.Recording = filepath.Join(dir, "robot.gopline")
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	rep, err := run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := rep.write(&out); err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Cameras {
		// How many frames a loaded machine encodes in 2 s is the
		// benchmark's to report; here every stage must carry them.
		if c.Encoded == 0 || c.Published != c.Encoded || c.Errors != 0 || len(c.Decoded) != cfg.Viewers {
			t.Errorf("camera %d: %+v: want frames encoded, all published, no error, a count per viewer", c.Camera, c)
		}
		for v, d := range c.Decoded {
			if d == 0 {
				t.Errorf("viewer %d decoded nothing of camera %d", v, c.Camera)
			}
		}
	}
	if len(rep.RSS) < 3 || rep.RSS[0].Bytes == 0 || rep.RSS[0].Anon == 0 || rep.RSS[0].Anon > rep.RSS[0].Bytes {
		t.Errorf("RSS readings %v: want one at the start, every 0.5 s and at the end", rep.RSS)
	}
	if rep.CPU <= 0 || rep.MachineBusy <= 0 || rep.Bare.Frames == 0 || rep.Bare.Encode <= 0 || rep.Bare.Decode <= 0 {
		t.Errorf("CPU %v, the machine's %v, bare %+v: want all measured", rep.CPU, rep.MachineBusy, rep.Bare)
	}
	// The steady window leaves the warm-up out, and the same work runs as
	// many frames a camera as the robot's cameras encoded in it.
	if rep.Steady.Frames == 0 || rep.Steady.Frames >= rep.encoded() || rep.Steady.CPU <= 0 || rep.Steady.CPU >= rep.CPU {
		t.Errorf("steady window %+v of %d frames, %v CPU: want a part of the run, measured", rep.Steady, rep.encoded(), rep.CPU)
	}
	var dropped uint64
	for _, c := range rep.Cameras {
		dropped += c.SourceDropped
	}
	if rep.Steady.Dropped > dropped {
		t.Errorf("%d frames dropped at the sources after the warm-up, of %d in all", rep.Steady.Dropped, dropped)
	}
	if len(rep.Rounds) != cfg.Rounds || slices.Contains(rep.Rounds, 0) || rep.PairedRatio() <= 0 {
		t.Errorf("paired rounds %v, median %v: want %d ratios, each measured", rep.Rounds, rep.PairedRatio(), cfg.Rounds)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.round*")); len(left) != 0 {
		t.Errorf("the rounds left their recordings: %v", left)
	}
	if want := max(rep.Steady.Frames/Cameras, 1) * Cameras; rep.Same.Frames != want || rep.Same.CPU <= 0 ||
		rep.Same.Encode <= 0 || rep.Same.Decode <= 0 || rep.Same.Source <= 0 || rep.SameWorkRatio() <= 0 {
		t.Errorf("same work %+v: want %d frames, every step measured", rep.Same, want)
	}
	for _, want := range []string{"dropped at source", "RSS (anonymous + file-backed; of anonymous, Go's) MB: ", "against the bare encoder", "machine: ", "steady, after the first", "dropped at the sources; ", "robot against the same work: ", "paired rounds, 500ms of the robot"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in the report:\n%s", want, out.String())
		}
	}
	rec, err := storage.Open(cfg.Recording)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	streams, err := rec.Streams()
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != Cameras {
		t.Fatalf("the recording has %d streams, want %d: %+v", len(streams), Cameras, streams)
	}
}

func TestBadConfigurationIsRefused(t *testing.T) {
	cfg := defaultConfig()
	cfg.Recording = filepath.Join(t.TempDir(), "robot.gopline")
	cfg.Width = 101
	if _, err := run(t.Context(), cfg); err == nil {
		t.Fatal("an odd width ran")
	}
	if _, err := os.Stat(cfg.Recording); err == nil {
		t.Fatal("a refused run created its recording")
	}
	cfg = defaultConfig()
	cfg.Recording = filepath.Join(t.TempDir(), "robot.gopline")
	cfg.GCPercent = -1
	if _, err := run(t.Context(), cfg); err == nil {
		t.Fatal("a run without a collector ran")
	}
}

// BenchmarkFourCameras runs the robot at 1280x720 for -four-cameras.duration
// and reports what docs/benchmarks.md records:
//
//	go test -run '^$' -bench FourCameras -benchtime 1x ./examples/four-cameras/ -args -four-cameras.duration 60s
func BenchmarkFourCameras(b *testing.B) {
	cfg := defaultConfig()
	cfg.Duration, cfg.RSSEvery, cfg.GCPercent, cfg.Rounds = *benchDuration, *benchRSSEvery, *benchGOGC, *benchRounds
	cfg.Recording = filepath.Join(b.TempDir(), "robot.gopline")
	cfg.Log = warnings()
	for range b.N {
		os.Remove(cfg.Recording)
		rep, err := run(b.Context(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		if err := rep.write(os.Stdout); err != nil {
			b.Fatal(err)
		}
		var made, dropped uint64
		for _, c := range rep.Cameras {
			made, dropped = made+c.Made, dropped+c.SourceDropped
		}
		b.ReportMetric(float64(dropped)/float64(made+dropped), "dropped-at-source/frame")
		b.ReportMetric(ms(rep.CPUPerFrame()), "cpu-ms/camera-frame")
		b.ReportMetric(rep.Cores(rep.Others()), "other-jobs-cores")
		b.ReportMetric(ratio(rep.CPUPerFrame(), rep.Bare.Encode), "x-bare-encoder")
		b.ReportMetric(ratio(rep.CPUPerFrame(), rep.BareWork()), "x-bare-work")
		b.ReportMetric(ms(rep.Steady.PerFrame()), "steady-cpu-ms/camera-frame")
		b.ReportMetric(float64(rep.Steady.Dropped), "steady-dropped-at-source")
		b.ReportMetric(rep.SameWorkRatio(), "x-same-work")
		b.ReportMetric(rep.PairedRatio(), "x-same-work-paired-median")
		all, anon := rep.RSSGrowth()
		b.ReportMetric(float64(all)/1e6, "rss-growth-MB")
		b.ReportMetric(float64(anon)/1e6, "anon-rss-growth-MB")
	}
}
