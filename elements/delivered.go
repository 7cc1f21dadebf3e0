package elements

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// delivered is the source of a local input (a file, a device): it fails
// with ErrNothingDelivered when the input ends, or the pipeline stops it,
// before it delivered a frame (a packet, in passthrough), as a network
// stream's does (reconnecting), so that a run over an empty file, or a
// camera that never gave a picture, does not pass for one that ran.
type delivered[T media.Item] struct {
	pipeline.Source[T]
	location string
	env      *pipeline.Env
	startAt  time.Time
	items    uint64
}

func (d *delivered[T]) Start(env *pipeline.Env) error {
	d.env, d.startAt = env, env.Now()
	return d.Source.Start(env)
}

// Next returns the input's next item; its end before the first is
// ErrNothingDelivered.
func (d *delivered[T]) Next() (T, time.Time, error) {
	item, due, err := d.Source.Next()
	switch {
	case err == nil:
		d.items++
	case d.items == 0:
		err = nothingDelivered(deliveryEnd{location: d.location, item: itemName[T](),
			since: d.env.Now().Sub(d.startAt), stopped: stopped(d.env), err: err})
	}
	return item, due, err
}

// deliveryEnd is how an input that delivered nothing ended.
type deliveryEnd struct {
	location, item string        // the input, and what it delivers: frame, or packet
	since          time.Duration // from its start to its end
	stopped        bool          // the pipeline stopped it
	err            error         // what ended it: io.EOF, or why
}

// nothingDelivered is the error of an input that opened and ended before
// its first item: ErrNothingDelivered when the pipeline stopped it or it
// ended without a picture (an empty or audio-only file, a device that gave
// none), naming it and how long it gave nothing; any other failure as it
// is, since it says why already.
func nothingDelivered(e deliveryEnd) error {
	since := e.since.Round(time.Millisecond)
	switch {
	case e.stopped:
		return fmt.Errorf("%w: %q opened but delivered no %s in the %v from the start until the pipeline stopped",
			ErrNothingDelivered, e.location, e.item, since)
	case errors.Is(e.err, io.EOF):
		return fmt.Errorf("%w: %q opened but ended without a single %s", ErrNothingDelivered, e.location, e.item)
	case errors.Is(e.err, ffmpeg.ErrNoVideoFrames):
		return fmt.Errorf("%w: %q opened but ended without a single %s: %w", ErrNothingDelivered, e.location, e.item, e.err)
	}
	return e.err
}

// stopped reports whether the pipeline of env is stopping.
func stopped(env *pipeline.Env) bool {
	select {
	case <-env.Stopping:
		return true
	default:
		return false
	}
}
