package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/internal/bench/codecstudy"
	"github.com/gopline/gopline/internal/bench/latejoin"
	"github.com/gopline/gopline/internal/bench/remotebench"
	"github.com/gopline/gopline/media"
)

func runBench(args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "codecs":
		return runBenchCodecs(args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "storage":
		return runBenchStorage(args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "latejoin":
		return runBenchLatejoin(args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "remote":
		return runBenchRemote(args[1:], stdout, stderr)
	}
	return fmt.Errorf("%w: which benchmark? gopline bench codecs|storage|latejoin|remote", errUsage)
}

// clipFlags are the input flags the benchmarks share.
type clipFlags struct {
	input  *string
	size   *string
	frames *int
}

func addClipFlags(fs *flag.FlagSet, size string, frames int) clipFlags {
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
		return nil, "", fmt.Errorf("%w: -size: %v", errUsage, err)
	}
	if *c.frames < 1 || *c.frames > 100_000 {
		return nil, "", fmt.Errorf("%w: -frames %d (want 1..100000)", errUsage, *c.frames)
	}
	return codecstudy.Load(*c.input, w, h, *c.frames)
}

// runBenchStorage records one clip as H.264 and as JPEG and prints file and
// payload bytes and PSNR: the seed's storage table, as files.
func runBenchStorage(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench storage", stderr)
	clip := addClipFlags(fs, "320x240", 150)
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	frames, name, err := clip.load()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "gopline-bench-storage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	res, err := codecstudy.StorageTable(frames, 30, dir)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, res)
	}
	fmt.Fprintf(stdout, "gopline bench storage: %d frames of %s at %s, recorded as H.264 and as JPEG, read back and decoded\n\n", len(frames), name, *clip.size)
	return codecstudy.WriteStorageTable(stdout, res)
}

// runBenchCodecs encodes and decodes one clip with every codec and prints
// bytes, quality and speed.
func runBenchCodecs(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench codecs", stderr)
	clip := addClipFlags(fs, "640x480", 150)
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	clipFrames, name, err := clip.load()
	if err != nil {
		return err
	}
	w, h := clipFrames[0].Width, clipFrames[0].Height
	if !*asJSON {
		fmt.Fprintf(stdout, "gopline bench codecs: %d frames of %s at %dx%d, encoded and decoded by each codec\n\n", len(clipFrames), name, w, h)
	}
	results, err := codecstudy.Codecs(clipFrames)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, results)
	}
	if err := codecstudy.WriteCodecsTable(stdout, results); err != nil {
		return err
	}
	if *clip.input == "auto" && name == codecstudy.TestPattern {
		fmt.Fprintln(stdout, "Run `make testdata` to fetch vtest.avi, a real camera clip, and run this again.")
	}
	return nil
}

// runBenchLatejoin lets viewers join a live topic at random moments, with
// the topic's GOP cache, without it, and with a keyframe request each, and
// prints the time to each one's first picture and what the requests cost.
func runBenchLatejoin(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench latejoin", stderr)
	joins := fs.Int("joins", latejoin.DefaultJoins, "viewers that join, per mode")
	seed := fs.Uint64("seed", 1, "seed of the random moments the viewers join at")
	size := fs.String("size", fmt.Sprintf("%dx%d", bench.DefaultWidth, bench.DefaultHeight), "the camera's picture size WIDTHxHEIGHT")
	gop := fs.Int("gop", bench.DefaultGOP, "frames from one regular IDR to the next, at 30 frames/s")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	verbose := fs.Bool("v", false, "log at debug level")
	if err := parse(fs, args); err != nil {
		return err
	}
	w, h, err := parseSize(*size)
	if err != nil {
		return fmt.Errorf("%w: -size: %v", errUsage, err)
	}
	if *joins < 1 || *joins > 10_000 {
		return fmt.Errorf("%w: -joins %d (want 1..10000)", errUsage, *joins)
	}
	if *gop < 1 || *gop > 300 {
		return fmt.Errorf("%w: -gop %d (want 1..300)", errUsage, *gop)
	}
	cfg := latejoin.Config{Width: w, Height: h, GOP: *gop, Joins: *joins, Seed: *seed}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *verbose {
		cfg.Log = logger(stderr, true)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !*asJSON {
		latejoin.WriteIntro(stdout, cfg)
	}
	results, err := latejoin.RunAll(ctx, cfg, func(r latejoin.Result) {
		fmt.Fprintf(stderr, "latejoin: %s: %d joins in %.1f s\n", r.Mode, r.Joins, r.Elapsed.Seconds())
	})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, results)
	}
	return latejoin.WriteTable(stdout, cfg, results)
}

// serveFlag is the hidden flag of `gopline bench remote` that makes it the
// publishing node, in the child process the benchmark starts.
const serveFlag = "serve"

// remoteFlags are the flags of `gopline bench remote`.
type remoteFlags struct {
	fs                    *flag.FlagSet
	seconds, rate         *float64
	size, keyframe, joins *int
	seed                  *uint64
	asJSON, verbose       *bool
	serve                 *string
}

func addRemoteFlags(stderr io.Writer) remoteFlags {
	fs := newFlags("bench remote", stderr)
	f := remoteFlags{fs: fs,
		seconds:  finiteFloat(fs, "seconds", remotebench.DefaultDuration.Seconds(), "how long each run counts, after a warm-up of 0.2 s"),
		size:     fs.Int("size", remotebench.DefaultPacketBytes, "bytes per packet"),
		keyframe: fs.Int("keyframe-size", remotebench.DefaultKeyframeBytes, "bytes per packet of the keyframe runs (a 4K IDR); 0: no keyframe runs"),
		rate:     finiteFloat(fs, "rate", remotebench.DefaultRate, "packets per second of the latency runs"),
		joins:    fs.Int("joins", remotebench.DefaultJoins, "viewers that join the live camera at random moments"),
		seed:     fs.Uint64("seed", 1, "seed of the random moments the viewers join at"),
		asJSON:   fs.Bool("json", false, "print the results as JSON"),
		verbose:  fs.Bool("v", false, "log at debug level"),
		serve:    fs.String(serveFlag, "", "publish the runs' topics and the camera at host:port, until stdin ends (the benchmark's child process)"),
	}
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gopline bench remote [flags]\n\nStarts a second gopline process as a publishing node on loopback, subscribes to it, and\n"+
			"prints the MB/s and latency of one remote subscription with flow control on, and the time\n"+
			"to the first picture of viewers that join its live camera late.\n\nFlags:")
		shown := flag.NewFlagSet("", flag.ContinueOnError)
		shown.SetOutput(stderr)
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name != serveFlag {
				shown.Var(f.Value, f.Name, f.Usage)
			}
		})
		shown.PrintDefaults()
	}
	return f
}

// config checks the flags and returns the benchmark they describe.
func (f remoteFlags) config() (remotebench.Config, error) {
	switch {
	case *f.seconds <= 0 || *f.seconds > remotebench.MaxDuration.Seconds():
		return remotebench.Config{}, fmt.Errorf("%w: -seconds %v (want more than 0, up to %v)", errUsage, *f.seconds, remotebench.MaxDuration.Seconds())
	case *f.size < 1:
		return remotebench.Config{}, fmt.Errorf("%w: -size %d (want at least 1 byte)", errUsage, *f.size)
	case *f.keyframe < 0:
		return remotebench.Config{}, fmt.Errorf("%w: -keyframe-size %d (want 0 or more)", errUsage, *f.keyframe)
	case *f.rate <= 0:
		return remotebench.Config{}, fmt.Errorf("%w: -rate %v (want more than 0)", errUsage, *f.rate)
	case *f.joins < 1 || *f.joins > remotebench.MaxJoins:
		return remotebench.Config{}, fmt.Errorf("%w: -joins %d (want 1..%d)", errUsage, *f.joins, remotebench.MaxJoins)
	}
	cfg := remotebench.Config{PacketBytes: *f.size, KeyframeBytes: *f.keyframe, Rate: *f.rate,
		Duration: time.Duration(*f.seconds * float64(time.Second)), Joins: *f.joins, Seed: *f.seed}
	if *f.keyframe == 0 {
		cfg.KeyframeBytes = -1
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("%w: %v", errUsage, err)
	}
	return cfg, nil
}

// childArgs are the arguments of the publishing process: it derives the
// same runs from the same flags; the joins are the measuring side's alone.
func (f remoteFlags) childArgs() []string {
	return []string{"bench", "remote", "--" + serveFlag, "127.0.0.1:0", "--seconds", fmt.Sprint(*f.seconds),
		"--size", fmt.Sprint(*f.size), "--keyframe-size", fmt.Sprint(*f.keyframe), "--rate", fmt.Sprint(*f.rate), fmt.Sprintf("-v=%t", *f.verbose)}
}

// runBenchRemote measures one remote subscription between two processes on
// loopback, and viewers that join the other process's live camera: it
// starts gopline again as the publishing node and subscribes to it
// (internal/bench/remotebench).
func runBenchRemote(args []string, stdout, stderr io.Writer) error {
	f := addRemoteFlags(stderr)
	if err := parse(f.fs, args); err != nil {
		return err
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	// After the runs the publishing process exits while this one's
	// connection to it is still open (a node keeps its connections until
	// its process exits), and protoactor logs the lost connection as an
	// error: by then the log says nothing worth reading, and is muted.
	logOut := &mutableWriter{w: stderr}
	log := logger(logOut, *f.verbose)
	if !*f.verbose {
		log = log.Level(zerolog.WarnLevel) // a link says "subscribed" at info, once a run
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *f.serve != "" {
		return remotebench.ServeNode(ctx, *f.serve, cfg, os.Stdin, stdout, log)
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
	sum, err := remotebench.MeasureNode(ctx, addr, cfg, log, func(r remotebench.Result) {
		fmt.Fprintf(stderr, "bench remote: %s of %d-byte packets: %d packets in %.1f s\n", r.Mode, r.PacketBytes, r.Packets, r.Seconds)
	}, func(r remotebench.LateJoinResult) {
		fmt.Fprintf(stderr, "bench remote: late join: %d joins in %.1f s\n", r.Joins, r.Seconds)
	})
	if err != nil {
		return errors.Join(err, pub.Stop())
	}
	logOut.mute()
	if err := pub.Stop(); err != nil {
		return err
	}
	if *f.asJSON {
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
