package viewerbench

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/gopline/gopline/internal/bench"
)

// WriteIntro says what a run of cfg measures.
func WriteIntro(w io.Writer, cfg Config) {
	cfg = cfg.withDefaults()
	tabs := "each mode's viewers loaded again in one tab"
	if cfg.NewTabs {
		tabs = "each viewer in a new tab"
	}
	fmt.Fprintf(w, "gopline bench viewer: %d headless Chromium viewers per mode join a live %dx%d %d fps H.264 topic\n"+
		"(an IDR every %d frames) over WHEP at random GOP phases, seed %d, the modes' joins alternating, %s;\n"+
		"time from connect to the first painted frame\n\n",
		cfg.Joins, cfg.Width, cfg.Height, cfg.Rate, cfg.GOP, cfg.Seed, tabs)
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

// WriteStages prints where the joins' time went: each stage's p50 and p95
// from connect, per mode.
func WriteStages(w io.Writer, results []Result) error {
	tw := bench.Table(w)
	fmt.Fprint(tw, "ms from connect\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s p50\t%s p95\t", r.Mode, r.Mode)
	}
	fmt.Fprintln(tw)
	for s := range numStages {
		fmt.Fprintf(tw, "%s\t", s)
		for _, r := range results {
			i := slices.IndexFunc(r.Stages, func(st StageTimes) bool { return st.Stage == s })
			if i < 0 {
				fmt.Fprint(tw, "–\t–\t")
				continue
			}
			fmt.Fprintf(tw, "%.1f\t%.1f\t", r.Stages[i].P50, r.Stages[i].P95)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprint(w, "\nEach stage's percentiles are its own, over the joins that painted: they need not add up.\n"+
		"(node): the node's time, on the page's clock by the page's start (one host).\n")
	return err
}

// WriteTimelines prints every join's timeline, the slowest last, per mode.
func WriteTimelines(w io.Writer, results []Result) error {
	tw := bench.Table(w)
	fmt.Fprint(tw, "mode\t")
	for s := range numStages {
		fmt.Fprintf(tw, "%d\t", s+1)
	}
	fmt.Fprintln(tw)
	for _, r := range results {
		ts := slices.Clone(r.Timelines)
		slices.SortStableFunc(ts, func(a, b Timeline) int { return cmp.Compare(a.At[StagePainted], b.At[StagePainted]) })
		for _, t := range ts {
			fmt.Fprintf(tw, "%s\t", r.Mode)
			for _, d := range t.At {
				if d < 0 {
					fmt.Fprint(tw, "–\t")
				} else {
					fmt.Fprintf(tw, "%.1f\t", bench.Millis(d))
				}
			}
			fmt.Fprintln(tw)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for s := range numStages {
		if _, err := fmt.Fprintf(w, "%d: %s  ", s+1, s); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}
