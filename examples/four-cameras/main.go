// Command four-cameras is a robot with four cameras on one node: each
// camera (the moving test pattern, 1280x720 at 30 frames/s by default) is
// encoded to H.264 and published on a durable topic, /robot/camN; one
// recorder records the four topics into one file; two viewers each decode
// all four. It runs for -duration and prints, per camera, the frames in and
// out at every step and the drops, the process's CPU per camera frame, its
// RSS every -rss-every, and then the same work without gopline, for
// comparison: the four cameras' codecs at once on as many frames, and each
// step alone.
//
//	go run ./examples/four-cameras -duration 60s
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs/ffmpeg"
)

func main() {
	cfg := defaultConfig()
	flag.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long the robot runs")
	flag.IntVar(&cfg.Width, "width", cfg.Width, "each camera's picture width")
	flag.IntVar(&cfg.Height, "height", cfg.Height, "each camera's picture height")
	flag.IntVar(&cfg.Rate, "rate", cfg.Rate, "each camera's frames per second")
	flag.IntVar(&cfg.Viewers, "viewers", cfg.Viewers, "viewers that decode every camera")
	flag.IntVar(&cfg.EncoderThreads, "encoder-threads", cfg.EncoderThreads, "each camera's libx264 threads (0: libx264's choice)")
	flag.DurationVar(&cfg.RSSEvery, "rss-every", cfg.RSSEvery, "how often the RSS is read")
	flag.IntVar(&cfg.Rounds, "rounds", cfg.Rounds, "with -compare, pairs of a shorter run and the same work after the main run, whose ratios' median stands against the machine's changes of speed")
	flag.DurationVar(&cfg.RoundLength, "round-length", cfg.RoundLength, "how long each paired round's robot runs after its warm-up")
	flag.IntVar(&cfg.CameraBuffers, "camera-buffers", cfg.CameraBuffers, "frames a camera's source may fall behind before it drops one (0: a chain's default, 4)")
	flag.IntVar(&cfg.GCPercent, "gogc", cfg.GCPercent, "the Go collector's GOGC for the run (0: the runtime's own)")
	flag.BoolVar(&cfg.Compare, "compare", cfg.Compare, "after the run, do the same work without gopline: the four cameras' codecs at once, and each step alone")
	out := flag.String("out", filepath.Join(os.TempDir(), "four-cameras"), "directory of the recording")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "four-cameras:", err)
		os.Exit(1)
	}
	cfg.Log = warnings()
	cfg.Recording = filepath.Join(*out, fmt.Sprintf("robot-%s.gopline", time.Now().Format("20060102-150405")))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "four-cameras:", err)
		os.Exit(1)
	}
	if err := rep.write(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "four-cameras:", err)
		os.Exit(1)
	}
	fmt.Printf("\nrecorded to %s\n", cfg.Recording)
}

// warnings logs the robot's warnings and errors to stderr, FFmpeg's too
// (libx264 says a lot at its default level): a source that drops frames
// says when.
func warnings() zerolog.Logger {
	zerolog.TimeFieldFormat = time.RFC3339Nano // the program's own logs: to the millisecond
	log := zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr, TimeFormat: "15:04:05.000"}).With().Timestamp().Logger().Level(zerolog.WarnLevel)
	ffmpeg.SetLogger(log, zerolog.WarnLevel)
	return log
}
