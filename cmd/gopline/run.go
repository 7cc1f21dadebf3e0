package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport/remote"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// pipelineFlags are the flags of run and serve.
type pipelineFlags struct {
	duration time.Duration
	asJSON   bool
	verbose  bool
	quiet    bool
	// allowDamage: damage a source skipped does not fail the run.
	allowDamage bool
	node        *nodeFlags
}

func (f *pipelineFlags) add(fs *pflag.FlagSet, defaultListen string) {
	fs.Var((*durationValue)(&f.duration), "duration", "stop after this long (default: when every source ends, or on Ctrl-C)")
	fs.BoolVar(&f.asJSON, "json", false, "print the per-node stats at the end as JSON on stdout")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log at debug level")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no live status line on a terminal (the summary stays)")
	fs.BoolVar(&f.allowDamage, "allow-damage", false, "exit 0 even when a source skipped damaged packets (they are still counted)")
	f.node = addNodeFlags(fs, defaultListen)
	f.node.addHTTPFlag(fs)
}

func runCommand() *cobra.Command {
	f := &pipelineFlags{}
	cmd := &cobra.Command{
		Use:   "run [flags] 'ELEMENT prop=value ! ELEMENT ...'",
		Short: "run a pipeline written in the one-line syntax",
		Long: "Runs a pipeline written in gopline's one-line syntax until every source ends, Ctrl-C or --duration,\n" +
			"then prints each node's counters. Elements are joined by !, properties are key=value; an element\n" +
			"that follows another without a ! starts a new chain. `gopline elements` lists the elements.\n" +
			"Exit status: 0 when every source ended cleanly (or was stopped by Ctrl-C, SIGTERM or --duration after it\n" +
			"opened), 1 when a source or stage failed (a network source stopped before its stream ever opened\n" +
			"included), 2 for a bad line.",
		Example: "  gopline run 'testsrc num-frames=300 ! h264enc gop=30 ! publish topic=/camera  subscribe topic=/camera ! gate ! h264dec ! snapshot dir=out every=30'\n" +
			"  gopline run --duration 5s --json 'testsrc ! h264enc ! fakesink'\n" +
			"  gopline run 'subscribe topic=/camera remote=127.0.0.1:7400 ! gate ! h264dec ! stats'",
		ValidArgsFunction: completePipeline,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.runPipeline(false, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f.add(cmd.Flags(), "")
	return cmd
}

// serveCommand is run that listens for other nodes by default and keeps
// serving after its pipelines end, until Ctrl-C or --duration.
func serveCommand() *cobra.Command {
	f := &pipelineFlags{}
	cmd := &cobra.Command{
		Use:   "serve [flags] ['PIPELINE']",
		Short: "run pipelines and serve their topics to other processes and hosts",
		Long: "Runs the pipeline (if any) and serves this process's topics to other processes and hosts\n" +
			"(subscribe topic=/camera remote=HOST:PORT, gopline topics --remote HOST:PORT) until Ctrl-C or\n" +
			"--duration. See docs/remote.md.",
		Example: "  gopline serve --listen 127.0.0.1:7400 'testsrc ! h264enc ! publish topic=/camera'\n" +
			"  gopline serve --listen 127.0.0.1:7400 --token s3cret 'testsrc ! h264enc ! publish topic=/camera'",
		ValidArgsFunction: completePipeline,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.runPipeline(true, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f.add(cmd.Flags(), remote.DefaultAddr)
	cmd.Flags().Lookup("duration").Usage = "stop after this long (default: on Ctrl-C; serve goes on serving its topics after its pipeline's sources end)"
	return cmd
}

// runPipeline runs the pipeline of the words args (serving with serve).
func (f *pipelineFlags) runPipeline(serve bool, args []string, stdout, stderr io.Writer) error {
	line := pipelineLine(args)
	if line == "" && !serve {
		return usagef("no pipeline given: gopline run 'testsrc ! h264enc ! fakesink'")
	}
	if serve && *f.node.listen == "" {
		return usagef("gopline serve needs --listen HOST:PORT")
	}
	if err := checkLine(line, stderr); err != nil {
		return err
	}
	log := logger(stderr, f.verbose)
	// A file read flat out to the line's own subscribers is told before
	// anything runs, with what to write instead.
	flatOut := lineFlatOut(line)
	if msg := flatOut.ahead(); msg != "" {
		log.Warn().Msg(msg)
	}
	n, err := f.node.open(log, subscribesRemote(line), lineRemotes(line)...)
	if err != nil {
		return err
	}
	if url := n.HTTPURL(); url != "" && *f.node.token != "" {
		fmt.Fprintf(stderr, "viewer: %s/?token=TOKEN (the node's token)\n", url)
	} else if url != "" {
		fmt.Fprintf(stderr, "viewer: %s\n", url)
	}
	// One deadline and one Ctrl-C for the pipeline and the serving after it.
	ctx, stop := stopContext(f.duration)
	defer stop()
	ctx, leave := leavingOnStop(ctx, n)
	defer leave()
	if line == "" {
		<-ctx.Done()
		return n.Close()
	}
	p, err := parseLine(n, line, stderr)
	if err != nil {
		return closeNode(n, err)
	}
	// Subscribers that drop behind a file read flat out say so too (the
	// subscribe element's warning); the end says it again, with all they
	// dropped and the files that outran them.
	stats, end := runUntil(ctx, p, liveOutput(stderr, f.quiet || f.asJSON), lineTopics(line))
	if msg := flatOut.warning(stats); msg != "" {
		log.Warn().Msg(msg)
	}
	if serve && end.err == nil && ctx.Err() == nil {
		log.Info().Msg("the pipeline ended: serving its topics until Ctrl-C or --duration")
		<-ctx.Done()
	}
	rules := judgeRules{sources: isSource, files: nodeFiles(line), losses: recordingLosses(line, stats, nil)}
	if !f.node.wait { // --wait: waiting for a node to appear is what was asked
		rules.unpublished = unpublishedSubscribes(n, line, stats)
	}
	end.err = closeNode(n, end.err)
	rules.allowDamage = f.allowDamage
	return finish(judge(stats, end, rules), f.asJSON, stdout, stderr)
}

// runUntilDone runs p, made on n, until its sources end, Ctrl-C or
// SIGTERM, or the duration (if positive) passes; then stops it gracefully
// and returns its counters. Stopped, n leaves its remote subscribers first
// (leavingOnStop), so that they resume when it is back.
func runUntilDone(n *gopline.Node, p *pipeline.Pipeline, duration time.Duration, live io.Writer, topics map[string]string) ([]pipeline.NodeStats, runEnd) {
	ctx, stop := stopContext(duration)
	defer stop()
	ctx, leave := leavingOnStop(ctx, n)
	defer leave()
	return runUntil(ctx, p, live, topics)
}

// stopSignals stop a running command gracefully: Ctrl-C, SIGTERM (a
// service's stop), and SIGHUP, which a closed terminal or a dropped ssh
// session sends, and whose default would end the process at once, losing
// what a recorder has not written yet.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// stopsGracefully is the annotation of a command that stops gracefully on
// stopSignals. run watches for them from before it starts (watchStops).
const stopsGracefully = "gopline/stops-gracefully"

// gracefully marks cmd as one that stops gracefully on stopSignals.
func gracefully(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[stopsGracefully] = "yes"
	return cmd
}

// stopped is done once one of stopSignals came since the command started,
// for a command that stops gracefully (set by watchStops), else nil.
var stopped atomic.Pointer[context.Context]

// watchStops watches for stopSignals while cmd runs, when it stops
// gracefully, and returns the function that ends the watch. Watching from
// the start, before the command opens its node (a --state file, a
// listener), a Ctrl-C while it opens stops it as one while it runs does:
// at once, with the recording and the state it has. Without the watch the
// signal would end the process, or be lost where the shell that started it
// in the background had it ignored.
func watchStops(cmd *cobra.Command) (end func()) {
	if cmd == nil || cmd.Annotations[stopsGracefully] == "" {
		return func() {}
	}
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	stopped.Store(&ctx)
	return func() { stopped.Store(nil); stop() }
}

// stopContext is done on one of stopSignals (since the command started, see
// watchStops), or after d when positive.
func stopContext(d time.Duration) (context.Context, context.CancelFunc) {
	parent := context.Background()
	if ctx := stopped.Load(); ctx != nil {
		parent = *ctx
	}
	ctx, stop := signal.NotifyContext(parent, stopSignals...)
	if d <= 0 {
		return ctx, stop
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, func() { cancel(); stop() }
}

// runUntil runs p until its sources end or ctx is done, then stops it
// gracefully and returns its counters and how it ended. While it runs, a
// live status line is drawn on live, unless it is nil, naming the nodes'
// topics (by node).
func runUntil(ctx context.Context, p *pipeline.Pipeline, live io.Writer, topics map[string]string) ([]pipeline.NodeStats, runEnd) {
	return runUntilStarted(ctx, p, live, topics, nil)
}

// runUntilStarted is runUntil, calling started (when not nil) once p has
// started: from then on p's counters may be read.
func runUntilStarted(ctx context.Context, p *pipeline.Pipeline, live io.Writer, topics map[string]string, started func()) ([]pipeline.NodeStats, runEnd) {
	if err := p.Start(ctx); err != nil {
		return p.Stats(), runEnd{err: err}
	}
	if started != nil {
		started()
	}
	status := startStatus(live, p.Stats, topics, statusInterval)
	ended := false
	select {
	case <-p.Done():
		ended = ctx.Err() == nil
	case <-ctx.Done():
	}
	status.close()
	err := runsOwn(p.Stop()) // the nodes' failures are judged by their counters
	return p.Stats(), runEnd{err: err, ended: ended}
}

// isSource reports whether element is a source: an element of the
// registry that takes nothing.
func isSource(element string) bool {
	reg, err := elements.Registry()
	if err != nil {
		return false
	}
	s, err := reg.Lookup(element)
	return err == nil && s.In == ""
}

// finish prints a run's report, as JSON on stdout or as a table on table,
// and returns the run's error. The JSON is the list of nodes, each with an
// "error" when it failed the run (a stage that could not start included); a
// failure that is no node's own (a stop that timed out, say) is an entry of
// its own whose node is "run".
func finish(r runReport, asJSON bool, stdout, table io.Writer) error {
	if !asJSON {
		printStats(table, r.Nodes)
		return r.Err
	}
	nodes := r.Nodes
	if r.Err != nil && !slices.ContainsFunc(nodes, func(n nodeReport) bool { return n.Error != "" }) {
		nodes = append(nodes, nodeReport{NodeStats: pipeline.NodeStats{Node: "run"}, Error: r.Err.Error()})
	}
	if nodes == nil {
		nodes = []nodeReport{}
	}
	return errors.Join(r.Err, writeJSON(stdout, nodes))
}

// printStats prints the per-node summary table, and under it why each node
// that skipped input skipped it.
func printStats(w io.Writer, nodes []nodeReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "node\telement\tin\tout\tfps\tbytes\tkbit/s\tdropped\tskipped\terrors\trestarts\tlatency p50 ms\tp99 ms\t")
	var reasons []string
	for _, n := range nodes {
		s := n.NodeStats
		kbps := 0.0
		if s.Elapsed > 0 {
			kbps = float64(s.Bytes) * 8 / s.Elapsed.Seconds() / 1000
		}
		var skipped uint64
		for _, c := range s.Skipped {
			skipped += c
		}
		if skipped > 0 {
			reasons = append(reasons, fmt.Sprintf("%s skipped %s", s.Node, skipReasons(s.Skipped)))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.1f\t%s\t%.0f\t%d\t%d\t%d\t%d\t%s\t%s\t\n", s.Node, s.Element, s.In, s.Out, s.FPS(),
			byteSize(s.Bytes), kbps, s.Dropped, skipped, s.Errors, s.Restarts, latencyCell(s.LatencyP50), latencyCell(s.LatencyP99))
	}
	tw.Flush()
	for _, r := range reasons {
		fmt.Fprintln(w, r)
	}
}

// latencyCell is a latency in the table: milliseconds, or "> 1h" for
// items older than the stats tell apart (a recording played with its
// recorded capture times, --keep-time).
func latencyCell(ms float64) string {
	if ms >= pipeline.LatencyMaxMs {
		return "> 1h"
	}
	return fmt.Sprintf("%.1f", ms)
}

// skipReasons writes a node's skip counts by reason, the most first:
// "4 damaged, 1 undecodable".
func skipReasons(skipped map[string]uint64) string {
	why := slices.Collect(maps.Keys(skipped))
	slices.SortFunc(why, func(a, b string) int {
		if c := cmp.Compare(skipped[b], skipped[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(why))
	for i, reason := range why {
		parts[i] = fmt.Sprintf("%d %s", skipped[reason], reason)
	}
	return strings.Join(parts, ", ")
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

// pipelineLine joins the words of a pipeline given as several arguments,
// as gst-launch does: each argument is one word, so that a property whose
// value the shell kept whole ("location=my clip.mp4", "location=a!b.mp4")
// stays whole; it is quoted, its quotes and backslashes escaped. A value
// that is quoted already, and a pipeline given as one argument, are taken
// as written.
func pipelineLine(args []string) string {
	if len(args) == 1 {
		return strings.TrimSpace(args[0])
	}
	words := make([]string, len(args))
	for i, arg := range args {
		words[i] = arg
		key, value, ok := strings.Cut(arg, "=")
		if !ok || value == "" || strings.ContainsAny(value[:1], `"'`) || !isPropertyKey(key) || !strings.ContainsAny(value, " \t\n!\"'") {
			continue
		}
		words[i] = key + `="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(value) + `"`
	}
	return strings.TrimSpace(strings.Join(words, " "))
}

// isPropertyKey reports whether key is a property's name: a letter, then
// letters, digits, "-" and "_".
func isPropertyKey(key string) bool {
	for i, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '_')) {
			return false
		}
	}
	return key != ""
}
