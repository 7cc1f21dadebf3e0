package viewerbench

import (
	"fmt"
	"io"

	"github.com/gopline/gopline/internal/bench"
)

// WriteIntro says what a run of cfg measures.
func WriteIntro(w io.Writer, cfg Config) {
	cfg = cfg.withDefaults()
	fmt.Fprintf(w, "gopline bench viewer: %d headless Chromium viewers per mode join a live %dx%d %d fps H.264 topic\n"+
		"(an IDR every %d frames) over WHEP at random GOP phases, seed %d; time from connect to the first painted frame\n\n",
		cfg.Joins, cfg.Width, cfg.Height, cfg.Rate, cfg.GOP, cfg.Seed)
}

// WriteTable prints a row per mode and what the columns mean.
func WriteTable(w io.Writer, results []Result) error {
	tw := bench.Table(w)
	fmt.Fprintln(tw, "mode\tjoins\tp50 ms\tp95 ms\tmax ms\tundecodable\tforced IDRs\textra IDR bytes\trequests forwarded\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\t%d\t\n", r.Mode, r.Joins, r.P50, r.P95, r.Max,
			r.Undecodable, r.ForcedIDRs, r.ExtraIDRBytes, r.Forwarded)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprint(w, "\ncache: the topic's cached GOP replayed at once; pli: the browser's PLI forces an IDR per joiner;\n"+
		"volatile: the viewer waits for the next regular keyframe. Extra IDR bytes: forced keyframes less the deltas they replaced.\n")
	return err
}
