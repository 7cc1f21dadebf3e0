// Command robot-camera is gopline's first example robot graph, written with
// the Go DSL: a camera encoded to H.264 and published on /robot/camera, a
// viewer that decodes it and writes snapshots, and a monitor that only
// counts. `gopline demo` runs the same graph from the one-line syntax.
//
//	go run ./examples/robot-camera -duration 5s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

func main() {
	duration := flag.Duration("duration", 5*time.Second, "how long to run")
	video := flag.String("video", "", "a video file to use as the camera (default: the test pattern)")
	out := flag.String("out", filepath.Join(os.TempDir(), "robot-camera"), "directory for the viewer's snapshots")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	if err := run(ctx, *video, *out, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "robot-camera:", err)
		os.Exit(1)
	}
}

// run builds the graph, runs it until ctx ends or the camera does, and
// prints what every node did.
func run(ctx context.Context, video, out string, w io.Writer) error {
	p, err := graph(video, out)
	if err != nil {
		return err
	}
	if err := p.Start(ctx); err != nil {
		return err
	}
	select {
	case <-p.Done():
	case <-ctx.Done():
	}
	return stop(p, w)
}

// graph builds the robot's graph: the camera (the test pattern, or the
// video file), the viewer, whose snapshots go to the directory out, and
// the monitor.
func graph(video, out string) (*pipeline.Pipeline, error) {
	log := zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr}).With().Timestamp().Logger().Level(zerolog.WarnLevel)
	p := pipeline.New(pipeline.WithLogger(log))

	// The robot: a camera, an encoder, a topic.
	camera := elements.TestSrc(elements.TestSrcConfig{Width: 640, Height: 480, Rate: 30, Frames: -1, Live: true, Format: media.YUV420P})
	if video != "" {
		camera = elements.VideoSrc(elements.VideoSrcConfig{Location: video, Width: 640, Height: 480, Format: media.YUV420P, Live: true})
	}
	robot := p.Chain(
		[]string{"camera", "encoder", "publish"},
		[]pipeline.Element{camera, elements.H264Enc(elements.DefaultH264EncConfig()), elements.Publish("/robot/camera")})

	// An operator's viewer: subscribe, gate, decode, snapshot every second.
	viewer := p.Chain(
		[]string{"viewer", "gate", "decoder", "snapshots"},
		[]pipeline.Element{elements.Subscribe("/robot/camera", 0), elements.Gate(), elements.H264Dec(media.YUV420P),
			elements.Snapshot(elements.SnapshotConfig{Dir: out, Every: 30, Format: "png"})})

	// A monitor that only counts what arrives.
	monitor := p.Chain([]string{"monitor", "count"}, []pipeline.Element{elements.Subscribe("/robot/camera", 0), elements.FakeSink()})

	for _, err := range []error{robot, viewer, monitor} {
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// stop stops the graph and prints what every node did.
func stop(p *pipeline.Pipeline, w io.Writer) error {
	err := p.Stop()
	for _, s := range p.Stats() {
		fmt.Fprintf(w, "%-10s %-10s in %4d  out %4d  dropped %3d  errors %d  restarts %d\n",
			s.Node, s.Element, s.In, s.Out, s.Dropped, s.Errors, s.Restarts)
	}
	return err
}
