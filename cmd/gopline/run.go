package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport/remote"
	"github.com/rs/zerolog"
)

func runRun(args []string, stdout, stderr io.Writer) error {
	return runPipeline("run", "", args, stdout, stderr)
}

// runServe is run that listens for other nodes by default and keeps
// serving after its pipelines end, until Ctrl-C or --duration.
func runServe(args []string, stdout, stderr io.Writer) error {
	return runPipeline("serve", remote.DefaultAddr, args, stdout, stderr)
}

func runPipeline(verb, defaultListen string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags(verb, stderr)
	duration := duration(fs, "duration", 0, "stop after this long (default: when every source ends, or on Ctrl-C)")
	asJSON := fs.Bool("json", false, "print the per-node stats at the end as JSON on stdout")
	verbose := fs.Bool("v", false, "log at debug level")
	nf := addNodeFlags(fs, defaultListen)
	nf.addHTTPFlag(fs)
	serve := verb == "serve"
	fs.Usage = func() {
		if serve {
			fmt.Fprintln(stderr, "Usage: gopline serve [flags] ['PIPELINE']\n\nRuns the pipelines (if any) and serves this process's topics to other processes and hosts\n(subscribe topic=/camera remote=HOST:PORT) until Ctrl-C or --duration. See docs/remote.md.\nExample: gopline serve --listen 127.0.0.1:7400 'testsrc ! h264enc ! publish topic=/camera'\n\nFlags:")
		} else {
			fmt.Fprintln(stderr, "Usage: gopline run [flags] 'ELEMENT prop=value ! ELEMENT ... '\n\nRuns a pipeline written in gopline's one-line syntax; `gopline elements` lists the elements.\nExample: gopline run 'testsrc num-frames=300 ! h264enc gop=30 ! publish topic=/camera  subscribe topic=/camera ! gate ! h264dec ! snapshot dir=out every=30'\n\nFlags:")
		}
		fs.PrintDefaults()
	}
	line, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if line == "" && !serve {
		return fmt.Errorf("%w: no pipeline given: gopline run 'testsrc ! h264enc ! fakesink'", errUsage)
	}
	if serve && *nf.listen == "" {
		return fmt.Errorf("%w: gopline serve needs --listen HOST:PORT", errUsage)
	}
	n, err := nf.open(logger(stderr, *verbose), subscribesRemote(line))
	if err != nil {
		return err
	}
	if url := n.HTTPURL(); url != "" {
		fmt.Fprintf(stderr, "viewer: %s\n", url)
	}
	// One deadline and one Ctrl-C for the pipeline and the serving after it.
	ctx, stop := stopContext(*duration)
	defer stop()
	var stats []pipeline.NodeStats
	if line != "" {
		p, err := parseLine(n, line, stderr)
		if err != nil {
			return closeNode(n, err)
		}
		stats, err = runUntil(ctx, p)
		if err != nil || !serve {
			err = closeNode(n, err)
			if jerr := report(stats, *asJSON, stdout, stderr); jerr != nil {
				return jerr
			}
			return err
		}
	}
	<-ctx.Done()
	err = n.Close()
	if line != "" {
		if jerr := report(stats, *asJSON, stdout, stderr); jerr != nil {
			return jerr
		}
	}
	return err
}

// runUntilDone runs p until its sources end, Ctrl-C or SIGTERM, or the
// duration (if positive) passes; then stops it gracefully and returns its
// counters.
func runUntilDone(p *pipeline.Pipeline, duration time.Duration) ([]pipeline.NodeStats, error) {
	ctx, stop := stopContext(duration)
	defer stop()
	return runUntil(ctx, p)
}

// stopContext is done on Ctrl-C or SIGTERM, or after d when positive.
func stopContext(d time.Duration) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if d <= 0 {
		return ctx, stop
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, func() { cancel(); stop() }
}

// runUntil runs p until its sources end or ctx is done, then stops it
// gracefully and returns its counters.
func runUntil(ctx context.Context, p *pipeline.Pipeline) ([]pipeline.NodeStats, error) {
	if err := p.Start(ctx); err != nil {
		return nil, err
	}
	select {
	case <-p.Done():
	case <-ctx.Done():
	}
	err := p.Stop()
	return p.Stats(), err
}

// report prints the counters as JSON on stdout, or as a table on table.
func report(stats []pipeline.NodeStats, asJSON bool, stdout, table io.Writer) error {
	if !asJSON {
		printStats(table, stats)
		return nil
	}
	return writeJSON(stdout, stats)
}

// parseInterleaved parses flags that may come before, between or after the
// words of the pipeline, which are joined with spaces (as gst-launch does).
func parseInterleaved(fs *flag.FlagSet, args []string) (string, error) {
	var words []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			return strings.TrimSpace(strings.Join(words, " ")), nil
		}
		words = append(words, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// printStats prints the per-node summary table.
func printStats(w io.Writer, stats []pipeline.NodeStats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "node\telement\tin\tout\tfps\tbytes\tkbit/s\tdropped\terrors\trestarts\tlatency p50 ms\tp99 ms\t")
	for _, s := range stats {
		kbps := 0.0
		if s.Elapsed > 0 {
			kbps = float64(s.Bytes) * 8 / s.Elapsed.Seconds() / 1000
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.1f\t%s\t%.0f\t%d\t%d\t%d\t%.1f\t%.1f\t\n", s.Node, s.Element, s.In, s.Out, s.FPS(),
			byteSize(s.Bytes), kbps, s.Dropped, s.Errors, s.Restarts, s.LatencyP50, s.LatencyP99)
	}
	tw.Flush()
}

// byteSize writes n bytes for people: 0, 812 B, 41.3 kB, 2.06 MB, 1.20 GB.
func byteSize(n uint64) string {
	switch {
	case n == 0:
		return "0"
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}

func logger(w io.Writer, verbose bool) zerolog.Logger {
	level := zerolog.InfoLevel
	if verbose {
		level = zerolog.DebugLevel
	}
	// Actors log from their own goroutines; w need not be safe for that.
	return zerolog.New(zerolog.ConsoleWriter{Out: zerolog.SyncWriter(w), TimeFormat: time.TimeOnly}).With().Timestamp().Logger().Level(level)
}
