package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/internal/bench/codecstudy"
	"github.com/gopline/gopline/internal/bench/latejoin"
	"github.com/gopline/gopline/internal/bench/remotebench"
	"github.com/gopline/gopline/internal/bytesize"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
)

func benchCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench codecs|storage|latejoin|remote|viewer [flags]",
		Short: "benchmarks: codecs, storage, late joiners, remote subscriptions",
		Long: "Runs one of gopline's benchmarks and prints its table (--json for scripts). docs/benchmarks.md\n" +
			"explains the figures.",
		Example: "  gopline bench codecs\n  gopline bench latejoin --joins 100 --seed 1\n  gopline bench remote --seconds 2",
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("which benchmark? gopline bench codecs|storage|latejoin|remote|viewer")
			}
			return usagef("unknown benchmark %q%s: gopline bench codecs|storage|latejoin|remote|viewer", args[0], didYouMean(cmd.SuggestionsFor(args[0])))
		},
	}
	cmd.AddCommand(benchCodecsCommand(), benchStorageCommand(), benchLatejoinCommand(), benchRemoteCommand(), benchViewerCommand())
	return cmd
}

// clipFlags are the input flags the benchmarks share.
type clipFlags struct {
	input  *string
	size   *string
	frames *int
}

func addClipFlags(fs *pflag.FlagSet, size string, frames int) clipFlags {
	return clipFlags{
		input:  fs.String("input", "auto", `video file; "auto" uses vtest.avi when make testdata has fetched it, "testsrc" the test pattern`),
		size:   fs.String("size", size, "picture size WIDTHxHEIGHT"),
		frames: fs.Int("frames", frames, "number of frames"),
	}
}

// load reads the clip the flags name; name describes it.
func (c clipFlags) load() (frames []*media.Frame, name string, err error) {
	w, h, err := parseSize(*c.size)
	if err != nil {
		return nil, "", usagef("--size: %v", err)
	}
	if *c.frames < 1 || *c.frames > 100_000 {
		return nil, "", usagef("--frames %d (want 1..100000)", *c.frames)
	}
	return codecstudy.Load(*c.input, w, h, *c.frames)
}

// clipBenchCommand is a benchmark over one clip: cmd's texts, the clip's
// flags with their defaults, --json and --quiet.
func clipBenchCommand(cmd *cobra.Command, size string, frames int, run func(clip clipFlags, out benchOutput) error) *cobra.Command {
	var out benchOutput
	clip := addClipFlags(cmd.Flags(), size, frames)
	cmd.Flags().BoolVar(&out.asJSON, "json", false, "print the results as JSON")
	addBenchQuiet(cmd.Flags(), &out.quiet)
	cmd.Args = noArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		out.stdout, out.stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
		return run(clip, out)
	}
	return cmd
}

// benchOutput is where a clip benchmark writes: its results to stdout, as
// JSON with --json, and its progress bar to stderr.
type benchOutput struct {
	asJSON, quiet  bool
	stdout, stderr io.Writer
}

// bar is the benchmark's progress bar (benchBar).
func (o benchOutput) bar(label string) *progressBar {
	return benchBar(o.stderr, o.asJSON, o.quiet, label, "stages")
}

// benchStorageCommand records one clip as H.264 and as JPEG and prints
// file and payload bytes and PSNR: the seed's storage table, as files.
func benchStorageCommand() *cobra.Command {
	return clipBenchCommand(&cobra.Command{
		Use:   "storage [flags]",
		Short: "one clip recorded as H.264 and as JPEG: file and payload bytes, PSNR",
		Long: "Records one clip into a gopline recording once as H.264 and once as JPEG, reads both back,\n" +
			"decodes them and prints file bytes, payload bytes and PSNR against the original.",
		Example: "  gopline bench storage\n  gopline bench storage --input testsrc --frames 60 --json",
	}, "320x240", 150, benchStorage)
}

func benchStorage(clip clipFlags, out benchOutput) error {
	frames, name, err := clip.load()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "gopline-bench-storage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bar := out.bar("bench storage")
	defer bar.clear()
	res, err := codecstudy.StorageTable(frames, 30, dir, codecstudy.WithProgress(bar.update))
	bar.clear()
	if err != nil {
		return err
	}
	if out.asJSON {
		return writeJSON(out.stdout, res)
	}
	fmt.Fprintf(out.stdout, "gopline bench storage: %d frames of %s at %s, recorded as H.264 and as JPEG, read back and decoded\n\n", len(frames), name, *clip.size)
	return codecstudy.WriteStorageTable(out.stdout, res)
}

// benchCodecsCommand encodes and decodes one clip with every codec and
// prints bytes, quality and speed.
func benchCodecsCommand() *cobra.Command {
	return clipBenchCommand(&cobra.Command{
		Use:   "codecs [flags]",
		Short: "H.264 against JPEG on vtest.avi or the test pattern: bytes, PSNR, speed",
		Long: "Encodes and decodes one clip with H.264, with JPEG, and with JPEG at H.264's quality, and prints\n" +
			"bytes per frame, PSNR and encode and decode speed.",
		Example: "  gopline bench codecs\n  gopline bench codecs --input testsrc --size 320x240 --frames 60",
	}, "640x480", 150, benchCodecs)
}

func benchCodecs(clip clipFlags, out benchOutput) error {
	clipFrames, name, err := clip.load()
	if err != nil {
		return err
	}
	w, h := clipFrames[0].Width, clipFrames[0].Height
	if !out.asJSON {
		fmt.Fprintf(out.stdout, "gopline bench codecs: %d frames of %s at %dx%d, encoded and decoded by each codec\n\n", len(clipFrames), name, w, h)
	}
	bar := out.bar("bench codecs")
	defer bar.clear()
	results, err := codecstudy.Codecs(clipFrames, codecstudy.WithProgress(bar.update))
	bar.clear()
	if err != nil {
		return err
	}
	if out.asJSON {
		return writeJSON(out.stdout, results)
	}
	if err := codecstudy.WriteCodecsTable(out.stdout, results); err != nil {
		return err
	}
	if *clip.input == "auto" && name == codecstudy.TestPattern {
		fmt.Fprintln(out.stdout, "Run `make testdata` to fetch vtest.avi, a real camera clip, and run this again.")
	}
	return nil
}

// latejoinFlags are the flags of `gopline bench latejoin`.
type latejoinFlags struct {
	joins, gop, threads  int
	seed                 uint64
	size, modes          string
	minGap, maxGap       time.Duration
	asJSON, verbose, hog bool
	quiet                bool
}

// benchLatejoinCommand lets viewers join a live topic at random moments,
// with the topic's GOP cache, without it, and with a keyframe request each,
// and prints the time to each one's first picture and what the requests
// cost.
func benchLatejoinCommand() *cobra.Command {
	f := &latejoinFlags{}
	cmd := &cobra.Command{
		Use:   "latejoin [flags]",
		Short: "time to the first picture of late joiners: cache, volatile, keyframe requests",
		Long: "Lets viewers join a live camera topic at random moments, with the topic's GOP cache, without it,\n" +
			"and with a keyframe request each, and prints the time to each one's first picture and what the\n" +
			"requests cost the camera.",
		Example: "  gopline bench latejoin\n  gopline bench latejoin --joins 100 --seed 1 --json\n" +
			"  gopline bench latejoin --modes cache --size 1920x1080 --gop 60 --joins 20 --min-gap 1s --max-gap 1.5s --hog",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&f.joins, "joins", latejoin.DefaultJoins, "viewers that join, per mode")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the random moments the viewers join at")
	fs.StringVar(&f.size, "size", fmt.Sprintf("%dx%d", bench.DefaultWidth, bench.DefaultHeight), "the camera's picture size WIDTHxHEIGHT")
	fs.IntVar(&f.gop, "gop", bench.DefaultGOP, "frames from one regular IDR to the next, at 30 frames/s")
	fs.StringVar(&f.modes, "modes", "cache,volatile,keyframe_request", "the modes to run, comma-separated")
	fs.IntVar(&f.threads, "threads", 1, "the viewers' decoder slice threads")
	fs.BoolVar(&f.hog, "hog", false, "keep one core busy beside the runs (a busy loop in another process)")
	fs.DurationVar(&f.minGap, "min-gap", bench.DefaultMinGap, "the shortest time from one join to the next")
	fs.DurationVar(&f.maxGap, "max-gap", bench.DefaultMaxGap, "the longest time from one join to the next")
	fs.BoolVar(&f.asJSON, "json", false, "print the results as JSON")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log at debug level")
	addBenchQuiet(fs, &f.quiet)
	return cmd
}

// addBenchQuiet adds a benchmark's --quiet.
func addBenchQuiet(fs *pflag.FlagSet, quiet *bool) {
	fs.BoolVarP(quiet, "quiet", "q", false, "no progress bar on a terminal (the results stay)")
}

// benchBar is a benchmark's progress bar: on a terminal, without --json
// and --quiet.
func benchBar(stderr io.Writer, asJSON, quiet bool, label, unit string) *progressBar {
	return newProgressBar(stderr, asJSON || quiet, label, unit)
}

func (f *latejoinFlags) run(stdout, stderr io.Writer) error {
	w, h, err := parseSize(f.size)
	if err != nil {
		return usagef("--size: %v", err)
	}
	if f.joins < 1 || f.joins > 10_000 {
		return usagef("--joins %d (want 1..10000)", f.joins)
	}
	if f.gop < 1 || f.gop > 300 {
		return usagef("--gop %d (want 1..300)", f.gop)
	}
	if f.threads < 1 || f.threads > 64 {
		return usagef("--threads %d (want 1..64 decoder threads)", f.threads)
	}
	cfg := latejoin.Config{JoinPlan: bench.JoinPlan{Width: w, Height: h, GOP: f.gop, Joins: f.joins, Seed: f.seed}, Threads: f.threads, Hog: f.hog,
		MinGap: f.minGap, MaxGap: f.maxGap}
	for _, m := range strings.Split(f.modes, ",") {
		cfg.Modes = append(cfg.Modes, latejoin.Mode(strings.TrimSpace(m)))
	}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	if f.verbose {
		cfg.Log = logger(stderr, true)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !f.asJSON {
		latejoin.WriteIntro(stdout, cfg)
	}
	bar := benchBar(stderr, f.asJSON, f.quiet, "latejoin", "joins")
	defer bar.clear()
	cfg.Progress = bar.update
	results, err := latejoin.RunAll(ctx, cfg, func(r latejoin.Result) {
		bar.clear()
		fmt.Fprintf(stderr, "latejoin: %s: %d joins in %.1f s\n", r.Mode, r.Joins, r.Elapsed.Seconds())
	})
	if err != nil {
		return err
	}
	if f.asJSON {
		return writeJSON(stdout, results)
	}
	return latejoin.WriteTable(stdout, cfg, results)
}

// serveFlag is the hidden flag of `gopline bench remote` that makes it the
// publishing node, in the child process the benchmark starts.
const serveFlag = "serve"

// remoteFlags are the flags of `gopline bench remote`.
type remoteFlags struct {
	seconds, rate          float64
	size, keyframe         int64 // bytes per packet
	joins, window          int
	seed                   uint64
	asJSON, verbose, quiet bool
	serve, cpuProfile      string
}

// benchRemoteCommand measures one remote subscription between two
// processes on loopback, and viewers that join the other process's live
// camera.
func benchRemoteCommand() *cobra.Command {
	f := &remoteFlags{seconds: remotebench.DefaultDuration.Seconds(), rate: remotebench.DefaultRate}
	cmd := &cobra.Command{
		Use:   "remote [flags]",
		Short: "two processes on loopback: MB/s, latency, a remote late joiner's first picture",
		Long: "Starts a second gopline process as a publishing node on loopback, subscribes to it, and prints\n" +
			"the MB/s and latency of one remote subscription with flow control on, and the time to the first\n" +
			"picture of viewers that join its live camera late.",
		Example: "  gopline bench remote\n  gopline bench remote --seconds 10 --json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.Var((*finiteValue)(&f.seconds), "seconds", "how long each run counts, after a warm-up of 0.2 s")
	f.size, f.keyframe = remotebench.DefaultPacketBytes, remotebench.DefaultKeyframeBytes
	fs.Var((*byteSizeValue)(&f.size), "size", "bytes per packet, e.g. 50KB")
	fs.Var((*byteSizeValue)(&f.keyframe), "keyframe-size", "bytes per packet of the keyframe runs (a 4K IDR); 0: no keyframe runs")
	fs.Var((*finiteValue)(&f.rate), "rate", "packets per second of the latency runs")
	fs.IntVar(&f.joins, "joins", remotebench.DefaultJoins, "viewers that join the live camera at random moments")
	fs.IntVar(&f.window, "window", transport.DefaultWindow, "the subscriber's window: packets in flight, unacknowledged")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write the subscribing process's CPU profile to this file, and the publishing one's to the same name plus .publisher")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the random moments the viewers join at")
	fs.BoolVar(&f.asJSON, "json", false, "print the results as JSON")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log at debug level")
	addBenchQuiet(fs, &f.quiet)
	fs.StringVar(&f.serve, serveFlag, "", "publish the runs' topics and the camera at host:port, until stdin ends (the benchmark's child process)")
	fs.MarkHidden(serveFlag)
	return cmd
}

// config checks the flags and returns the benchmark they describe.
func (f *remoteFlags) config() (remotebench.Config, error) {
	switch {
	case f.seconds <= 0 || f.seconds > remotebench.MaxDuration.Seconds():
		return remotebench.Config{}, usagef("--seconds %v (want more than 0, up to %v)", f.seconds, remotebench.MaxDuration.Seconds())
	case f.size < 1 || f.size > remotebench.MaxPacketBytes:
		return remotebench.Config{}, usagef("--size %d (want 1 byte up to %s)", f.size, bytesize.Format(remotebench.MaxPacketBytes))
	case f.keyframe > remotebench.MaxPacketBytes:
		return remotebench.Config{}, usagef("--keyframe-size %d (want 0 up to %s)", f.keyframe, bytesize.Format(remotebench.MaxPacketBytes))
	case f.rate <= 0:
		return remotebench.Config{}, usagef("--rate %v (want more than 0)", f.rate)
	case f.joins < 1 || f.joins > remotebench.MaxJoins:
		return remotebench.Config{}, usagef("--joins %d (want 1..%d)", f.joins, remotebench.MaxJoins)
	case f.window < 1 || f.window > 1024:
		return remotebench.Config{}, usagef("--window %d (want 1..1024)", f.window)
	}
	cfg := remotebench.Config{PacketBytes: int(f.size), KeyframeBytes: int(f.keyframe), Rate: f.rate,
		Duration: time.Duration(f.seconds * float64(time.Second)), Joins: f.joins, Seed: f.seed, Window: f.window}
	if f.keyframe == 0 {
		cfg.KeyframeBytes = -1
	}
	if err := cfg.Validate(); err != nil {
		return cfg, usagef("%v", err)
	}
	return cfg, nil
}

// childArgs are the arguments of the publishing process: it derives the
// same runs from the same flags; the joins are the measuring side's alone.
func (f *remoteFlags) childArgs() []string {
	args := []string{"bench", "remote", "--" + serveFlag, "127.0.0.1:0", "--seconds", fmt.Sprint(f.seconds),
		"--size", fmt.Sprint(f.size), "--keyframe-size", fmt.Sprint(f.keyframe), "--rate", fmt.Sprint(f.rate), fmt.Sprintf("--verbose=%t", f.verbose)}
	if f.cpuProfile != "" {
		args = append(args, "--cpuprofile", f.cpuProfile+".publisher")
	}
	return args
}

// run measures one remote subscription between two processes on
// loopback, and viewers that join the other process's live camera: it
// starts gopline again as the publishing node and subscribes to it
// (internal/bench/remotebench).
func (f *remoteFlags) run(stdout, stderr io.Writer) error {
	cfg, err := f.config()
	if err != nil {
		return err
	}
	// After the runs the publishing process exits while this one's
	// connection to it is still open (a node keeps its connections until
	// its process exits), and protoactor logs the lost connection as an
	// error: by then the log says nothing worth reading, and is muted.
	logOut := &mutableWriter{w: stderr}
	log := logger(logOut, f.verbose)
	if !f.verbose {
		log = log.Level(zerolog.WarnLevel) // a link says "subscribed" at info, once a run
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.cpuProfile != "" {
		prof, err := os.Create(f.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(prof); err != nil {
			prof.Close()
			return err
		}
		defer prof.Close()
		defer pprof.StopCPUProfile()
	}
	if f.serve != "" {
		return remotebench.ServeNode(ctx, f.serve, cfg, os.Stdin, stdout, log)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.Command(exe, f.childArgs()...)
	child.Stderr = stderr
	pub, addr, err := remotebench.StartPublisher(child)
	if err != nil {
		return err
	}
	bar := benchBar(stderr, f.asJSON, f.quiet, "bench remote", "runs")
	defer bar.clear()
	cfg.Progress = bar.update
	sum, err := remotebench.MeasureNode(ctx, addr, cfg, log, func(r remotebench.Result) {
		bar.clear()
		fmt.Fprintf(stderr, "bench remote: %s of %d-byte packets: %d packets in %.1f s\n", r.Mode, r.PacketBytes, r.Packets, r.Seconds)
	}, func(r remotebench.LateJoinResult) {
		bar.clear()
		fmt.Fprintf(stderr, "bench remote: late join: %d joins in %.1f s\n", r.Joins, r.Seconds)
	})
	if err != nil {
		return errors.Join(err, pub.Stop())
	}
	logOut.mute()
	if err := pub.Stop(); err != nil {
		return err
	}
	if f.asJSON {
		return writeJSON(stdout, sum)
	}
	return sum.WriteTable(stdout, cfg)
}

// mutableWriter is a log's output that can be muted; protoactor writes to
// it from its own goroutines.
type mutableWriter struct {
	w     io.Writer
	muted atomic.Bool
}

func (m *mutableWriter) mute() { m.muted.Store(true) }

func (m *mutableWriter) Write(b []byte) (int, error) {
	if m.muted.Load() {
		return len(b), nil
	}
	return m.w.Write(b)
}
