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

	"github.com/gopline/gopline/actors"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

const topic = "/robot/camera"

func main() {
	joinAfter := flag.Duration("join-after", 0, "when the viewers join, after the camera starts (default: a random moment from 1 to 2 s)")
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

// firstPicture is what a viewer saw first.
type firstPicture struct {
	Got bool
	// Wait is the time from the viewers' start to this picture.
	Wait time.Duration
	// Frame is the frame number the test pattern burned into the picture;
	// Readable is false when it could not be read back (a damaged picture).
	Frame    uint64
	Readable bool
}

// result is what both viewers saw, and how many packets their decoders
// failed on.
type result struct {
	Cached, Uncached firstPicture
	DecoderErrors    uint64
}

// run starts the camera, lets both viewers join after joinAfter, and
// returns once each has shown its first picture (or ctx ends).
func run(ctx context.Context, joinAfter time.Duration, w io.Writer) (result, error) {
	var res result
	log := zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr}).With().Timestamp().Logger().Level(zerolog.WarnLevel)
	// The camera and the viewers are separate pipelines on one actor
	// system and one bus, so that the viewers can join when they like.
	system := pipeline.NewSystem(log)
	defer system.Shutdown()
	bus := transport.NewBus(system)
	defer bus.Close()
	on := []pipeline.Option{pipeline.WithSystem(system), pipeline.WithBus(bus), pipeline.WithLogger(log)}

	// The robot: a live camera, an encoder with an IDR every 30 frames
	// (one a second), a durable topic that keeps the latest GOP.
	durable := qos.DurableVideo()
	robot := pipeline.New(on...)
	err := robot.Chain([]string{"camera", "encoder", "publish"}, []pipeline.Element{
		actors.TestSrc(actors.TestSrcConfig{Width: 640, Height: 480, Rate: 30, Frames: -1, Live: true}),
		actors.H264Enc(actors.DefaultH264EncConfig()),
		actors.PublishWith(actors.PublishConfig{Topic: topic, QoS: &durable}),
	})
	if err != nil {
		return res, err
	}
	if err := robot.Start(ctx); err != nil {
		return res, err
	}
	defer robot.Stop()
	fmt.Fprintf(w, "camera: 640x480 at 30 fps, an IDR every 30 frames, on %s (%s: it keeps its latest GOP)\n", topic, durable)

	select {
	case <-time.After(joinAfter):
	case <-ctx.Done():
		return res, ctx.Err()
	}

	// Two viewers join at the same moment: subscribe ! gate ! h264dec !
	// first picture. The first takes the topic's offer (QoS nil), the
	// second asks for a volatile subscription.
	volatile := qos.SensorData()
	cached, uncached := make(chan firstPicture, 1), make(chan firstPicture, 1)
	viewers := pipeline.New(on...)
	start := time.Now()
	for _, v := range []struct {
		name string
		qos  *qos.Profile
		got  chan firstPicture
	}{{"cached", nil, cached}, {"uncached", &volatile, uncached}} {
		err := viewers.Chain([]string{v.name, v.name + "-gate", v.name + "-decoder", v.name + "-picture"}, []pipeline.Element{
			actors.SubscribeWith(actors.SubscribeConfig{Topic: topic, QoS: v.qos}),
			actors.Gate(),
			actors.H264Dec(media.YUV420P),
			firstPictureSink(start, v.got),
		})
		if err != nil {
			return res, err
		}
	}
	if err := viewers.Start(ctx); err != nil {
		return res, err
	}
	defer viewers.Stop()
	fmt.Fprintf(w, "two viewers join %.2f s after the camera started\n", joinAfter.Seconds())

	for !res.Cached.Got || !res.Uncached.Got {
		select {
		case res.Cached = <-cached:
			fmt.Fprintf(w, "  with the cache:    %s (the newest picture, decoded from the cached GOP)\n", res.Cached)
		case res.Uncached = <-uncached:
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

func (p firstPicture) String() string {
	frame := "its frame number cannot be read"
	if p.Readable {
		frame = fmt.Sprintf("frame %d", p.Frame)
	}
	return fmt.Sprintf("first picture after %6.1f ms, %s", float64(p.Wait)/float64(time.Millisecond), frame)
}

// firstPictureSink takes a viewer's decoded pictures and sends the first
// one's wait and frame number to got.
func firstPictureSink(start time.Time, got chan<- firstPicture) pipeline.Element {
	return pipeline.Element{Type: "first-picture", In: pipeline.Frames,
		New: func() (pipeline.Stage, error) { return &pictureSink{start: start, got: got}, nil }}
}

type pictureSink struct {
	start time.Time
	got   chan<- firstPicture
	sent  bool
}

func (s *pictureSink) Start(*pipeline.Env) error { return nil }
func (s *pictureSink) Stop() error               { return nil }

func (s *pictureSink) Process(v any) error {
	if s.sent {
		return nil
	}
	s.sent = true
	n, ok := testsrc.ReadFrameNumber(v.(*media.Frame))
	select {
	case s.got <- firstPicture{Got: true, Wait: time.Since(s.start), Frame: n, Readable: ok}:
	default: // a restarted stage: the first picture was sent already
	}
	return nil
}
