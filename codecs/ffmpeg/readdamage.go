package ffmpeg

import (
	"fmt"
	"io"
)

// decodeFailed counts the damage that made the decoder fail on packet at
// and, strict, leaves out its pictures up to the next keyframe. It returns
// an error only when the decoder keeps failing with nothing sent or given
// out in between, which no damage explains.
func (r *Reader) decodeFailed(at uint64, cause error) error {
	if r.failing++; r.failing > pendingLimit {
		return fmt.Errorf("ffmpeg: decoding %q: %d errors in a row: %w", r.shown, r.failing, cause)
	}
	switch {
	case r.cutByTheEnd(at):
		r.stats.Truncated++ // a file cut short, as a raw file's last picture
	case at == r.lastSent && r.mayBeCut():
		r.cutPending = true
	default:
		r.stats.Undecodable++
	}
	if !r.cfg.conceal {
		r.damage.refused(at)
	} else if !r.cutPending {
		r.smear.refused()
	}
	return nil
}

// end returns the error that ends the stream: io.EOF, or ErrNoVideoFrames
// when not a single picture came out. The pictures that damage kept from
// coming out are counted Damaged.
func (r *Reader) end() error {
	r.damage.end()
	if lost := r.damage.takeLost(); r.cutPending {
		// The pictures the decoder dropped for the cut one went with it.
		r.stats.Truncated += 1 + lost
		r.cutPending = false
	} else {
		r.stats.Damaged += lost
	}
	if r.seq == 0 {
		return fmt.Errorf("%w in %q (%s)", ErrNoVideoFrames, r.shown, r.stats)
	}
	if r.hls != nil {
		return r.stalled() // a live playlist has no end of its own
	}
	return io.EOF
}
