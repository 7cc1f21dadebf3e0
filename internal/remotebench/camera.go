package remotebench

import (
	"context"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/actors"
	"github.com/gopline/gopline/internal/latejoin"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// The late-join run's camera, on the publishing node: latejoin's camera,
// a live test pattern encoded as gopline encodes by default.
const (
	// CameraTopic is the camera's topic; it offers qos.DurableVideo, so
	// the topic keeps its latest GOP for late joiners.
	CameraTopic               = "/bench/camera"
	CameraWidth, CameraHeight = latejoin.DefaultWidth, latejoin.DefaultHeight
	// CameraRate is the camera's frames a second, CameraGOP the frames from
	// one IDR to the next: an IDR a second.
	CameraRate = latejoin.DefaultRate
	CameraGOP  = latejoin.DefaultGOP
)

// ServeCamera publishes the late-join run's camera on bus,
//
//	testsrc is-live ! h264enc gop=30 ! publish (CameraTopic, durable_video)
//
// from the moment CameraTopic has its first subscriber until ctx ends. It
// waits for that subscriber so that no encoder shares the CPU with the
// packet runs, which are measured first. It returns nil when ctx ended, or
// why the camera could not start or failed.
func ServeCamera(ctx context.Context, system *actor.ActorSystem, bus *transport.Bus, log zerolog.Logger) error {
	if _, err := bus.Topic(CameraTopic); err != nil { // the topic answers Stats from now on
		return fmt.Errorf("remotebench: %w", err)
	}
	if err := waitForSubscriber(ctx, bus, CameraTopic, true); err != nil || ctx.Err() != nil {
		return err
	}
	offer := qos.DurableVideo()
	enc := actors.DefaultH264EncConfig()
	enc.GOP, enc.Rate = CameraGOP, CameraRate
	p := pipeline.New(pipeline.WithSystem(system), pipeline.WithBus(bus), pipeline.WithLogger(log))
	err := p.Chain([]string{"camera", "encoder", "publish"}, []pipeline.Element{
		actors.TestSrc(actors.TestSrcConfig{Width: CameraWidth, Height: CameraHeight, Rate: CameraRate, Frames: -1, Live: true}),
		actors.H264Enc(enc),
		actors.PublishWith(actors.PublishConfig{Topic: CameraTopic, QoS: &offer}),
	})
	if err != nil {
		return fmt.Errorf("remotebench: the camera: %w", err)
	}
	if err := p.Start(ctx); err != nil {
		return fmt.Errorf("remotebench: starting the camera: %w", err)
	}
	if err := p.Wait(); err != nil { // ctx stops the pipeline
		return fmt.Errorf("remotebench: the camera: %w", err)
	}
	return nil
}
