package remotebench

import (
	"math"
	"slices"
	"time"
)

// Result is what one run measured. The JSON names are those of `gopline
// bench remote --json`.
type Result struct {
	Mode        Mode `json:"mode"`
	PacketBytes int  `json:"packet_bytes"`
	// GOP is the packets from one keyframe to the next (1: all keyframes).
	GOP int `json:"gop"`
	// Rate is the publisher's packets a second; 0 in a throughput run, where
	// the credits set the pace.
	Rate float64 `json:"rate_hz"`
	// Window is the subscriber's window, in packets.
	Window int `json:"window"`
	// Seconds is how long the run counted (after the warm-up).
	Seconds float64 `json:"seconds"`
	// Packets and MBPerS are the packets received in that time and their
	// data in megabytes (10^6 bytes) a second.
	Packets int     `json:"packets"`
	MBPerS  float64 `json:"mb_per_s"`
	// P50, P99 and Max are the latencies, in milliseconds: a packet's
	// receive time at the subscriber minus its CaptureTime, stamped just
	// before its publish (nearest rank). In a throughput run they include
	// the wait in a full window.
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
	// Dropped counts the packets the topic dropped for the subscriber
	// (its window was full), warm-up included.
	Dropped uint64 `json:"dropped"`
}

func newResult(r Run, elapsed time.Duration, packets int, bytes int64, dropped uint64, latencies []time.Duration) Result {
	res := Result{Mode: r.Mode, PacketBytes: r.PacketBytes, GOP: r.GOP, Rate: r.Rate, Window: r.Window,
		Seconds: elapsed.Seconds(), Packets: packets, Dropped: dropped}
	if elapsed > 0 {
		res.MBPerS = float64(bytes) / 1e6 / elapsed.Seconds()
	}
	sorted := slices.Clone(latencies)
	slices.Sort(sorted)
	res.P50, res.P99 = ms(percentile(sorted, 50)), ms(percentile(sorted, 99))
	if len(sorted) > 0 {
		res.Max = ms(sorted[len(sorted)-1])
	}
	return res
}

// percentile returns the nearest-rank p-th percentile of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
