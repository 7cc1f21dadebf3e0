package bench

import (
	"context"
	"fmt"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
)

// The measured camera's defaults: 640x480 at 30 frames/s, an IDR a second,
// as a robot's camera streams by default.
const (
	DefaultWidth  = 640
	DefaultHeight = 480
	DefaultRate   = 30
	DefaultGOP    = 30
)

// Camera is a live camera that a study measures: the test pattern at Rate
// frames/s, encoded as gopline encodes by default with an IDR every GOP
// frames, published on Topic with the offer QoS.
type Camera struct {
	Width, Height, Rate, GOP int
	Topic                    string
	QoS                      qos.Profile
}

// Start starts the camera on n:
//
//	testsrc is-live ! h264enc ! publish
//
// Frame and packet, when not nil, are shown every frame the encoder takes
// and every packet it makes, in order, before they pass on (in the
// actors of two pass-through nodes, "frames" and "packets"). Stop the
// pipeline when done.
func (c Camera) Start(ctx context.Context, n *gopline.Node, frame func(*media.Frame), packet func(*media.Packet)) (*pipeline.Pipeline, error) {
	p, err := n.NewPipeline()
	if err != nil {
		return nil, err
	}
	enc := elements.DefaultH264EncConfig()
	enc.GOP, enc.Rate = c.GOP, c.Rate
	names := []string{"camera", "encoder", "publish"}
	els := []pipeline.Element{
		elements.TestSrc(elements.TestSrcConfig{Width: c.Width, Height: c.Height, Rate: float64(c.Rate), Frames: -1, Live: true}),
		elements.H264Enc(enc),
		elements.PublishWith(elements.PublishConfig{Topic: c.Topic, QoS: &c.QoS}),
	}
	if frame != nil || packet != nil {
		names = []string{"camera", "frames", "encoder", "packets", "publish"}
		els = []pipeline.Element{els[0], note(frame), els[1], note(packet), els[2]}
	}
	if err := p.Chain(names, els); err != nil {
		return nil, err
	}
	if err := p.Start(ctx); err != nil {
		return nil, fmt.Errorf("bench: starting the camera of %s: %w", c.Topic, err)
	}
	return p, nil
}

// note is a pass-through node that shows every item of type T to fn first
// (fn nil: to no one).
func note[T any](fn func(T)) pipeline.Element {
	return pipeline.ProcessorElement("note", pipeline.Any, pipeline.Any,
		func() (pipeline.Processor[media.Item, media.Item], error) { return &noteStage[T]{fn: fn}, nil })
}

type noteStage[T any] struct{ fn func(T) }

func (s *noteStage[T]) Start(*pipeline.Env) error { return nil }
func (s *noteStage[T]) Stop() error               { return nil }

func (s *noteStage[T]) Process(v media.Item, emit func(media.Item)) error {
	if t, ok := v.(T); ok && s.fn != nil {
		s.fn(t)
	}
	emit(v)
	return nil
}
