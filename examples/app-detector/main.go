// Command app-detector is a robot graph fed and read by Go code: a camera
// SDK's callback pushes its pictures into the pipeline (elements.AppSrc),
// which records them as H.264 and hands them to a detector written in Go
// (elements.AppSink) that is much slower than the camera. The recording
// keeps every picture; the detector always works on the newest one, and
// what it had no time for is dropped, counted, and never holds the
// recording back.
//
//	go run ./examples/app-detector -duration 5s
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
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
)

func main() {
	duration := flag.Duration("duration", 5*time.Second, "how long to run")
	out := flag.String("out", filepath.Join(os.TempDir(), "app-detector.gopline"), "the recording")
	detectEvery := flag.Duration("detect", 100*time.Millisecond, "how long the detector takes per picture")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	if err := run(ctx, *out, *detectEvery, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "app-detector:", err)
		os.Exit(1)
	}
}

// Result is what a run did: pictures pushed by the camera and dropped at
// once (the pipeline as a whole too slow), recorded, detected on, and
// dropped for the detector alone.
type Result struct {
	Pushed, CameraDropped, Recorded, Detected, DetectorDropped uint64
}

// run pushes a simulated camera's pictures until ctx ends, and reports.
func run(ctx context.Context, out string, detect time.Duration, w io.Writer) error {
	res, err := runGraph(ctx, out, detect)
	fmt.Fprintf(w, "pushed %d pictures, recorded %d, detected on %d (the detector had no time for %d)\n",
		res.Pushed, res.Recorded, res.Detected, res.DetectorDropped)
	return err
}

func runGraph(ctx context.Context, out string, detect time.Duration) (Result, error) {
	log := zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr}).Level(zerolog.ErrorLevel)
	// The camera's pictures come in at 30 frames/s whatever the pipeline
	// does: a live camera drops rather than waits.
	camera, err := elements.NewAppSrc[*media.Frame](elements.AppSrcConfig{Overflow: elements.OverflowDropOldest})
	if err != nil {
		return Result{}, err
	}
	// The detector wants the newest picture only.
	detector, err := elements.NewAppSink[*media.Frame](elements.AppSinkConfig{MaxQueued: 1})
	if err != nil {
		return Result{}, err
	}
	rec := elements.DefaultRecordConfig()
	rec.Path, rec.Stream = out, "camera"
	enc := elements.DefaultH264EncConfig()
	enc.Rate = 30

	p := pipeline.New(pipeline.WithLogger(log))
	for _, err := range []error{
		p.Add("camera", camera.Element()), p.Add("t", elements.Tee()),
		p.Add("encoder", elements.H264Enc(enc)), p.Add("record", elements.Record(rec)),
		p.Add("detector", detector.Element()),
		p.Link("camera", "t"), p.Link("t", "encoder"), p.Link("encoder", "record"), p.Link("t", "detector"),
	} {
		if err != nil {
			return Result{}, err
		}
	}
	// The pipeline runs until the camera's stream ends (Close, when ctx
	// ends), so that every picture pushed goes through before it stops.
	if err := p.Start(context.Background()); err != nil {
		return Result{}, err
	}

	sdkDone := make(chan error, 1)
	go func() { sdkDone <- simulateCamera(ctx, camera) }()

	var res Result
	for f := range detector.All(context.Background()) { // until the end of the stream
		time.Sleep(detect) // the detector's work on f
		res.Detected++
		f.Release()
	}
	err = <-sdkDone
	if serr := p.Stop(); err == nil {
		err = serr
	}
	for _, s := range p.Stats() {
		if s.Node == "record" {
			res.Recorded = s.In
		}
	}
	res.Pushed, res.CameraDropped, res.DetectorDropped = camera.Stats().Items, camera.Stats().Dropped, detector.Stats().Dropped
	return res, err
}

// simulateCamera is a camera SDK's capture loop: 30 pictures a second into
// frames of its own pool, each handed to the callback, until ctx ends.
func simulateCamera(ctx context.Context, camera *elements.AppSrc[*media.Frame]) error {
	defer camera.Close() // end of stream: the pipeline's sinks finish
	const width, height = 320, 240
	pattern, err := testsrc.New(width, height)
	if err != nil {
		return err
	}
	pool, err := media.NewFramePool(media.YUV420P, width, height, 0)
	if err != nil {
		return err
	}
	tick := time.NewTicker(time.Second / 30)
	defer tick.Stop()
	for n := uint64(0); ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		f := pool.Get()
		if err := pattern.FrameInto(f, n); err != nil {
			return err
		}
		// The callback: hand the picture over, never wait.
		if err := camera.Push(ctx, f); err != nil {
			return err
		}
	}
}
