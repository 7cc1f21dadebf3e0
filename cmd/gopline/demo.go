package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
)

// demoTopic is the demo camera's topic.
const demoTopic = "/robot/camera"

// demoHTTP is where the demo serves its viewer unless --http says
// otherwise; demoHTTPAny a free port on the same host, when another
// program holds demoHTTP.
const (
	demoHTTP    = "127.0.0.1:8080"
	demoHTTPAny = "127.0.0.1:0"
)

// demoFlags are the flags of `gopline demo`.
type demoFlags struct {
	duration time.Duration
	input    string
	out      string
	joiners  int
	seed     uint64
	asJSON   bool
	verbose  bool
	http     string
}

// demoCommand runs a small robot camera graph: a camera published on a
// durable topic, one subscriber decoding to snapshots, another only
// counting. While it runs, viewers join at random moments, half with the
// topic's GOP cache and half without, and each prints how long it waited
// for its first picture.
func demoCommand() *cobra.Command {
	f := &demoFlags{duration: 12 * time.Second}
	cmd := &cobra.Command{
		Use:   "demo [flags]",
		Short: "a robot camera on a durable topic, viewers joining late with and without the GOP cache",
		Long: "Runs a small robot camera graph: a camera encoded to H.264 and published on " + demoTopic + ", a durable\n" +
			"topic that keeps its latest GOP; one subscriber decodes it to snapshots, another only counts. While\n" +
			"it runs, viewers join at random moments, half with the topic's GOP cache and half without, and each\n" +
			"prints how long it waited for its first picture. `make run` runs it.",
		Example: "  gopline demo\n  gopline demo --input testsrc --duration 5s --late-joiners 4",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.demo(cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.Var((*durationValue)(&f.duration), "duration", "how long to run")
	fs.StringVar(&f.input, "input", "auto", `camera: "auto" plays vtest.avi when make testdata has fetched it, else the test pattern; "testsrc"; or a video file`)
	fs.StringVar(&f.out, "out", filepath.Join(os.TempDir(), "gopline-demo"), "directory for the viewer's snapshots")
	fs.IntVar(&f.joiners, "late-joiners", 8, "viewers that join at random moments, half with the topic's GOP cache, half without")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the moments the late viewers join at (0: a new one each run)")
	fs.BoolVar(&f.asJSON, "json", false, "print the per-node stats as JSON on stdout (the late viewers' lines go to stderr)")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log at debug level")
	fs.StringVar(&f.http, "http", demoHTTP, `serve the camera to browsers and Foxglove at host:port while the demo runs ("" for none; see docs/viewer.md)`)
	return cmd
}

// demoLine is the demo's graph in the one-line syntax, and what its camera
// shows.
func (f *demoFlags) demoLine() (line, source string, err error) {
	camera := "testsrc size=640x480 rate=30"
	source = "the test pattern (640x480, 30 fps)"
	input := f.input
	if input == "auto" {
		path, err := bench.VTestPath()
		if err != nil && !errors.Is(err, bench.ErrNoTestVideo) {
			return "", "", err
		}
		if err == nil {
			input = path
		}
	}
	if input != "auto" && input != "testsrc" {
		camera = fmt.Sprintf("videosrc location=%q size=640x480 is-live=true", input)
		source = input + " (scaled to 640x480, at its own frame rate)"
	}
	line = camera + " ! h264enc gop=30 name=encoder ! publish topic=" + demoTopic + " " +
		fmt.Sprintf("subscribe topic=%s name=viewer ! gate name=viewer-gate ! h264dec name=viewer-decoder ! snapshot dir=%q every=30 name=viewer-snapshots ", demoTopic, f.out) +
		"subscribe topic=" + demoTopic + " name=counter ! fakesink name=counter-sink"
	return line, source, nil
}

// demo runs the demo and prints what it shows.
func (f *demoFlags) demo(stdout, stderr io.Writer) error {
	if f.duration <= 0 {
		return usagef("--duration %v (want more than 0)", f.duration)
	}
	if f.joiners < 0 || f.joiners > 100 {
		return usagef("--late-joiners %d (want 0..100)", f.joiners)
	}
	line, source, err := f.demoLine()
	if err != nil {
		return err
	}
	text := stdout // the late viewers' lines
	if f.asJSON {
		text = stderr
	} else {
		fmt.Fprintf(stdout, "gopline demo: a robot camera, %s, encoded to H.264 (an IDR every 30 frames) and published on %s,\n", source, demoTopic)
		fmt.Fprintf(stdout, "a durable topic that keeps its latest GOP; one subscriber decodes it and writes a snapshot every 30 frames\n")
		fmt.Fprintf(stdout, "to %s, another only counts. The same graph on one line:\n  gopline run --duration %v '%s'\n\n", f.out, f.duration, line)
	}
	if f.joiners > 0 {
		fmt.Fprintf(text, "While it runs, %d viewers (subscribe ! gate ! h264dec) join at random moments: half take the topic's\n"+
			"GOP cache (qos=auto: the cached GOP is decoded and its newest picture shown at once), half do without it\n"+
			"(qos=sensor_data: volatile, they wait for the next keyframe).\n\n", f.joiners)
	}
	began := time.Now()
	stats, end := f.run(line, text, logger(stderr, f.verbose))
	err = finish(judge(stats, end, judgeRules{sources: isSource}), f.asJSON, stdout, stdout)
	if !f.asJSON {
		fmt.Fprintf(stdout, "\n%d snapshots in %s\n", snapshotsSince(f.out, began), f.out)
	}
	return err
}

// snapshotsSince counts the viewer's snapshots in dir written at or after
// began: this run's, not those an earlier demo left there.
func snapshotsSince(dir string, began time.Time) int {
	snaps, _ := filepath.Glob(filepath.Join(dir, "viewer-snapshots-*.png"))
	n := 0
	for _, s := range snaps {
		if fi, err := os.Stat(s); err == nil && !fi.ModTime().Before(began.Truncate(time.Second)) {
			n++
		}
	}
	return n
}

// run runs the demo's line for its duration on a node of its own, with the
// late viewers joining it, and returns the line's counters. The late
// viewers' lines go to text.
func (f *demoFlags) run(line string, text io.Writer, log zerolog.Logger) ([]pipeline.NodeStats, runEnd) {
	n, err := f.node(log)
	if err != nil {
		return nil, runEnd{err: err}
	}
	if url := n.HTTPURL(); url != "" {
		fmt.Fprintf(text, "See the camera in a browser while the demo runs: %s/view?topic=%s (all topics: %s/)\n\n", url, demoTopic, url)
	}
	reg, err := elements.Registry()
	if err != nil {
		return nil, runEnd{err: closeNode(n, err)}
	}
	p, err := n.Parse(line, reg)
	if err != nil {
		return nil, runEnd{err: closeNode(n, err)}
	}
	plan := planLateJoins(f.joiners, f.duration, f.seed)
	// The late viewers leave just before the camera stops, so that none
	// sees the camera go; they log only errors unless -v.
	ctx, cancel := context.WithTimeout(context.Background(), f.duration-min(f.duration/10, 250*time.Millisecond))
	viewerLog := log
	if !f.verbose {
		viewerLog = log.Level(zerolog.ErrorLevel)
	}
	joined := make(chan []lateJoin, 1)
	go func() { joined <- runLateJoins(ctx, n, plan, viewerLog, text) }()
	stats, end := runUntilDone(n, p, f.duration, nil, nil) // the viewers' lines are its feedback
	cancel()
	if joins := <-joined; len(joins) > 0 {
		fmt.Fprintf(text, "\n%s\n\n", summarizeLateJoins(joins))
	}
	end.err = closeNode(n, end.err)
	return stats, end
}

// node starts the demo's node. When another program holds the default
// viewer port, the demo serves on a free port instead and says so: the
// demo runs anyway, and the line it prints has the port it took. A port
// given with --http is taken or the demo fails.
func (f *demoFlags) node(log zerolog.Logger) (*gopline.Node, error) {
	opts := []gopline.Option{gopline.WithLogger(log)}
	if f.http == "" {
		return newNode(opts...)
	}
	n, err := newNode(append(opts, gopline.WithHTTP(f.http))...)
	if errors.Is(err, syscall.EADDRINUSE) && f.http == demoHTTP {
		log.Warn().Str("address", demoHTTP).Msg("the viewer's port is taken; serving the viewer on a free port")
		return newNode(append(opts, gopline.WithHTTP(demoHTTPAny))...)
	}
	return n, err
}

// lateJoin is one late viewer of the demo: when it joins, whether it takes
// the topic's cache, and what it saw.
type lateJoin struct {
	at    time.Duration // after the camera started
	cache bool
	pic   bench.FirstPicture
	err   error
}

// planLateJoins picks n moments in the demo's run, and which viewers take
// the cache (half of them, at random). The moments leave the camera a
// second to fill its first GOP, and a viewer without the cache a GOP of
// vtest.avi (30 frames at 10 fps) before the end to find a keyframe.
func planLateJoins(n int, run time.Duration, seed uint64) []lateJoin {
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	from := min(time.Second, run/3)
	to := run - min(3500*time.Millisecond, run/3)
	joins := make([]lateJoin, n)
	for i := range joins {
		joins[i].at = from + time.Duration(rng.Int64N(int64(to-from)+1))
		joins[i].cache = i < (n+1)/2
	}
	rng.Shuffle(n, func(i, j int) { joins[i].cache, joins[j].cache = joins[j].cache, joins[i].cache })
	slices.SortFunc(joins, func(a, b lateJoin) int { return int(a.at - b.at) })
	return joins
}

// runLateJoins starts the planned viewers at their moments, each printing a
// line when it has its first picture, and returns what they saw once all
// are done. Cancelling ctx stops the joins not yet started and the waits.
func runLateJoins(ctx context.Context, n *gopline.Node, plan []lateJoin, log zerolog.Logger, w io.Writer) []lateJoin {
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex // w
	noCache := qos.SensorData()
	for i := range plan {
		timer := time.NewTimer(time.Until(start.Add(plan[i].at)))
		select {
		case <-ctx.Done():
			timer.Stop()
			wg.Wait()
			return plan[:i]
		case <-timer.C:
		}
		wg.Add(1)
		go func(j *lateJoin, num int) {
			defer wg.Done()
			cfg := bench.ViewerConfig{Topic: demoTopic, Log: log}
			if !j.cache {
				cfg.QoS = &noCache
			}
			v, err := bench.StartViewer(ctx, n, cfg)
			if err == nil {
				j.pic, j.err = v.Wait(ctx)
				if serr := v.Stop(); serr != nil {
					log.Warn().Err(serr).Msg("stopping a late viewer")
				}
			} else {
				j.err = err
			}
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintln(w, describeLateJoin(num, j))
		}(&plan[i], i+1)
	}
	wg.Wait()
	return plan
}

func describeLateJoin(n int, j *lateJoin) string {
	how := "without the cache"
	if j.cache {
		how = "with the cache"
	}
	s := fmt.Sprintf("  viewer %d, joined at %5.2f s %-18s  ", n, j.at.Seconds(), how+":")
	if j.err != nil {
		return s + "no picture before the end"
	}
	which := "the next keyframe"
	if j.pic.First.Replay.Replayed {
		which = "the newest of the cached GOP"
	}
	if j.pic.DecoderErrors > 0 {
		which += fmt.Sprintf(", after %d decoder errors", j.pic.DecoderErrors)
	}
	return s + fmt.Sprintf("first picture after %6.1f ms (packet %d, %s)", msOf(j.pic.Wait()), j.pic.Frame.Seq, which)
}

// summarizeLateJoins is the demo's line on the late viewers.
func summarizeLateJoins(joins []lateJoin) string {
	side := func(cache bool) string {
		var waits []time.Duration
		none := 0
		for _, j := range joins {
			switch {
			case j.cache != cache:
			case j.err != nil:
				none++
			default:
				waits = append(waits, j.pic.Wait())
			}
		}
		s := "no viewer"
		if len(waits) > 0 {
			slices.Sort(waits)
			s = fmt.Sprintf("median %.0f ms, worst %.0f ms over %d viewers", msOf(waits[(len(waits)-1)/2]), msOf(waits[len(waits)-1]), len(waits))
		}
		if none > 0 {
			s += fmt.Sprintf(" (%d had no picture before the end)", none)
		}
		return s
	}
	return fmt.Sprintf("Late viewers, Subscribe to first picture: with the cache %s; without it %s.\n"+
		"`gopline bench latejoin` measures 100 joins per mode.", side(true), side(false))
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
