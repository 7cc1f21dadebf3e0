package latejoin

import (
	"fmt"
	"io"

	"github.com/gopline/gopline/internal/bench"
)

// WriteIntro says what a run of cfg measures, as `gopline bench latejoin`
// does before it starts.
func WriteIntro(w io.Writer, cfg Config) {
	cfg = cfg.withDefaults()
	fmt.Fprintf(w, "gopline bench latejoin: %d viewers (subscribe ! gate ! h264dec) per mode join a live %dx%d %d fps H.264 topic\n"+
		"(an IDR every %d frames) at random moments, seed %d; time from Subscribe to the first decoded picture\n\n",
		cfg.Joins, cfg.Width, cfg.Height, cfg.Rate, cfg.GOP, cfg.Seed)
	if cfg.Hog {
		fmt.Fprintf(w, "A busy loop in another process keeps one core busy beside each run.\n\n")
	}
}

// WriteTable prints the results of runs of cfg: a row per mode, what the
// keyframe requests cost, the first few undecodable joins of each mode, and
// what the columns mean.
func WriteTable(w io.Writer, cfg Config, results []Result) error {
	cfg = cfg.withDefaults()
	tw := bench.Table(w)
	fmt.Fprintln(tw, "mode\tjoins\tp50 ms\tp95 ms\tmax ms\tundecodable\t1st pkt p50 ms\t1st pkt p95 ms\textra IDRs\textra IDR bytes\tstream bytes\tframes\tGOP phases\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%d\t%.2f\t%.2f\t%d\t%d\t%d\t%d\t%d/%d\t\n", r.Mode, r.Joins, r.P50, r.P95, r.Max,
			r.Undecodable, r.FirstPacketP50, r.FirstPacketP95, r.ExtraIDRs, r.ExtraIDRBytes, r.StreamBytes, r.Frames, r.Phases, cfg.GOP)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nWhere the time went, p50 / p95 ms, as the viewer's decoder timed itself:")
	for _, r := range results {
		sp := r.Split
		fmt.Fprintf(w, "%s: Subscribe to the decoder %.1f / %.1f; decoding %.1f / %.1f; decoder waiting for packets %.1f / %.1f; to the sink %.2f / %.2f\n",
			r.Mode, sp.ToDecoder[0], sp.ToDecoder[1], sp.Working[0], sp.Working[1], sp.Waiting[0], sp.Waiting[1], sp.ToSink[0], sp.ToSink[1])
	}
	if err := writeFloors(w, results); err != nil {
		return err
	}
	for _, r := range results {
		if r.Mode == KeyframeRequest && r.Frames > 0 {
			fmt.Fprintf(w, "\nKeyframe requests cost %.1f%% more bytes than the same %d frames with regular keyframes only (%.0f bytes per join).\n",
				100*float64(r.ExtraIDRBytes)/float64(r.BaselineBytes), r.Frames, float64(r.ExtraIDRBytes)/float64(r.Joins))
		}
		shown := 0
		for _, j := range r.Samples {
			if j.Undecodable != "" && shown < 3 {
				shown++
				fmt.Fprintf(w, "%s: an undecodable join: %s\n", r.Mode, j.Undecodable)
			}
		}
	}
	_, err := fmt.Fprintln(w, "\np50, p95, max: Subscribe to the first decoded picture; 1st pkt: Subscribe to the first delivery (the topic's part).\n"+
		"Extra IDR bytes: the run's stream minus the same frames encoded again with regular keyframes only.\n"+
		"GOP phases: how many of the GOP's positions the joins met (keyframe requests keep the GOPs short).")
	return err
}

// writeFloors prints the cache's floors: its replays decoded alone.
func writeFloors(w io.Writer, results []Result) error {
	for _, r := range results {
		if len(r.Floors) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nThe floor: each cache join's replay decoded alone (decoder opened beforehand), while the camera runs:\n\n")
		tw := bench.Table(w)
		fmt.Fprintln(tw, "decoding\treplays\tp50 ms\tp95 ms\topen p50 ms\tcache/floor p50\tcache/floor p95\t")
		for _, f := range r.Floors {
			fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f\t\n", f.Name, f.Replays, f.P50, f.P95, f.OpenP50,
				ratio(r.P50, f.P50), ratio(r.P95, f.P95))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
