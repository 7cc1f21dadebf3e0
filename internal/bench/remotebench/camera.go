package remotebench

import (
	"context"
	"fmt"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/qos"
)

// The late-join run's camera, on the publishing node: a bench.Camera
// with bench's defaults (640x480, 30 frames/s, an IDR a second) on a
// durable topic.
const (
	// CameraTopic is the camera's topic; it offers qos.DurableVideo, so
	// the topic keeps its latest GOP for late joiners.
	CameraTopic               = "/bench/camera"
	CameraWidth, CameraHeight = bench.DefaultWidth, bench.DefaultHeight
	// CameraRate is the camera's frames a second, CameraGOP the frames from
	// one IDR to the next: an IDR a second.
	CameraRate = bench.DefaultRate
	CameraGOP  = bench.DefaultGOP
)

// ServeCamera publishes the late-join run's camera on n,
//
//	testsrc is-live ! h264enc gop=30 ! publish (CameraTopic, durable_video)
//
// from the moment CameraTopic has its first subscriber until ctx ends. It
// waits for that subscriber so that no encoder shares the CPU with the
// packet runs, which are measured first. It returns nil when ctx ended, or
// why the camera could not start or failed.
func ServeCamera(ctx context.Context, n *gopline.Node) error {
	if _, err := n.Bus().Topic(CameraTopic); err != nil { // the topic answers Stats from now on
		return fmt.Errorf("remotebench: %w", err)
	}
	if err := waitForSubscriber(ctx, n.Bus(), CameraTopic, true); err != nil || ctx.Err() != nil {
		return err
	}
	cam := bench.Camera{Width: CameraWidth, Height: CameraHeight, Rate: CameraRate, GOP: CameraGOP, Topic: CameraTopic, QoS: qos.DurableVideo()}
	p, err := cam.Start(ctx, n, nil, nil)
	if err != nil {
		return fmt.Errorf("remotebench: %w", err)
	}
	if err := p.Wait(); err != nil { // ctx stops the pipeline
		return fmt.Errorf("remotebench: the camera: %w", err)
	}
	return nil
}
