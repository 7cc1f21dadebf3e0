package topictool

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/gopline/gopline/media"
)

// Delay measures how long a topic's packets take from their capture to
// their arrival here, over a window of the latest ones, as `ros2 topic
// delay` does from a header's stamp: the encoder's, the topic's and the
// links' time together. The capture time is the publisher's clock, so
// across hosts the figure holds only as far as their clocks agree. It is
// a plain value for one goroutine.
type Delay struct {
	window int
	delays []time.Duration // a ring of window
	next   int
}

// NewDelay returns a meter over the latest window packets (DefaultWindow
// when window <= 0).
func NewDelay(window int) *Delay {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Delay{window: window}
}

// Add takes a packet (its capture time) and its arrival time. A packet
// without a capture time tells nothing and is left out.
func (d *Delay) Add(p *media.Packet, at time.Time) {
	if p.CaptureTime.IsZero() {
		return
	}
	delay := at.Sub(p.CaptureTime)
	if len(d.delays) < d.window {
		d.delays = append(d.delays, delay)
		return
	}
	d.delays[d.next] = delay
	d.next = (d.next + 1) % d.window
}

// DelayStats is a delay measured over a window of packets.
type DelayStats struct {
	// Mean, Min, Max and Std are the delays' mean, shortest, longest and
	// standard deviation; a negative one is a publisher's clock ahead of
	// this host's.
	Mean, Min, Max, Std time.Duration
	// Window is how many packets they are of.
	Window int
}

// Stats returns the delay so far; zero until a packet came.
func (d *Delay) Stats() DelayStats {
	if len(d.delays) == 0 {
		return DelayStats{}
	}
	var sum float64
	lo, hi := d.delays[0], d.delays[0]
	for _, v := range d.delays {
		sum += float64(v)
		lo, hi = min(lo, v), max(hi, v)
	}
	mean := sum / float64(len(d.delays))
	var sq float64
	for _, v := range d.delays {
		sq += (float64(v) - mean) * (float64(v) - mean)
	}
	return DelayStats{Mean: time.Duration(mean), Min: lo, Max: hi,
		Std: time.Duration(math.Sqrt(sq / float64(len(d.delays)))), Window: len(d.delays)}
}

// Write writes the delay as `ros2 topic delay` does.
func (s DelayStats) Write(w io.Writer) error {
	if s.Window == 0 {
		_, err := fmt.Fprintln(w, "no new packets")
		return err
	}
	_, err := fmt.Fprintf(w, "average delay: %.3f\n\tmin: %.3fs max: %.3fs std dev: %.5fs window: %d\n",
		s.Mean.Seconds(), s.Min.Seconds(), s.Max.Seconds(), s.Std.Seconds(), s.Window)
	return err
}
