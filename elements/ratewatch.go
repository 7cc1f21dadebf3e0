package elements

import (
	"math"
	"time"
)

// rateWatch notices frames that come at a rate far from the nominal one an
// encoder spreads its bitrate over: libx264 gives each frame bitrate/rate
// bits, so a 10 frames/s camera encoded at the default rate=30 gets a
// third of the bitrate asked for. gst's x264enc takes the rate from the
// caps; h264enc has no caps, so it says so, once, after a second of
// frames. Frames without capture times are not counted.
//
// A source that makes its frames at the nominal rate but drops some (a
// live source on a machine that cannot keep up) is not at another rate:
// its frames' Seqs still count up at the nominal one, and its drops are
// counted where they happen. Only frames whose Seqs come at the rate they
// arrive at are called off.
type rateWatch struct {
	nominal  float64
	first    time.Time
	firstSeq uint64
	frames   int
	done     bool
}

// rateWatchSpan is how long a stretch of frames the watch measures.
const rateWatchSpan = time.Second

// see counts a frame captured at t with Seq seq. Once rateWatchSpan of
// frames has passed it reports, that once, their rate and whether it is
// more than a fifth off the nominal one (and their Seqs' too).
func (w *rateWatch) see(t time.Time, seq uint64) (rate float64, off bool) {
	if w.done || t.IsZero() {
		return 0, false
	}
	if w.frames == 0 {
		w.first, w.firstSeq = t, seq
	}
	w.frames++
	span := t.Sub(w.first)
	if span < rateWatchSpan || w.frames < 3 {
		return 0, false
	}
	w.done = true
	rate = float64(w.frames-1) / span.Seconds()
	made := float64(seq-w.firstSeq) / span.Seconds() // the source's rate, its drops included
	return rate, math.Abs(rate/w.nominal-1) > 0.2 && math.Abs(made/w.nominal-1) > 0.2
}
