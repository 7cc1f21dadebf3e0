package topictool

import (
	"fmt"
	"io"
	"time"
)

// Bandwidth measures the data rate of a topic's packets over a window of
// the latest ones, as `ros2 topic bw` does. It is a plain value for one
// goroutine.
type Bandwidth struct {
	window int
	// at and size are the latest packets' arrivals and data sizes, rings
	// of window; next is the oldest when full.
	at   []time.Time
	size []int
	next int
}

// NewBandwidth returns a meter over the latest window packets
// (DefaultWindow when window <= 0).
func NewBandwidth(window int) *Bandwidth {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Bandwidth{window: window}
}

// Add takes a packet's arrival time and data size.
func (b *Bandwidth) Add(at time.Time, size int) {
	if len(b.at) < b.window {
		b.at, b.size = append(b.at, at), append(b.size, size)
		return
	}
	b.at[b.next], b.size[b.next] = at, size
	b.next = (b.next + 1) % b.window
}

// BandwidthStats is a data rate over a window of packets.
type BandwidthStats struct {
	// BytesPerSec is the data rate.
	BytesPerSec float64
	// Mean, Min and Max are the packets' sizes in bytes.
	Mean     float64
	Min, Max int
	// Window is how many packets they are of.
	Window int
}

// Stats returns the data rate so far: the bytes of the window's packets
// after its first, over the time from its first to its last; zero until
// two packets came.
func (b *Bandwidth) Stats() BandwidthStats {
	n := len(b.at)
	if n < 2 {
		return BandwidthStats{Window: n}
	}
	first, last := b.at[b.next%n], b.at[(b.next+n-1)%n]
	st := BandwidthStats{Min: b.size[0], Max: b.size[0], Window: n}
	total := 0
	for _, s := range b.size {
		total += s
		st.Min, st.Max = min(st.Min, s), max(st.Max, s)
	}
	st.Mean = float64(total) / float64(n)
	if d := last.Sub(first); d > 0 {
		st.BytesPerSec = float64(total-b.size[b.next%n]) / d.Seconds()
	}
	return st
}

// Write writes the data rate as `ros2 topic bw` does.
func (s BandwidthStats) Write(w io.Writer) error {
	if s.Window < 2 {
		_, err := fmt.Fprintln(w, "no new packets")
		return err
	}
	_, err := fmt.Fprintf(w, "%s/s from %d packets\n\tpacket size mean: %s min: %s max: %s\n",
		Bytes(s.BytesPerSec), s.Window, Bytes(s.Mean), Bytes(float64(s.Min)), Bytes(float64(s.Max)))
	return err
}

// Bytes writes a size for people: 812 B, 41.3 kB, 2.06 MB.
func Bytes(n float64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%.0f B", n)
	case n < 1e6:
		return fmt.Sprintf("%.1f kB", n/1e3)
	case n < 1e9:
		return fmt.Sprintf("%.2f MB", n/1e6)
	}
	return fmt.Sprintf("%.2f GB", n/1e9)
}
