package latejoin

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// Topic is the camera topic of a run.
const Topic = "/latejoin/camera"

// Mode is how viewers join in a run.
type Mode string

// The modes, in the order RunAll runs them.
const (
	// Cache: the topic offers durable_video and keeps its latest GOP;
	// viewers take the topic's offer and are replayed it, so the decoder
	// shows the newest cached picture at once.
	Cache Mode = "cache"
	// Volatile: the topic offers sensor_data and keeps nothing; viewers
	// wait for the next regular keyframe.
	Volatile Mode = "volatile"
	// KeyframeRequest: the topic is volatile, and each viewer sends it a
	// keyframe request as it subscribes (WebRTC's PLI); the encoder forces
	// an IDR. The topic forwards every request
	// (transport.WithKeyframeRequestInterval(0)), so no join's request is
	// hidden by the limiter, however close two joins come.
	KeyframeRequest Mode = "keyframe_request"
)

// Modes returns every mode, in the order RunAll runs them.
func Modes() []Mode { return []Mode{Cache, Volatile, KeyframeRequest} }

// DefaultJoins is how many viewers join per mode; the camera's defaults
// are bench's (bench.DefaultWidth and so on), and so are the gaps between
// joins (bench.DefaultMinGap and DefaultMaxGap).
const DefaultJoins = 100

// Config describes a run. Zero fields take the defaults.
type Config struct {
	// JoinPlan is the camera and the viewers' joins (zero fields: bench's
	// defaults, DefaultJoins, a timeout of two GOPs and a second).
	bench.JoinPlan
	// MinGap and MaxGap bound the random time from one join to the next.
	MinGap, MaxGap time.Duration
	// Modes are the modes RunAll runs, in this order (default: Modes()).
	Modes []Mode
	// Threads is the viewers' decoder slice threads (default 1).
	Threads int
	// Hog runs a busy loop in a process of its own beside each run
	// (bench.Hog): one core busy, as a robot's other work keeps it.
	Hog bool
	// Log gets the pipelines' and topics' logs (default: none).
	Log zerolog.Logger
	// Progress, if not nil, is called after each join with the joins done
	// of all joins: of every mode of RunAll, or of Run's one mode.
	Progress func(done, total int)
	progress *bench.Progress // RunAll's, across its modes
}

func (c Config) withDefaults() Config {
	c.JoinPlan = c.JoinPlan.WithDefaults(DefaultJoins, time.Second)
	if c.Threads == 0 {
		c.Threads = 1
	}
	if len(c.Modes) == 0 {
		c.Modes = Modes()
	}
	if c.MinGap == 0 && c.MaxGap == 0 {
		c.MinGap, c.MaxGap = bench.DefaultMinGap, bench.DefaultMaxGap
	}
	return c
}

// Validate reports whether a run can be made of c, its zero fields taking
// the defaults.
func (c Config) Validate() error { return c.withDefaults().validate() }

func (c Config) validate() error {
	switch {
	case c.Width < testsrc.MinCodeWidth || c.Height < testsrc.MinCodeHeight || c.Width%2 != 0 || c.Height%2 != 0 ||
		c.Width > media.MaxDimension || c.Height > media.MaxDimension:
		return fmt.Errorf("latejoin: size %dx%d: want even sizes of at least %dx%d, where the frame number is burned in",
			c.Width, c.Height, testsrc.MinCodeWidth, testsrc.MinCodeHeight)
	case c.Rate < 1 || c.Rate > 240:
		return fmt.Errorf("latejoin: rate %d: want 1..240 frames/s", c.Rate)
	case c.GOP < 1 || c.GOP > 300:
		return fmt.Errorf("latejoin: GOP %d: want 1..300", c.GOP)
	case c.Timeout < 0:
		return fmt.Errorf("latejoin: timeout %v", c.Timeout)
	case c.Threads < 1 || c.Threads > 64:
		return fmt.Errorf("latejoin: %d decoder threads: want 1..64", c.Threads)
	}
	for _, m := range c.Modes {
		if !slices.Contains(Modes(), m) {
			return fmt.Errorf("latejoin: unknown mode %q (want %v)", m, Modes())
		}
	}
	return c.schedule().Validate()
}

// schedule is when c's viewers join.
func (c Config) schedule() bench.Schedule {
	return bench.Schedule{Joins: c.Joins, Seed: c.Seed, MinGap: c.MinGap, MaxGap: c.MaxGap}
}

// Join is one viewer's join.
type Join struct {
	// Picture is what the viewer saw up to its first picture; Err says why
	// it saw none (it timed out, or the stream ended).
	Picture bench.FirstPicture
	Err     error
	// NewestAtPicture is the Seq of the newest packet the topic had taken
	// when the first picture had arrived (the topic was asked just after).
	NewestAtPicture int64
	// Phase is where in its GOP the newest packet was when the viewer
	// joined: 0 right after a keyframe, GOP-1 just before the next.
	Phase int
	// Undecodable says why the join does not count as a decoded first
	// picture; empty when it does.
	Undecodable string
}

// Result sums up the joins of one mode. The JSON names are those of `gopline
// bench latejoin --json`; the other fields are for the table and tests.
type Result struct {
	Mode Mode `json:"mode"`
	// Joins is how many viewers joined.
	Joins int `json:"joins"`
	// P50, P95 and Max are the time from Subscribe to the first picture,
	// in milliseconds, over the joins that got a picture (nearest rank).
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	Max float64 `json:"max_ms"`
	// Undecodable counts the joins without a good first picture: no
	// picture in time, a decoder error before it, a frame number that
	// cannot be read or is not the frame of the packet it came from, or a
	// picture older than the newest packet published when the viewer
	// subscribed.
	Undecodable int `json:"undecodable"`
	// ExtraIDRBytes is what the stream cost beyond the same frames encoded
	// with the regular GOP's keyframes only (see Run).
	ExtraIDRBytes int64 `json:"extra_idr_bytes"`

	// FirstPacketP50 and FirstPacketP95 are the time from Subscribe to the
	// first delivery at the viewer, in milliseconds: the topic's part of
	// the wait; the rest is the gate and the decoder.
	FirstPacketP50, FirstPacketP95 float64 `json:"-"`
	// ExtraIDRs is how many more keyframes the stream had than its
	// baseline.
	ExtraIDRs int `json:"-"`
	// Frames and StreamBytes are what the camera published in the run;
	// BaselineBytes what the same frames take with regular keyframes only.
	Frames                     int   `json:"-"`
	StreamBytes, BaselineBytes int64 `json:"-"`
	// Phases is how many distinct GOP phases the joins landed at.
	Phases int `json:"-"`
	// Split is where the time to the first picture went, over the joins
	// that got one.
	Split Split `json:"-"`
	// Floors are the replays of the good joins decoded alone (cache mode
	// only), the first with the viewers' own decoder configuration, the
	// floor the cache is set against; the rest with FFmpeg's threads.
	Floors []Floor `json:"floors,omitempty"`
	// FloorRatioP50 and FloorRatioP95 are P50 and P95 over the first
	// floor's (cache mode only).
	FloorRatioP50 float64 `json:"floor_ratio_p50,omitempty"`
	FloorRatioP95 float64 `json:"floor_ratio_p95,omitempty"`
	// Elapsed is the run's wall-clock time.
	Elapsed time.Duration `json:"-"`
	// Samples are the joins, in the order they joined.
	Samples []Join `json:"-"`
}

// RunAll runs cfg's modes in turn, on the same schedule of joins, and
// returns their results in that order. done, if not nil, is called after
// each mode.
func RunAll(ctx context.Context, cfg Config, done func(Result)) ([]Result, error) {
	var out []Result
	modes := cfg.withDefaults().Modes
	cfg.progress = bench.NewProgress(cfg.withDefaults().Joins*len(modes), cfg.Progress)
	for _, m := range modes {
		r, err := Run(ctx, m, cfg)
		if err != nil {
			return out, fmt.Errorf("latejoin: %s: %w", m, err)
		}
		if done != nil {
			done(r)
		}
		out = append(out, r)
	}
	return out, nil
}

// Run measures one mode. It starts an actor system with one Bus, the camera
// (testsrc is-live ! h264enc ! publish on Topic) and, once a whole GOP has
// been published, cfg.Joins viewers (subscribe ! gate ! h264dec), one after
// another at random gaps. Each viewer stops as soon as it has its first
// picture. Joins overlap when a viewer waits longer than the gap.
//
// Each join is checked against what the camera published: the first
// picture's Seq must lie between the newest Seq published when the viewer
// subscribed and the newest when its picture arrived (both asked of the
// topic, so there is no tolerance to allow for), the decoder must have
// reported no error, and the frame number burned into the picture must read
// back as the number of the frame that packet encoded.
//
// The extra IDR bytes are measured against a baseline: after the run, the
// exact frames the camera's encoder took are encoded again with the same
// settings and no keyframe request, and ExtraIDRBytes is the run's bytes
// minus the baseline's. libx264 is deterministic here, so a mode without
// forced IDRs measures exactly 0, and the keyframe-request mode measures
// its IDRs, the regular keyframes they shifted, and the rate control's
// answer to both.
func Run(ctx context.Context, mode Mode, cfg Config) (Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	if cfg.progress == nil {
		cfg.progress = bench.NewProgress(cfg.Joins, cfg.Progress)
	}
	offer := qos.SensorData()
	opts := []gopline.Option{gopline.WithLogger(cfg.Log)}
	switch mode {
	case Cache:
		offer = qos.DurableVideo()
	case Volatile:
	case KeyframeRequest:
		opts = append(opts, gopline.WithBusOptions(transport.WithKeyframeRequestInterval(0)))
	default:
		return Result{}, fmt.Errorf("latejoin: unknown mode %q", mode)
	}
	start := time.Now()
	if cfg.Hog {
		hog, err := bench.StartHog()
		if err != nil {
			return Result{}, err
		}
		defer hog.Stop()
	}
	n, err := gopline.New(opts...)
	if err != nil {
		return Result{}, err
	}
	defer n.Close()
	cam, err := startCamera(ctx, n, cfg, offer)
	if err != nil {
		return Result{}, err
	}
	defer cam.stop()
	// A whole GOP and one more packet: the cache is full and the joins
	// meet the camera in its steady state.
	if err := cam.waitPublished(ctx, cfg.GOP+1); err != nil {
		return Result{}, err
	}

	joins := make([]Join, cfg.Joins)
	if err := bench.JoinAtRandom(ctx, cfg.schedule(), func(i int) {
		joins[i] = join(ctx, n, mode, cfg)
		cfg.progress.Step()
	}); err != nil {
		return Result{}, err
	}
	r := evaluate(mode, cam, joins)
	if mode == Cache {
		// While the camera still runs: the floor shares the machine as
		// the viewers did.
		if r.Floors, err = measureFloors(cam, joins, floorDecodings(cfg.Threads)); err != nil {
			return Result{}, err
		}
		if f := r.Floors[0]; f.P50 > 0 && f.P95 > 0 {
			r.FloorRatioP50, r.FloorRatioP95 = r.P50/f.P50, r.P95/f.P95
		}
	}
	if err := cam.stop(); err != nil {
		return Result{}, fmt.Errorf("latejoin: stopping the camera: %w", err)
	}
	cost, err := cam.cost()
	if err != nil {
		return Result{}, err
	}
	r.Frames, r.StreamBytes, r.BaselineBytes = cost.frames, cost.bytes, cost.baselineBytes
	r.ExtraIDRBytes = cost.bytes - cost.baselineBytes
	r.ExtraIDRs = cost.keyframes - cost.baselineKeys
	r.Elapsed = time.Since(start)
	return r, nil
}

// join runs one viewer up to its first picture.
func join(ctx context.Context, n *gopline.Node, mode Mode, cfg Config) Join {
	v, err := bench.StartViewer(ctx, n, bench.ViewerConfig{Topic: Topic, RequestKeyframe: mode == KeyframeRequest,
		DecoderThreads: cfg.Threads, Log: cfg.Log})
	if err != nil {
		return Join{Err: err, NewestAtPicture: -1}
	}
	wctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	pic, err := v.Wait(wctx)
	cancel()
	j := Join{Picture: pic, Err: err, NewestAtPicture: -1}
	if err == nil {
		if st, serr := n.Bus().Stats(Topic); serr == nil {
			j.NewestAtPicture = int64(st.Published) - 1
		}
	}
	if serr := v.Stop(); serr != nil {
		cfg.Log.Warn().Err(serr).Msg("stopping a viewer")
	}
	return j
}

// evaluate checks every join against the camera's notes and sums them up.
func evaluate(mode Mode, cam *camera, joins []Join) Result {
	r := Result{Mode: mode, Joins: len(joins), Samples: joins}
	var waits, firsts []time.Duration
	phases := map[int]bool{}
	for i := range joins {
		j := &joins[i]
		if ph, ok := cam.phase(j.Picture.NewestAtJoin); ok {
			j.Phase = ph
			phases[ph] = true
		}
		if j.Err == nil {
			waits = append(waits, j.Picture.Wait())
			firsts = append(firsts, j.Picture.Delivered.Sub(j.Picture.Subscribed))
		}
		j.Undecodable = check(cam, j)
		if j.Undecodable != "" {
			r.Undecodable++
		}
	}
	r.Phases = len(phases)
	slices.Sort(waits)
	r.P50, r.P95 = bench.Millis(bench.Percentile(waits, 50)), bench.Millis(bench.Percentile(waits, 95))
	if len(waits) > 0 {
		r.Max = bench.Millis(waits[len(waits)-1])
	}
	slices.Sort(firsts)
	r.FirstPacketP50, r.FirstPacketP95 = bench.Millis(bench.Percentile(firsts, 50)), bench.Millis(bench.Percentile(firsts, 95))
	r.Split = split(joins)
	return r
}

// check says why j's first picture is not a good one, or "" if it is.
func check(cam *camera, j *Join) string {
	p := j.Picture
	switch {
	case j.Err != nil:
		return "no picture: " + j.Err.Error()
	case p.DecoderErrors > 0:
		return fmt.Sprintf("the decoder reported %d errors", p.DecoderErrors)
	case p.NewestAtJoin < 0 || j.NewestAtPicture < 0:
		return "the topic did not say how far it had published"
	}
	seq := int64(p.Frame.Seq)
	if seq < p.NewestAtJoin || seq > j.NewestAtPicture {
		return fmt.Sprintf("the picture is of Seq %d, outside the newest at join (%d) and at the picture (%d)",
			seq, p.NewestAtJoin, j.NewestAtPicture)
	}
	want, ok := cam.number(p.Frame.CaptureTime)
	if !ok {
		return fmt.Sprintf("the picture of Seq %d has a capture time the camera never made", seq)
	}
	got, ok := testsrc.ReadFrameNumber(p.Frame)
	if !ok {
		return fmt.Sprintf("the frame number of Seq %d (frame %d) cannot be read", seq, want)
	}
	if got != want {
		return fmt.Sprintf("the picture of Seq %d shows frame %d, but that packet encodes frame %d", seq, got, want)
	}
	return ""
}
