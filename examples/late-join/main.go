// Command late-join shows what a durable topic does for a viewer that joins
// a live camera late. A camera publishes H.264 on /robot/camera, a topic
// that keeps its latest GOP (qos.DurableVideo). A while later two viewers
// join at the same moment: one takes the topic's offer, is replayed the
// cached GOP and shows its newest picture at once; the other asks for a
// volatile subscription (qos.SensorData) and waits for the next keyframe.
// Each prints how long it waited for its first picture.
//
//	go run ./examples/late-join -join-after 1.5s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
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
)

const topic = "/robot/camera"

// cameraRate is the camera's frame rate: 30 fps, an IDR every 30 frames.
const cameraRate = 30

func main() {
	joinAfter := flag.Duration("join-after", 0, "when the viewers join, in the camera's time: after it published this long of pictures (default: a random moment from 1 to 2 s)")
	flag.Parse()
	if *joinAfter <= 0 {
		*joinAfter = time.Second + rand.N(time.Second)
	}
	// libx264 says a lot at its default level; warnings and errors only.
	ffmpeg.SetLogger(zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr}), zerolog.WarnLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := run(ctx, *joinAfter, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "late-join:", err)
		os.Exit(1)
	}
}

// result is what both viewers saw first (Got says it came), and how many
// packets their decoders failed on.
type result struct {
	Cached, Uncached firstpicture.Picture
	Got              struct{ Cached, Uncached bool }
	DecoderErrors    uint64
}

// run starts the camera, lets both viewers join once it published
// joinAfter of pictures, and returns once each has shown its first picture
// (or ctx ends).
func run(ctx context.Context, joinAfter time.Duration, w io.Writer) (result, error) {
	var res result
	log := zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr}).With().Timestamp().Logger().Level(zerolog.WarnLevel)
	// The camera and the viewers are separate pipelines on one node, so
	// that the viewers can join when they like. Closing the node stops them.
	node, err := gopline.New(gopline.WithLogger(log))
	if err != nil {
		return res, err
	}
	defer node.Close()
	started := time.Now()
	if err := startCamera(ctx, node, w); err != nil {
		return res, err
	}
	// The viewers join at a moment of the camera's stream, counted in the
	// pictures it published: on a loaded machine, whose encoder opens late
	// and whose camera drops the frames it is late for, the wall clock
	// runs ahead of the stream.
	pictures := uint64(joinAfter * cameraRate / time.Second)
	for tick := time.NewTicker(5 * time.Millisecond); ; {
		if st, err := node.Bus().Stats(topic); err == nil && st.Published >= pictures {
			tick.Stop()
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	cached, uncached := make(chan firstpicture.Picture, 1), make(chan firstpicture.Picture, 1)
	viewers, err := startViewers(ctx, node, cached, uncached)
	if err != nil {
		return res, err
	}
	fmt.Fprintf(w, "two viewers join after the camera's first %d pictures (%.2f s at %d fps), %.2f s after it started\n",
		pictures, joinAfter.Seconds(), cameraRate, time.Since(started).Seconds())
	for !res.Got.Cached || !res.Got.Uncached {
		select {
		case res.Cached = <-cached:
			res.Got.Cached = true
			fmt.Fprintf(w, "  with the cache:    %s (the newest picture, decoded from the cached GOP)\n", res.Cached)
		case res.Uncached = <-uncached:
			res.Got.Uncached = true
			fmt.Fprintf(w, "  without the cache: %s (the next keyframe)\n", res.Uncached)
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	for _, s := range viewers.Stats() {
		if s.Element == "h264dec" {
			res.DecoderErrors += s.Errors
		}
	}
	return res, nil
}

// startCamera starts the robot on node: a live camera, an encoder with an
// IDR every 30 frames (one a second), a durable topic that keeps the
// latest GOP.
func startCamera(ctx context.Context, node *gopline.Node, w io.Writer) error {
	durable := qos.DurableVideo()
	robot, err := node.NewPipeline()
	if err != nil {
		return err
	}
	err = robot.Chain([]string{"camera", "encoder", "publish"}, []pipeline.Element{
		elements.TestSrc(elements.TestSrcConfig{Width: 640, Height: 480, Rate: cameraRate, Frames: -1, Live: true}),
		elements.H264Enc(elements.DefaultH264EncConfig()), // an IDR every 30 frames
		elements.PublishWith(elements.PublishConfig{Topic: topic, QoS: &durable}),
	})
	if err != nil {
		return err
	}
	if err := robot.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "camera: 640x480 at 30 fps, an IDR every 30 frames, on %s (%s: it keeps its latest GOP)\n", topic, durable)
	return nil
}

// startViewers starts two viewers at the same moment, one pipeline of two
// chains: subscribe ! gate ! h264dec ! first picture. The first takes the
// topic's offer (QoS nil) and sends its first picture to cached; the
// second asks for a volatile subscription and sends it to uncached.
func startViewers(ctx context.Context, node *gopline.Node, cached, uncached chan<- firstpicture.Picture) (*pipeline.Pipeline, error) {
	volatile := qos.SensorData()
	viewers, err := node.NewPipeline()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	for _, v := range []struct {
		name string
		qos  *qos.Profile
		got  chan<- firstpicture.Picture
	}{{"cached", nil, cached}, {"uncached", &volatile, uncached}} {
		err := viewers.Chain([]string{v.name, v.name + "-gate", v.name + "-decoder", v.name + "-picture"}, []pipeline.Element{
			elements.SubscribeWith(elements.SubscribeConfig{Topic: topic, QoS: v.qos}),
			elements.Gate(),
			elements.H264Dec(media.YUV420P),
			firstpicture.Sink(start, v.got),
		})
		if err != nil {
			return nil, err
		}
	}
	return viewers, viewers.Start(ctx)
}
