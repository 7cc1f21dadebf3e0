// Command robot-remote is the robot graph across two processes, written
// with the Go DSL. The robot publishes its camera (a live test pattern,
// H.264 with an IDR every 30 frames) on /robot/camera, a durable topic that
// keeps its latest GOP, and serves its topics to other processes. An
// operator in another process (or on another host) joins whenever it
// likes: it is replayed the cached GOP, so it shows a picture at once and
// says how long that took and which frame it was; it decodes the stream
// and records it into a gopline recording that decodes from its first
// packet.
//
//	go run ./examples/robot-remote -role robot -listen 127.0.0.1:7400
//	go run ./examples/robot-remote -role operator -robot 127.0.0.1:7400 -out op.gopline -duration 5s
//	gopline info op.gopline
//
// Each process is one node (gopline.New), which listens for other nodes;
// the pipelines run on it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/examples/internal/firstpicture"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport/remote"
)

const topic = "/robot/camera"

func main() {
	role := flag.String("role", "", "robot (publish the camera and serve it) or operator (join it, view and record)")
	listen := flag.String("listen", remote.DefaultAddr, "robot: the address to serve the camera at (host:port)")
	robot := flag.String("robot", remote.DefaultAddr, "operator: the robot's address")
	out := flag.String("out", "op.gopline", "operator: the recording to write (appended to if it exists)")
	duration := flag.Duration("duration", 0, "stop after this long (robot: default until Ctrl-C; operator: default 5s)")
	flag.Parse()

	// libx264 says a lot at its default level; warnings and errors only.
	log := zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr}).With().Timestamp().Logger().Level(zerolog.WarnLevel)
	ffmpeg.SetLogger(log, zerolog.WarnLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *role == "operator" && *duration == 0 {
		*duration = 5 * time.Second
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	var err error
	switch *role {
	case "robot":
		err = runRobot(ctx, *listen, log, os.Stdout)
	case "operator":
		err = runOperator(ctx, *robot, *out, log, os.Stdout)
	default:
		fmt.Fprintln(os.Stderr, "robot-remote: say -role robot or -role operator")
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "robot-remote:", err)
		os.Exit(1)
	}
}

// runRobot publishes the camera and serves it until ctx ends.
func runRobot(ctx context.Context, listen string, log zerolog.Logger, w io.Writer) error {
	n, err := gopline.New(gopline.WithLogger(log), gopline.WithListen(listen))
	if err != nil {
		return err
	}
	// The camera, an encoder with an IDR every 30 frames (one a second), a
	// durable topic that keeps the latest GOP for operators that join late.
	durable := qos.DurableVideo()
	camera, err := n.NewPipeline()
	if err != nil {
		return errors.Join(err, n.Close())
	}
	err = camera.Chain([]string{"camera", "encoder", "publish"}, []pipeline.Element{
		elements.TestSrc(elements.TestSrcConfig{Width: 640, Height: 480, Rate: 30, Frames: -1, Live: true}),
		elements.H264Enc(elements.DefaultH264EncConfig()),
		elements.PublishWith(elements.PublishConfig{Topic: topic, QoS: &durable}),
	})
	if err == nil {
		err = camera.Start(ctx)
	}
	if err != nil {
		return errors.Join(err, n.Close())
	}
	fmt.Fprintf(w, "robot: serving %s at %s: 640x480 at 30 fps, an IDR every 30 frames, %s\n", topic, n.Addr(), durable)
	select {
	case <-ctx.Done():
	case <-camera.Done():
	}
	err = camera.Stop()
	for _, s := range camera.Stats() {
		fmt.Fprintf(w, "robot: %-8s in %5d  out %5d  dropped %3d  errors %d\n", s.Node, s.In, s.Out, s.Dropped, s.Errors)
	}
	return errors.Join(err, n.Close())
}

// runOperator joins the robot's camera, shows when its first picture came,
// decodes and records until ctx ends, and describes the recording.
func runOperator(ctx context.Context, robot, out string, log zerolog.Logger, w io.Writer) error {
	// A node that only subscribes still listens (on a free loopback port):
	// the robot's replies come back by a connection of their own.
	n, err := gopline.New(gopline.WithLogger(log), gopline.WithListen(gopline.SubscriberAddr))
	if err != nil {
		return err
	}
	// What the robot offers (as `gopline topics --remote` lists it). The
	// subscription below does not need it: a link waits for its node.
	if topics, err := n.Remote().Topics(robot, 2*time.Second); err != nil {
		fmt.Fprintf(w, "operator: the robot does not list its topics (%v); subscribing anyway\n", err)
	} else {
		for _, t := range topics {
			fmt.Fprintf(w, "operator: the robot offers %s (%s, %.0f packets/s)\n", t.Name, t.QoS, t.Rate)
		}
	}
	// subscribe ! split ! gate ! decoder ! first-picture, and split !
	// recorder: the recorder stores the packets as they come, replayed GOP
	// first, so the recording starts at a keyframe.
	first := make(chan firstpicture.Picture, 1)
	viewer, err := n.NewPipeline()
	if err == nil {
		err = viewer.Chain([]string{"subscribe", "split", "gate", "decoder", "first-picture"}, []pipeline.Element{
			elements.SubscribeWith(elements.SubscribeConfig{Topic: topic, Remote: robot}),
			elements.Tee(),
			elements.Gate(),
			elements.H264Dec(media.YUV420P),
			firstpicture.Sink(time.Now(), first),
		})
	}
	if err == nil {
		err = viewer.Add("recorder", elements.Record(elements.RecordConfig{Path: out, Stream: topic}))
	}
	if err == nil {
		err = viewer.Link("split", "recorder")
	}
	if err == nil {
		err = viewer.Start(ctx)
	}
	if err != nil {
		return errors.Join(err, n.Close())
	}
	fmt.Fprintf(w, "operator: joined %s at %s\n", topic, robot)
	select {
	case p := <-first:
		fmt.Fprintf(w, "operator: %s\n", p)
	case <-ctx.Done():
		fmt.Fprintln(w, "operator: no picture came")
	case <-viewer.Done():
	}
	select { // view and record until the end
	case <-ctx.Done():
	case <-viewer.Done():
	}
	err = viewer.Stop()
	for _, s := range viewer.Stats() {
		fmt.Fprintf(w, "operator: %-14s in %5d  out %5d  dropped %3d  errors %d\n", s.Node, s.In, s.Out, s.Dropped, s.Errors)
	}
	if err = errors.Join(err, n.Close()); err != nil {
		return err
	}
	return describe(out, w)
}

// describe says what the recording at path holds of the camera.
func describe(path string, w io.Writer) error {
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		return err
	}
	defer rec.Close()
	st, err := rec.Stats(topic)
	if err != nil {
		return err
	}
	c, err := rec.Seek(topic, st.First)
	if err != nil {
		return err
	}
	defer c.Close()
	first, err := c.Next()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "operator: recorded %d packets (%d GOPs, %.1f s) of %s into %s; the first is a keyframe: %v\n",
		st.Packets, st.GOPs, st.Duration.Seconds(), topic, path, first.Key)
	return nil
}
