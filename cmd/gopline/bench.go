package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/codecstudy"
	"github.com/gopline/gopline/internal/latejoin"
	"github.com/gopline/gopline/internal/remotebench"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
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
	path, name := "", "the test pattern"
	switch *c.input {
	case "testsrc":
	case "auto":
		if p, err := codecstudy.VTestPath(); err == nil {
			path, name = p, p
		} else if !errors.Is(err, codecstudy.ErrNoTestVideo) {
			return nil, "", err
		}
	default:
		path, name = *c.input, *c.input
	}
	frames, err = codecstudy.Clip(path, w, h, *c.frames)
	return frames, name, err
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
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "gopline bench storage: %d frames of %s at %s, recorded as H.264 and as JPEG, read back and decoded\n\n", len(frames), name, *clip.size)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "codec\tsetting\tframes\tpayload bytes\tfile bytes\tfile/payload\tluma PSNR dB\t")
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.3f\t%.2f\t\n", r.Codec, r.Setting, r.Frames, r.PayloadBytes, r.FileBytes, r.Overhead(), r.LumaPSNR)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nH.264's file is %.1f%% of JPEG's, at %.2f dB against JPEG's %.2f dB (JPEG set to equal or better PSNR).\n",
		100*float64(res[0].FileBytes)/float64(res[1].FileBytes), res[0].LumaPSNR, res[1].LumaPSNR)
	return nil
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
	h264, err := codecstudy.H264(clipFrames, "veryfast crf 23 gop 30")
	if err != nil {
		return err
	}
	// gopline's JPEG encoder (jpegenc), at its default and at H.264's PSNR.
	jpegDefault, err := codecstudy.FFmpegJPEG(clipFrames, ffmpeg.DefaultJPEGQScale)
	if err != nil {
		return err
	}
	jpegMatch, err := codecstudy.FFmpegJPEGMatching(clipFrames, h264.LumaPSNR)
	if err != nil {
		return err
	}
	results := []codecstudy.Result{h264, jpegDefault, jpegMatch}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "codec\tsetting\tframes\tbytes\tkbit/s@30fps\tluma PSNR dB\tencode fps\tdecode fps\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.0f\t%.2f\t%.0f\t%.0f\t\n", r.Codec, r.Setting, r.Frames, r.Bytes,
			float64(r.Bytes)*8*30/float64(r.Frames)/1000, r.LumaPSNR, r.EncodeFPS, r.DecodeFPS)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nH.264 needs %.1f%% of JPEG's bytes at equal or better PSNR (%s).\n",
		100*float64(h264.Bytes)/float64(jpegMatch.Bytes), jpegMatch.Setting)
	if *clip.input == "auto" && name == "the test pattern" {
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
	size := fs.String("size", fmt.Sprintf("%dx%d", latejoin.DefaultWidth, latejoin.DefaultHeight), "the camera's picture size WIDTHxHEIGHT")
	gop := fs.Int("gop", latejoin.DefaultGOP, "frames from one regular IDR to the next, at 30 frames/s")
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
		fmt.Fprintf(stdout, "gopline bench latejoin: %d viewers (subscribe ! gate ! h264dec) per mode join a live %dx%d 30 fps H.264 topic\n"+
			"(an IDR every %d frames) at random moments, seed %d; time from Subscribe to the first decoded picture\n\n", *joins, w, h, *gop, *seed)
	}
	results, err := latejoin.RunAll(ctx, cfg, func(r latejoin.Result) {
		fmt.Fprintf(stderr, "latejoin: %s: %d joins in %.1f s\n", r.Mode, r.Joins, r.Elapsed.Seconds())
	})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tjoins\tp50 ms\tp95 ms\tmax ms\tundecodable\t1st pkt p50 ms\t1st pkt p95 ms\textra IDRs\textra IDR bytes\tstream bytes\tframes\tGOP phases\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%d\t%.2f\t%.2f\t%d\t%d\t%d\t%d\t%d/%d\t\n", r.Mode, r.Joins, r.P50, r.P95, r.Max,
			r.Undecodable, r.FirstPacketP50, r.FirstPacketP95, r.ExtraIDRs, r.ExtraIDRBytes, r.StreamBytes, r.Frames, r.Phases, *gop)
	}
	tw.Flush()
	for _, r := range results {
		if r.Mode == latejoin.KeyframeRequest && r.Frames > 0 {
			fmt.Fprintf(stdout, "\nKeyframe requests cost %.1f%% more bytes than the same %d frames with regular keyframes only (%.0f bytes per join).\n",
				100*float64(r.ExtraIDRBytes)/float64(r.BaselineBytes), r.Frames, float64(r.ExtraIDRBytes)/float64(r.Joins))
		}
		shown := 0
		for _, j := range r.Samples {
			if j.Undecodable != "" && shown < 3 {
				shown++
				fmt.Fprintf(stdout, "%s: an undecodable join: %s\n", r.Mode, j.Undecodable)
			}
		}
	}
	fmt.Fprintln(stdout, "\np50, p95, max: Subscribe to the first decoded picture; 1st pkt: Subscribe to the first delivery (the topic's part).\n"+
		"Extra IDR bytes: the run's stream minus the same frames encoded again with regular keyframes only.\n"+
		"GOP phases: how many of the GOP's positions the joins met (keyframe requests keep the GOPs short).")
	return nil
}

// serveFlag is the hidden flag of `gopline bench remote` that makes it the
// publishing node, in the child process the benchmark starts.
const serveFlag = "serve"

// runBenchRemote measures one remote subscription between two processes on
// loopback, and viewers that join the other process's live camera: it
// starts gopline again as the publishing node and subscribes to it
// (internal/remotebench).
func runBenchRemote(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench remote", stderr)
	seconds := fs.Float64("seconds", remotebench.DefaultDuration.Seconds(), "how long each run counts, after a warm-up of 0.2 s")
	size := fs.Int("size", remotebench.DefaultPacketBytes, "bytes per packet")
	keyframe := fs.Int("keyframe-size", remotebench.DefaultKeyframeBytes, "bytes per packet of the keyframe runs (a 4K IDR); 0: no keyframe runs")
	rate := fs.Float64("rate", remotebench.DefaultRate, "packets per second of the latency runs")
	joins := fs.Int("joins", remotebench.DefaultJoins, "viewers that join the live camera at random moments")
	seed := fs.Uint64("seed", 1, "seed of the random moments the viewers join at")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	verbose := fs.Bool("v", false, "log at debug level")
	serve := fs.String(serveFlag, "", "publish the runs' topics and the camera at host:port, until stdin ends (the benchmark's child process)")
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
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *seconds <= 0 || *seconds > remotebench.MaxDuration.Seconds():
		return fmt.Errorf("%w: -seconds %v (want more than 0, up to %v)", errUsage, *seconds, remotebench.MaxDuration.Seconds())
	case *size < 1:
		return fmt.Errorf("%w: -size %d (want at least 1 byte)", errUsage, *size)
	case *keyframe < 0:
		return fmt.Errorf("%w: -keyframe-size %d (want 0 or more)", errUsage, *keyframe)
	case *rate <= 0:
		return fmt.Errorf("%w: -rate %v (want more than 0)", errUsage, *rate)
	case *joins < 1 || *joins > remotebench.MaxJoins:
		return fmt.Errorf("%w: -joins %d (want 1..%d)", errUsage, *joins, remotebench.MaxJoins)
	}
	cfg := remotebench.Config{PacketBytes: *size, KeyframeBytes: *keyframe, Rate: *rate,
		Duration: time.Duration(*seconds * float64(time.Second)), Joins: *joins, Seed: *seed}
	if *keyframe == 0 {
		cfg.KeyframeBytes = -1
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	// After the runs the publishing process exits while this one's
	// connection to it is still open (a node keeps its connections until
	// its process exits), and protoactor logs the lost connection as an
	// error: by then the log says nothing worth reading, and is muted.
	logOut := &mutableWriter{w: stderr}
	log := logger(logOut, *verbose)
	if !*verbose {
		log = log.Level(zerolog.WarnLevel) // a link says "subscribed" at info, once a run
	}
	if *serve != "" {
		return serveBenchRemote(*serve, cfg, stdout, log)
	}

	// The child derives the same runs from the same flags; the joins are
	// this side's alone.
	childArgs := []string{"bench", "remote", "--" + serveFlag, "127.0.0.1:0", "--seconds", fmt.Sprint(*seconds),
		"--size", fmt.Sprint(*size), "--keyframe-size", fmt.Sprint(*keyframe), "--rate", fmt.Sprint(*rate), fmt.Sprintf("-v=%t", *verbose)}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.Command(exe, childArgs...)
	child.Stderr = stderr
	pub, addr, err := remotebench.StartPublisher(child)
	if err != nil {
		return err
	}
	sum, err := measureRemote(addr, cfg, log, func(r remotebench.Result) {
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
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	fmt.Fprintf(stdout, "gopline bench remote: two processes on loopback, one remote subscription, a window of %d packets;\n"+
		"throughput runs publish as fast as the credits allow, latency runs at %g packets/s; %g s per run after a warm-up\n\n",
		transport.DefaultWindow, *rate, *seconds)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tpacket bytes\tGOP\trate/s\tpackets\tMB/s\tp50 ms\tp99 ms\tmax ms\tdropped\t")
	for _, r := range sum.Runs {
		rate := "credits"
		if r.Rate > 0 {
			rate = fmt.Sprintf("%g", r.Rate)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%d\t\n", r.Mode, r.PacketBytes, r.GOP, rate, r.Packets,
			r.MBPerS, r.P50, r.P99, r.Max, r.Dropped)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nLatency: receive time at the subscriber minus the capture time stamped just before the publish (one host clock);\n"+
		"in a throughput run it includes the wait behind a full window. MB: 10^6 bytes of packet data.")
	fmt.Fprintf(stdout, "\nLate join: %d viewers (subscribe remote ! gate ! h264dec) joined the other process's live %dx%d %d fps H.264 camera\n"+
		"(an IDR every %d frames, durable_video: its cache replays the latest GOP) at random moments, seed %d;\n"+
		"Subscribe to the first decoded picture: p50 %.1f ms, p95 %.1f ms, max %.1f ms (to the first packet: p50 %.1f ms);\n"+
		"%d replayed the cache, %d without a decoded picture.\n",
		sum.LateJoinJoins, remotebench.CameraWidth, remotebench.CameraHeight, remotebench.CameraRate, remotebench.CameraGOP, *seed,
		sum.LateJoinP50, sum.LateJoinP95, sum.LateJoinMax, sum.LateJoinFirstPacketP50, sum.LateJoinReplayed, sum.LateJoinLost)
	for _, why := range sum.LateJoinReasons {
		fmt.Fprintf(stdout, "A join without a picture: %s\n", why)
	}
	fmt.Fprintf(stdout, "\nLost: %d (packets dropped in the two %d-byte runs, plus late joiners without a decoded picture).\n", sum.Lost, *size)
	return nil
}

// measureRemote subscribes to the runs of cfg on the node at addr, one run
// after another, from a node of its own in this process, then lets viewers
// join the node's camera. done and joined are told of each run's result.
func measureRemote(addr string, cfg remotebench.Config, log zerolog.Logger, done func(remotebench.Result),
	joined func(remotebench.LateJoinResult)) (remotebench.Summary, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	node, err := gopline.New(gopline.WithLogger(log), gopline.WithListen(gopline.SubscriberAddr))
	if err != nil {
		return remotebench.Summary{}, err
	}
	var results []remotebench.Result
	for _, r := range cfg.Runs() {
		var link *actor.PID
		if link, err = node.Remote().Dial(addr, r.Topic); err != nil {
			break
		}
		var res remotebench.Result
		if res, err = remotebench.Measure(ctx, node.System(), link, r); err != nil {
			break
		}
		done(res)
		results = append(results, res)
	}
	var late remotebench.LateJoinResult
	if err == nil {
		// Last: the publishing node's camera starts with its first viewer.
		if late, err = remotebench.MeasureLateJoin(ctx, node.System(), node.Bus(), addr, cfg, log); err == nil {
			joined(late)
		}
	}
	return remotebench.NewSummary(results, late), errors.Join(err, node.Close())
}

// serveBenchRemote is the publishing node of `gopline bench remote`: it
// prints the address it listens on and publishes the runs' topics and the
// camera until its stdin ends (the benchmark is done, or gone) or a signal
// comes.
func serveBenchRemote(listen string, cfg remotebench.Config, stdout io.Writer, log zerolog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A read of stdin cannot be cancelled; this goroutine ends with it, or
	// with the process.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	node, err := gopline.New(gopline.WithLogger(log), gopline.WithListen(listen))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, node.Addr())
	camera := make(chan error, 1)
	go func() { camera <- remotebench.ServeCamera(ctx, node.System(), node.Bus(), log) }()
	err = remotebench.Serve(ctx, node.System(), node.Bus(), cfg.Runs())
	return errors.Join(err, <-camera, node.Close())
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
