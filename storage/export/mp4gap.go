package export

import (
	"fmt"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
)

// GapError is the error of an MP4 export whose stream has a gap between
// two pictures longer than an MP4 track holds; it matches ErrGapTooLong.
// The parts either side of it export on their own: up to After (a range
// that ends there, exclusive) and from Next.
type GapError struct {
	Stream string
	// Before and After are the capture times of the pictures either side
	// of the gap, and Gap the step between their decode times.
	Before, After time.Time
	Gap           time.Duration
	// Next is the capture time of the first keyframe from After on, where
	// an export of the part after the gap starts; zero when there is none.
	Next time.Time
	// Origin is the recording's start, which the message counts from.
	Origin time.Time
}

func (e *GapError) Error() string {
	return fmt.Sprintf("export: %s has a gap of %v, between its pictures captured %v and %v from the recording's start (%s and %s), "+
		"longer than an MP4 holds: a sample lasts at most %v (2^31-1 ticks of the track's 90 kHz clock)",
		e.Stream, e.Gap, e.Before.Sub(e.Origin), e.After.Sub(e.Origin),
		e.Before.UTC().Format(time.RFC3339Nano), e.After.UTC().Format(time.RFC3339Nano), ffmpeg.MaxMP4Step.Round(time.Second/10))
}

func (e *GapError) Unwrap() error { return ErrGapTooLong }

// gapWatch finds, in packets read in decode order, the first step between
// two of them that an MP4 track cannot hold (ffmpeg.MP4StepFits), and the
// first keyframe after it.
type gapWatch struct {
	stream string
	origin time.Time
	last   *media.Packet
	gap    *GapError
}

// see takes the next packet; it returns the gap's error once the keyframe
// after it is known.
func (g *gapWatch) see(p *media.Packet) error {
	if g.gap == nil && g.last != nil {
		if step := p.DecodeTime().Sub(g.last.DecodeTime()); !ffmpeg.MP4StepFits(step) {
			g.gap = &GapError{Stream: g.stream, Before: g.last.CaptureTime, After: p.CaptureTime, Gap: step, Origin: g.origin}
		}
	}
	g.last = p
	if g.gap != nil && p.Key {
		g.gap.Next = p.CaptureTime
		return g.gap
	}
	return nil
}

// end returns the gap's error, when there is one, at the end of the range.
func (g *gapWatch) end() error {
	if g.gap != nil {
		return g.gap
	}
	return nil
}
