package remotebench

import (
	"fmt"
	"io"

	"github.com/gopline/gopline/internal/bench"
)

// WriteTable prints s, measured with cfg, as `gopline bench remote` does:
// what was measured, a row per run, and the late joiners.
func (s Summary) WriteTable(w io.Writer, cfg Config) error {
	cfg = cfg.withDefaults()
	fmt.Fprintf(w, "gopline bench remote: two processes on loopback, one remote subscription, a window of %d packets;\n"+
		"throughput runs publish as fast as the credits allow, latency runs at %g packets/s; %g s per run after a warm-up\n\n",
		cfg.Window, cfg.Rate, cfg.Duration.Seconds())
	tw := bench.Table(w)
	fmt.Fprintln(tw, "mode\tpacket bytes\tGOP\trate/s\tpackets\tMB/s\tp50 ms\tp99 ms\tmax ms\tdropped\t")
	for _, r := range s.Runs {
		rate := "credits"
		if r.Rate > 0 {
			rate = fmt.Sprintf("%g", r.Rate)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%d\t\n", r.Mode, r.PacketBytes, r.GOP, rate, r.Packets,
			r.MBPerS, r.P50, r.P99, r.Max, r.Dropped)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nLatency: receive time at the subscriber minus the capture time stamped just before the publish (one host clock);\n"+
		"in a throughput run it includes the wait behind a full window. MB: 10^6 bytes of packet data.")
	fmt.Fprintf(w, "\nAnchor: protoactor remote alone between the same two processes, %d-byte payloads, %d in flight, one credit back\n"+
		"per payload: %.1f MB/s; gopline's throughput run of the same packets: %.1f MB/s, %.2fx the anchor.\n",
		cfg.PacketBytes, cfg.Window, s.AnchorMBPerS, s.MBPerS, s.Ratio)
	fmt.Fprintf(w, "\nLate join: %d viewers (subscribe remote ! gate ! h264dec) joined the other process's live %dx%d %d fps H.264 camera\n"+
		"(an IDR every %d frames, durable_video: its cache replays the latest GOP) at random moments, seed %d;\n"+
		"Subscribe to the first decoded picture: p50 %.1f ms, p95 %.1f ms, max %.1f ms (to the first packet: p50 %.1f ms);\n"+
		"%d replayed the cache, %d without a decoded picture.\n",
		s.LateJoinJoins, CameraWidth, CameraHeight, CameraRate, CameraGOP, cfg.Seed,
		s.LateJoinP50, s.LateJoinP95, s.LateJoinMax, s.LateJoinFirstPacketP50, s.LateJoinReplayed, s.LateJoinLost)
	for _, why := range s.LateJoinReasons {
		fmt.Fprintf(w, "A join without a picture: %s\n", why)
	}
	_, err := fmt.Fprintf(w, "\nLost: %d (packets dropped in the two %d-byte runs, plus late joiners without a decoded picture).\n", s.Lost, cfg.PacketBytes)
	return err
}
