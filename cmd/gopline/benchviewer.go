package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/internal/bench/viewerbench"
)

// viewerFlags are the flags of `gopline bench viewer`.
type viewerFlags struct {
	joins           int
	seed            uint64
	asJSON, verbose bool
	quiet           bool
	timelines       bool
	newTabs         bool
}

// benchViewerCommand lets headless Chromium viewers join a live topic over
// WHEP and prints how soon each painted its first frame, per mode.
func benchViewerCommand() *cobra.Command {
	f := &viewerFlags{}
	cmd := &cobra.Command{
		Use:   "viewer [flags]",
		Short: "time to the first painted frame of browser viewers: cache, PLI, volatile",
		Long: "Lets headless Chromium viewers (WHEP) join a live 640x480 30 fps topic with an IDR every 30 frames at\n" +
			"random GOP phases, and prints the time from each viewer's connect to its first painted frame with\n" +
			"the topic's GOP cache, with a forced IDR per joiner (PLI), and waiting for the next keyframe.\n" +
			"The modes run at once and their joins alternate; each mode's viewers load in a tab of its own.\n" +
			"Under the table, where the joins' time went: each stage, in the browser and in the node.\n" +
			"Needs chromium (Debian: apt-get install chromium).",
		Example: "  gopline bench viewer\n  gopline bench viewer --joins 50 --json\n  gopline bench viewer --timelines",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&f.joins, "joins", viewerbench.DefaultJoins, "browser viewers that join, per mode")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the random moments the viewers join at")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON object per mode")
	fs.BoolVar(&f.timelines, "timelines", false, "print every join's timeline too")
	fs.BoolVar(&f.newTabs, "new-tabs", false, "load each viewer in a new tab (Chromium starts its WebRTC anew) instead of again in its mode's tab")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log at debug level")
	addBenchQuiet(fs, &f.quiet)
	return cmd
}

func (f *viewerFlags) run(stdout, stderr io.Writer) error {
	if f.joins < 1 || f.joins > 1000 {
		return usagef("--joins %d (want 1..1000)", f.joins)
	}
	cfg := viewerbench.Config{JoinPlan: bench.JoinPlan{Joins: f.joins, Seed: f.seed}, NewTabs: f.newTabs}
	if f.verbose {
		cfg.Log = logger(stderr, true)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !f.asJSON {
		viewerbench.WriteIntro(stdout, cfg)
	}
	bar := benchBar(stderr, f.asJSON, f.quiet, "viewer", "joins")
	defer bar.clear()
	cfg.Progress = bar.update
	results, err := viewerbench.RunAll(ctx, cfg)
	if err != nil {
		return err
	}
	bar.clear()
	if len(results) > 0 {
		fmt.Fprintf(stderr, "viewer: %d joins of each mode in %.1f s\n", f.joins, results[0].Elapsed.Seconds())
	}
	if !f.asJSON {
		if err := viewerbench.WriteTable(stdout, results); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
		if err := viewerbench.WriteStages(stdout, results); err != nil {
			return err
		}
		if !f.timelines {
			return nil
		}
		fmt.Fprintln(stdout)
		return viewerbench.WriteTimelines(stdout, results)
	}
	enc := json.NewEncoder(stdout)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}
