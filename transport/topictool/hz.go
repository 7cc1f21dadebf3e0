package topictool

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/gopline/gopline/media"
)

// DefaultWindow is how many of the latest packets the meters measure
// over: at 30 packets a second, half a minute.
const DefaultWindow = 1000

// Hz measures the rate of a topic's packets from their arrival times, over
// a window of the latest ones, as `ros2 topic hz` does, and the packets
// of the stream that did not arrive among them (Missed). It is a plain
// value for one goroutine.
type Hz struct {
	window int
	last   time.Time
	// gaps are the intervals between arrivals, a ring of window; missed
	// the packets missing before the arrival that ends each.
	gaps   []time.Duration
	missed []uint64
	next   int
	holes  Missed
}

// NewHz returns a meter over the latest window intervals (DefaultWindow
// when window <= 0).
func NewHz(window int) *Hz {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Hz{window: window}
}

// Add takes a packet (its header: Seq and Epoch) and its arrival time.
// An arrival before the previous one (the clock stepped back) starts the
// intervals again.
func (h *Hz) Add(p *media.Packet, at time.Time) {
	missed := h.holes.Next(p)
	if !h.last.IsZero() && !at.Before(h.last) {
		gap := at.Sub(h.last)
		if len(h.gaps) < h.window {
			h.gaps, h.missed = append(h.gaps, gap), append(h.missed, missed)
		} else {
			h.gaps[h.next], h.missed[h.next] = gap, missed
			h.next = (h.next + 1) % h.window
		}
	}
	h.last = at
}

// HzStats is a rate measured over a window of intervals.
type HzStats struct {
	// Rate is packets a second: one over the mean interval.
	Rate float64
	// Min, Max and Std are the shortest and longest interval and the
	// intervals' standard deviation.
	Min, Max, Std time.Duration
	// Window is how many intervals they are of.
	Window int
	// Dropped is how many packets of the stream went missing within the
	// window (between its first packet and its last; see Missed).
	Dropped uint64
}

// Stats returns the rate so far; zero until two packets came.
func (h *Hz) Stats() HzStats {
	if len(h.gaps) == 0 {
		return HzStats{}
	}
	var sum, lo, hi time.Duration = 0, h.gaps[0], h.gaps[0]
	for _, g := range h.gaps {
		sum += g
		lo, hi = min(lo, g), max(hi, g)
	}
	mean := float64(sum) / float64(len(h.gaps))
	var sq float64
	for _, g := range h.gaps {
		sq += (float64(g) - mean) * (float64(g) - mean)
	}
	std := time.Duration(math.Sqrt(sq / float64(len(h.gaps))))
	st := HzStats{Min: lo, Max: hi, Std: std, Window: len(h.gaps)}
	for _, m := range h.missed {
		st.Dropped += m
	}
	if mean > 0 {
		st.Rate = float64(time.Second) / mean
	}
	return st
}

// Write writes the rate as `ros2 topic hz` does, its window the intervals
// measured (what -w bounds: -w 10 prints window: 10 once full, as ros2's
// does), and the packets dropped within the window with their share of
// the stream's packets there.
func (s HzStats) Write(w io.Writer) error {
	if s.Window == 0 {
		_, err := fmt.Fprintln(w, "no new packets")
		return err
	}
	received := uint64(s.Window) + 1 // the packets that end and begin the intervals
	_, err := fmt.Fprintf(w, "average rate: %.3f\n\tmin: %.3fs max: %.3fs std dev: %.5fs window: %d dropped: %d (%.1f%%)\n",
		s.Rate, s.Min.Seconds(), s.Max.Seconds(), s.Std.Seconds(), s.Window, s.Dropped, 100*float64(s.Dropped)/float64(received+s.Dropped))
	return err
}
