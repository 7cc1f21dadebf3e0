package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// frames is a source of n small frames.
type frames struct{ n, next int }

func (s *frames) Start(*pipeline.Env) error { return nil }
func (s *frames) Stop() error               { return nil }
func (s *frames) Next() (*media.Frame, time.Time, error) {
	if s.next == s.n {
		return nil, time.Time{}, io.EOF
	}
	s.next++
	return &media.Frame{Width: 16 * s.next, Height: 16, Seq: uint64(s.next - 1)}, time.Time{}, nil
}

// widths turns each frame into a packet that says how wide it was: a
// Processor[*media.Frame, *media.Packet], like an encoder.
type widths struct{}

func (widths) Start(*pipeline.Env) error { return nil }
func (widths) Stop() error               { return nil }
func (widths) Process(f *media.Frame, emit func(*media.Packet)) error {
	emit(&media.Packet{Codec: media.Raw, Seq: f.Seq, Width: f.Width, Height: f.Height})
	return nil
}

// printer prints the packets it takes.
type printer struct{}

func (printer) Start(*pipeline.Env) error { return nil }
func (printer) Stop() error               { return nil }
func (printer) Process(p *media.Packet) error {
	fmt.Printf("packet %d: %dx%d\n", p.Seq, p.Width, p.Height)
	return nil
}

// Stages are typed by what they take and give; the element constructors tie
// those types to the caps that Link checks.
func ExampleProcessorElement() {
	p := pipeline.New()
	err := p.Chain([]string{"src", "widths", "print"}, []pipeline.Element{
		pipeline.SourceElement("frames", pipeline.Frames,
			func() (pipeline.Source[*media.Frame], error) { return &frames{n: 3}, nil }),
		pipeline.ProcessorElement("widths", pipeline.Frames, pipeline.Packets(media.Raw),
			func() (pipeline.Processor[*media.Frame, *media.Packet], error) { return widths{}, nil }),
		pipeline.SinkElement("print", pipeline.Packets(media.CodecUnknown),
			func() (pipeline.Sink[*media.Packet], error) { return printer{}, nil }),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Start(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Wait(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// packet 0: 16x16
	// packet 1: 32x16
	// packet 2: 48x16
}
