package remotebench

import (
	"slices"
	"time"

	"github.com/gopline/gopline/internal/bench"
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
	res.P50, res.P99 = bench.Millis(bench.Percentile(sorted, 50)), bench.Millis(bench.Percentile(sorted, 99))
	if len(sorted) > 0 {
		res.Max = bench.Millis(sorted[len(sorted)-1])
	}
	return res
}

// Summary is the benchmark in one object: `gopline bench remote --json`.
type Summary struct {
	// MBPerS is the throughput run's, of Config.PacketBytes packets.
	MBPerS float64 `json:"mb_per_s"`
	// P50 and P99 are the latency run's, of Config.PacketBytes packets at
	// Config.Rate.
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	// LateJoinP50 and LateJoinP95 are the late-join run's: Subscribe to
	// the first decoded picture.
	LateJoinP50 float64 `json:"latejoin_p50_ms"`
	LateJoinP95 float64 `json:"latejoin_p95_ms"`
	// Lost is Dropped plus LateJoinLost: packets of the two runs of
	// PacketBytes packets that their subscriber never received, and late
	// joiners that never showed a picture.
	Lost uint64 `json:"lost"`
	// Dropped is the packets the topic dropped for the subscriber in the
	// throughput and the latency run of PacketBytes packets, warm-ups
	// included (Result.Dropped).
	Dropped uint64 `json:"dropped"`
	// The late-join run's other figures (LateJoinResult).
	LateJoinJoins    int     `json:"latejoin_joins"`
	LateJoinLost     int     `json:"latejoin_lost"`
	LateJoinReplayed int     `json:"latejoin_replayed"`
	LateJoinMax      float64 `json:"latejoin_max_ms"`
	// LateJoinFirstPacketP50 is the median time from the Subscribe to the
	// first delivery, the link's and the topic's part of LateJoinP50.
	LateJoinFirstPacketP50 float64 `json:"latejoin_first_packet_p50_ms"`
	// LateJoinReasons says why, for the first few lost joins.
	LateJoinReasons []string `json:"latejoin_reasons,omitempty"`
	// AnchorMBPerS is the anchor's throughput (MeasureAnchor): protoactor
	// remote alone, PacketBytes payloads, the same window; Ratio is MBPerS
	// over it.
	AnchorMBPerS float64 `json:"anchor_mb_per_s"`
	Ratio        float64 `json:"ratio"`
	// *Keyframes holds the keyframe runs' figures; nil, and left out of
	// the JSON, when there were none.
	*Keyframes
	// Runs holds every run's Result, in the order of Config.Runs.
	Runs []Result `json:"runs"`
}

// Keyframes is the keyframe runs' part of a Summary: the throughput run's
// MB/s and the latency run's percentiles, of Config.KeyframeBytes
// keyframes, and what the topic dropped in both.
type Keyframes struct {
	KeyframeBytes   int     `json:"keyframe_bytes"`
	KeyframeMBPerS  float64 `json:"keyframe_mb_per_s"`
	KeyframeP50     float64 `json:"keyframe_p50_ms"`
	KeyframeP99     float64 `json:"keyframe_p99_ms"`
	KeyframeDropped uint64  `json:"keyframe_dropped"`
}

// NewSummary sums up the runs' results, in the order of Config.Runs (a
// throughput and a latency run of PacketBytes packets, then perhaps the
// same of keyframes), and the late-join run's.
func NewSummary(runs []Result, lateJoin LateJoinResult) Summary {
	s := Summary{LateJoinP50: lateJoin.P50, LateJoinP95: lateJoin.P95, LateJoinJoins: lateJoin.Joins,
		LateJoinLost: lateJoin.Lost, LateJoinReplayed: lateJoin.Replayed, LateJoinMax: lateJoin.Max,
		LateJoinFirstPacketP50: lateJoin.FirstPacketP50, LateJoinReasons: lateJoin.Reasons, Runs: runs}
	if len(runs) >= 2 {
		s.MBPerS, s.P50, s.P99 = runs[0].MBPerS, runs[1].P50, runs[1].P99
		s.Dropped = runs[0].Dropped + runs[1].Dropped
	}
	if len(runs) >= 4 {
		s.Keyframes = &Keyframes{KeyframeBytes: runs[2].PacketBytes, KeyframeMBPerS: runs[2].MBPerS,
			KeyframeP50: runs[3].P50, KeyframeP99: runs[3].P99, KeyframeDropped: runs[2].Dropped + runs[3].Dropped}
	}
	s.Lost = s.Dropped + uint64(lateJoin.Lost)
	return s
}

// SetAnchor adds the anchor's figure, and gopline's ratio to it.
func (s *Summary) SetAnchor(a AnchorResult) {
	s.AnchorMBPerS = a.MBPerS
	if a.MBPerS > 0 {
		s.Ratio = s.MBPerS / a.MBPerS
	}
}
