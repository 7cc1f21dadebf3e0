// Package firstpicture is the last element of the examples' viewers: it
// notes when the first decoded picture came and which frame of the test
// pattern it shows.
package firstpicture

import (
	"fmt"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
)

// Picture is a viewer's first picture.
type Picture struct {
	// After is the time from the moment given to Sink to the picture.
	After time.Duration
	// Frame is the frame number the test pattern burned into the picture;
	// Readable is false when it could not be read back (a damaged picture).
	Frame    uint64
	Readable bool
}

func (p Picture) String() string {
	frame := "its frame number cannot be read"
	if p.Readable {
		frame = fmt.Sprintf("frame %d", p.Frame)
	}
	return fmt.Sprintf("first picture after %.1f ms: %s", float64(p.After)/float64(time.Millisecond), frame)
}

// Sink takes a viewer's decoded pictures and sends the first one, timed
// from since, to got; got needs room for it. It releases every picture.
func Sink(since time.Time, got chan<- Picture) pipeline.Element {
	return pipeline.SinkElement("first-picture", pipeline.Frames,
		func() (pipeline.Sink[*media.Frame], error) { return &sink{since: since, got: got}, nil })
}

type sink struct {
	since time.Time
	got   chan<- Picture
	sent  bool
}

func (s *sink) Start(*pipeline.Env) error { return nil }
func (s *sink) Stop() error               { return nil }

func (s *sink) Process(f *media.Frame) error {
	defer f.Release()
	if s.sent {
		return nil
	}
	s.sent = true
	n, ok := testsrc.ReadFrameNumber(f)
	select {
	case s.got <- Picture{After: time.Since(s.since), Frame: n, Readable: ok}:
	default: // a restarted stage: the first picture was sent already
	}
	return nil
}
