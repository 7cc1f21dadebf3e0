package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
)

// Cameras is how many cameras the robot has.
const Cameras = 4

// config is a run of the robot.
type config struct {
	Width, Height, Rate, GOP int
	// Viewers is how many viewers decode every camera.
	Viewers int
	// Duration is how long the robot runs.
	Duration time.Duration
	// RSSEvery is how often the process's RSS is read.
	RSSEvery time.Duration
	// Recording is the file the four topics are recorded to.
	Recording string
	// Compare does the same work without gopline after the run, in the
	// robot's layout (sameWork) and one step at a time (bareCost).
	Compare bool
	// EncoderThreads is each camera's libx264 threads (0: libx264's
	// choice, one per core and more).
	EncoderThreads int
	// GCPercent is the Go collector's GOGC for the run (0 leaves the
	// runtime's own, the GOGC variable's or 100), restored after it.
	GCPercent int
	// Rounds is how many more pairs of runs the comparison makes after
	// the main one, each RoundLength of the robot after its warm-up and
	// the same work on as many frames, one right after the other: the
	// machine's speed moves from one minute to the next, and a ratio of
	// two runs minutes apart moves with it (pairedRounds).
	Rounds      int
	RoundLength time.Duration
	// CameraBuffers is how many frames a camera's source may fall behind
	// its clock before it drops one, as a camera driver holds that many
	// buffers for a reader that is late: the window of the link into
	// the camera's encoder (0: pipeline.DefaultWindow).
	CameraBuffers int
	Log           zerolog.Logger
}

// defaultConfig is the robot of the example. Its encoders run one thread
// each: four cameras on two cores keep both busy anyway, and libx264's
// sliced threads cost 10 to 15% more CPU a frame here (11.7 against 10.3
// ms a 1280x720 frame) for a latency the cameras do not need cutting.
//
// Its cameras hold 8 frames for their encoders (CameraBuffers), twice a
// chain's default: when the robot starts, its four encoders and the
// viewers' eight decoders open and code their first IDRs at once on the
// two cores, and for half a second their calls take 60 to 200 ms; with 4
// frames (133 ms) the cameras dropped a frame or a few there in most runs,
// and none after (docs/benchmarks.md).
//
// It runs the Go collector at GOGC 25. The robot's live Go heap (38 MB at
// 1280x720) is mostly its sources' frame pools, pixels the collector does
// not scan, and its garbage mostly the recorder's (3 to 4 MB a second): at the default GOGC of 100 the heap grew for 15 s after the
// start, to twice the live heap, before it was flat; at 25 it is at its
// level (a quarter above the live heap) within 2 to 4 s, and the collector
// spends at most 0.1 s more CPU in 30 s, 0.2% of the robot's (see
// docs/benchmarks.md).
func defaultConfig() config {
	return config{Width: 1280, Height: 720, Rate: 30, GOP: 30, Viewers: 2, Duration: 10 * time.Second,
		RSSEvery: 10 * time.Second, Compare: true, EncoderThreads: 1, GCPercent: 25, CameraBuffers: 8, RoundLength: 15 * time.Second, Log: zerolog.Nop()}
}

func topic(cam int) string { return fmt.Sprintf("/robot/cam%d", cam) }

// build adds the robot's graph to p: per camera
//
//	testsrc is-live ! h264enc ! publish topic=/robot/camN qos=durable_video
//
// then record topics=/robot/cam0,...,/robot/cam3, and per viewer and camera
//
//	subscribe topic=/robot/camN ! gate ! h264dec ! fakesink
func build(p *pipeline.Pipeline, cfg config) error {
	offer := qos.DurableVideo()
	enc := elements.DefaultH264EncConfig()
	enc.GOP, enc.Rate, enc.Threads = cfg.GOP, cfg.Rate, cfg.EncoderThreads
	var topics []string
	encoder := elements.H264Enc(enc)
	encoder.Window = cfg.CameraBuffers
	for c := range Cameras {
		topics = append(topics, topic(c))
		err := p.Chain([]string{node("cam", c), node("enc", c), node("pub", c)}, []pipeline.Element{
			elements.TestSrc(elements.TestSrcConfig{Width: cfg.Width, Height: cfg.Height, Rate: float64(cfg.Rate), Frames: -1,
				Live: true, Format: media.YUV420P}),
			encoder,
			elements.PublishWith(elements.PublishConfig{Topic: topic(c), QoS: &offer}),
		})
		if err != nil {
			return err
		}
	}
	if err := p.Add("record", elements.Record(elements.RecordConfig{Path: cfg.Recording, Topics: topics})); err != nil {
		return err
	}
	for v := range cfg.Viewers {
		for c := range Cameras {
			prefix := fmt.Sprintf("v%d.", v)
			err := p.Chain([]string{prefix + node("sub", c), prefix + node("gate", c), prefix + node("dec", c), prefix + node("show", c)},
				[]pipeline.Element{elements.Subscribe(topic(c), 0), elements.Gate(), elements.H264Dec(media.YUV420P), elements.FakeSink()})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func node(kind string, cam int) string { return fmt.Sprintf("%s%d", kind, cam) }

// warmup is the start of a run its steady figures leave out: the first two
// GOPs (the encoders and decoders opening, their first IDRs), or a quarter
// of a run shorter than eight GOPs.
func (cfg config) warmup() time.Duration {
	return min(2*time.Duration(cfg.GOP)*time.Second/time.Duration(cfg.Rate), cfg.Duration/4)
}

// cameraBuffers is how many frame periods a camera may fall behind.
func (cfg config) cameraBuffers() int {
	if cfg.CameraBuffers == 0 {
		return pipeline.DefaultWindow
	}
	return cfg.CameraBuffers
}

// warmupFrames is warmup in a camera's frames.
func (cfg config) warmupFrames() int {
	return max(int(cfg.warmup()*time.Duration(cfg.Rate)/time.Second), 1)
}

// laterReading is readAfter's reading, or why it could not be made.
type laterReading struct {
	cpuReading
	err error
}

// readAfter reads the process's CPU and the frames encoded once d has
// passed, on the channel it returns; a reading that is not ok if quit
// closes or the pipeline stops first.
func readAfter(d time.Duration, quit <-chan struct{}, p *pipeline.Pipeline) <-chan laterReading {
	out := make(chan laterReading, 1)
	go func() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			r, err := readRobot(p)
			out <- laterReading{r, err}
		case <-quit:
			out <- laterReading{}
		case <-p.Done():
			out <- laterReading{}
		}
	}()
	return out
}

// readRobot reads the process's CPU with the frames every camera's encoder
// has encoded and its source dropped so far.
func readRobot(p *pipeline.Pipeline) (cpuReading, error) {
	stats := p.Stats()
	r, err := readCPU(camerasCount(stats, "enc", func(s pipeline.NodeStats) uint64 { return s.Out }))
	r.Dropped = camerasCount(stats, "cam", func(s pipeline.NodeStats) uint64 { return s.Dropped })
	return r, err
}

// camerasCount sums a counter of the cameras' nodes of a kind.
func camerasCount(stats []pipeline.NodeStats, kind string, count func(pipeline.NodeStats) uint64) uint64 {
	var n uint64
	for _, s := range stats {
		for c := range Cameras {
			if s.Node == node(kind, c) {
				n += count(s)
			}
		}
	}
	return n
}

// run runs the robot for cfg.Duration (or until ctx ends), reading the RSS
// every cfg.RSSEvery and the CPU the process spent, in all and after the
// warm-up, then, with cfg.Compare, does the same work without gopline.
func run(ctx context.Context, cfg config) (report, error) {
	if cfg.Width < 16 || cfg.Height < 16 || cfg.Width%2 != 0 || cfg.Height%2 != 0 || cfg.Rate < 1 || cfg.Viewers < 0 ||
		cfg.Duration <= 0 || cfg.RSSEvery <= 0 || cfg.Recording == "" || cfg.GCPercent < 0 || cfg.CameraBuffers < 0 ||
		cfg.Rounds < 0 || (cfg.Rounds > 0 && cfg.RoundLength <= 0) {
		return report{}, fmt.Errorf("bad configuration %+v", cfg)
	}
	if cfg.GCPercent > 0 {
		defer debug.SetGCPercent(debug.SetGCPercent(cfg.GCPercent))
	}
	n, err := gopline.New(gopline.WithLogger(cfg.Log))
	if err != nil {
		return report{}, err
	}
	defer n.Close()
	p, err := n.NewPipeline(pipeline.WithLogger(cfg.Log))
	if err != nil {
		return report{}, err
	}
	if err := build(p, cfg); err != nil {
		return report{}, err
	}
	rep := report{cfg: cfg}
	cpu0, err := cpuTime()
	if err != nil {
		return rep, err
	}
	busy0, steal0, err := machineCPU()
	if err != nil {
		return rep, err
	}
	start := time.Now()
	if err := p.Start(ctx); err != nil {
		return rep, err
	}
	quit := make(chan struct{})
	warm := readAfter(cfg.warmup(), quit, p)
	rep.RSS, err = sampleRSS(ctx, p.Done(), start, cfg.Duration, cfg.RSSEvery)
	close(quit)
	end, rerr := readRobot(p)
	w := <-warm
	rep.Steady, rerr = between(w.cpuReading, end), errors.Join(rerr, w.err)
	stopErr := p.Stop()
	rep.Elapsed = time.Since(start)
	cpu1, cerr := cpuTime()
	busy1, steal1, merr := machineCPU()
	if err = errors.Join(err, rerr, stopErr, cerr, merr); err != nil {
		return rep, err
	}
	rep.CPU, rep.MachineBusy, rep.MachineSteal, rep.CPUs = cpu1-cpu0, busy1-busy0, steal1-steal0, runtime.NumCPU()
	rep.Cameras = cameraStats(p.Stats(), cfg.Viewers)
	rep.Recorded = recorded(p.Stats())
	if cfg.Compare {
		frames := int(min(rep.Cameras[0].Encoded, maxBareFrames))
		if rep.Bare, err = measureBare(cfg, max(frames, 1)); err != nil {
			return rep, err
		}
		perCamera := max(int(rep.Steady.Frames)/Cameras, 1)
		if rep.Same, err = measureSameWork(cfg, cfg.warmupFrames(), perCamera); err != nil {
			return rep, err
		}
		if rep.Rounds, err = pairedRounds(ctx, cfg); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// pairedRounds runs cfg.Rounds pairs of the robot, cfg.RoundLength after
// its warm-up, and the same work on as many frames (cfg.RoundLength of a
// camera's), and returns each pair's ratio of their CPU per camera frame.
// The two runs of a pair
// follow each other, in turns robot first and same work first, so that a
// machine that speeds up or slows down over the rounds weighs on both.
// The rounds come after the main run: nothing of them is in its RSS.
func pairedRounds(ctx context.Context, cfg config) ([]float64, error) {
	var ratios []float64
	frames := max(int(cfg.RoundLength*time.Duration(cfg.Rate)/time.Second), 1)
	for i := range cfg.Rounds {
		round := cfg
		round.Duration, round.Compare, round.Rounds = cfg.warmup()+cfg.RoundLength, false, 0
		round.Recording = fmt.Sprintf("%s.round%d", cfg.Recording, i+1)
		var robot report
		var same sameWork
		steps := []func() error{
			func() (err error) {
				_ = os.Remove(round.Recording) // a round's own, left by a run cut short
				robot, err = run(ctx, round)
				return errors.Join(err, os.Remove(round.Recording))
			},
			func() (err error) {
				same, err = measureSameWork(cfg, cfg.warmupFrames(), frames)
				return err
			},
		}
		if i%2 == 1 {
			steps[0], steps[1] = steps[1], steps[0]
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return ratios, fmt.Errorf("paired round %d: %w", i+1, err)
			}
		}
		ratios = append(ratios, ratio(robot.Steady.PerFrame(), same.PerFrame()))
	}
	return ratios, nil
}
