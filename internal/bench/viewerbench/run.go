// Package viewerbench measures how soon a browser shows a live topic: headless
// Chromium viewers join a live H.264 topic over WHEP at random moments
// of its GOP, and the time from the viewer's connect to its first painted
// picture is measured for three ways of joining (`gopline bench viewer`).
package viewerbench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/internal/chromium"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/web"
)

// Topic is the camera topic of a run.
const Topic = "/viewer/camera"

// Mode is how viewers join in a run.
type Mode string

const (
	// Cache: the topic offers durable_video; each viewer is sent the
	// cached GOP at once and shows its newest picture (gopline).
	Cache Mode = "cache"
	// PLI: the topic keeps nothing; the browser's picture loss report
	// (PLI) goes to the encoder, which forces an IDR for the joiner, as
	// mediamtx and go2rtc do.
	PLI Mode = "pli"
	// Volatile: the topic keeps nothing and picture loss is not answered;
	// the viewer waits for the next regular keyframe, as a ROS 2 or
	// Foxglove viewer does.
	Volatile Mode = "volatile"
)

// Modes returns every mode, in the order RunAll runs them.
func Modes() []Mode { return []Mode{Cache, PLI, Volatile} }

// DefaultJoins is how many viewers join per mode: each is a browser tab.
const DefaultJoins = 20

// Config describes a run. Zero fields take the defaults.
type Config struct {
	// JoinPlan is the camera and the viewers' joins (zero fields: bench's
	// defaults, 640x480, 30 fps, GOP 30; DefaultJoins; a timeout of two
	// GOPs and five seconds).
	bench.JoinPlan
	Log zerolog.Logger
	// Progress, if not nil, is called after each join with the joins done
	// of all joins: of every mode of RunAll, or of Run's one mode.
	Progress func(done, total int)
	// NewTabs loads each viewer in a new tab, a new renderer process in
	// which Chromium starts its WebRTC anew, instead of again in its mode's
	// tab.
	NewTabs bool
}

func (c Config) withDefaults() Config {
	c.JoinPlan = c.JoinPlan.WithDefaults(DefaultJoins, 5*time.Second)
	return c
}

// Result sums up the joins of one mode. The JSON names are those of
// `gopline bench viewer --json`.
type Result struct {
	Mode  Mode `json:"mode"`
	Joins int  `json:"joins"`
	// P50, P95 and Max are the time from the viewer's connect (its
	// RTCPeerConnection made) to its first painted frame, in milliseconds,
	// over the joins that painted one (nearest rank).
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	Max float64 `json:"max_ms"`
	// Undecodable counts the joins that painted nothing in time, or whose
	// page reported an error.
	Undecodable int `json:"undecodable"`
	// ExtraIDRBytes is what the keyframes forced for joiners cost beyond
	// the delta frames they stood in for (see camera).
	ExtraIDRBytes int64 `json:"extra_idr_bytes"`
	// ForcedIDRs counts those keyframes; Forwarded the keyframe requests
	// the topic passed to the encoder.
	ForcedIDRs int    `json:"-"`
	Forwarded  uint64 `json:"-"`
	// Elapsed is the run's wall-clock time.
	Elapsed time.Duration `json:"-"`
	// Timelines are the joins that painted, in the order they joined;
	// Stages sums them up.
	Timelines []Timeline   `json:"-"`
	Stages    []StageTimes `json:"-"`
}

// RunAll starts one headless Chromium and runs every mode with it (Run).
func RunAll(ctx context.Context, cfg Config) ([]Result, error) {
	browser, stop, err := chromium.Start()
	if err != nil {
		return nil, err
	}
	defer stop()
	return Run(ctx, browser, Modes(), cfg)
}

// Run measures modes with the browser (chromium.Start): for each mode a node
// with its own camera on Topic and its HTTP endpoint on loopback, all live
// at once; then cfg.Joins rounds, each joining every mode once in a random
// order, each join after a random wait of up to a GOP, so that the joins
// fall at random phases of the GOP and the modes share whatever else the
// machine is doing. Every join is a page load of /view in one tab, with a
// new peer connection; a first join, not counted, starts the tab's WebRTC.
func Run(ctx context.Context, browser context.Context, modes []Mode, cfg Config) ([]Result, error) {
	cfg = cfg.withDefaults()
	progress := bench.NewProgress(cfg.Joins*len(modes), cfg.Progress)
	start := time.Now()
	rigs := make([]*rig, 0, len(modes))
	defer func() {
		for _, r := range rigs {
			r.stop()
		}
	}()
	for _, m := range modes {
		r, err := startRig(ctx, m, cfg)
		if err != nil {
			return nil, fmt.Errorf("viewer: %s: %w", m, err)
		}
		rigs = append(rigs, r)
	}
	for _, r := range rigs {
		if err := r.openTab(browser, cfg.Timeout); err != nil {
			return nil, err
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(len(modes))))
	gop := time.Duration(cfg.GOP) * time.Second / time.Duration(cfg.Rate)
	order := slices.Clone(rigs)
	for range cfg.Joins {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, r := range order {
			if err := bench.Sleep(ctx, time.Duration(rng.Int64N(int64(gop)))); err != nil {
				return nil, err
			}
			if err := r.join(ctx, browser, cfg); err != nil {
				return nil, err
			}
			progress.Step()
		}
	}
	out := make([]Result, len(rigs))
	for i, r := range rigs {
		out[i] = r.result(time.Since(start))
	}
	return out, nil
}

// rig is one mode's node, camera and HTTP endpoint, and its joins so far.
type rig struct {
	mode   Mode
	node   *gopline.Node
	srv    *web.Server
	cam    *camera
	camera *pipeline.Pipeline
	traces *traces
	page   string
	tab    context.Context
	close  func() // closes tab

	waits       []time.Duration
	timelines   []Timeline
	undecodable int
}

func startRig(ctx context.Context, mode Mode, cfg Config) (_ *rig, err error) {
	r := &rig{mode: mode, traces: &traces{}, cam: &camera{gop: cfg.GOP}}
	defer func() {
		if err != nil {
			r.stop()
		}
	}()
	offer, viewer := qos.SensorData(), web.Config{KeepIP: web.LoopbackOnly, Log: cfg.Log, Trace: r.traces.add}
	switch mode {
	case Cache:
		offer = qos.DurableVideo()
	case PLI:
	case Volatile:
		viewer.IgnorePictureLoss = true
	default:
		return nil, fmt.Errorf("unknown mode %q", mode)
	}
	if r.node, err = gopline.New(gopline.WithLogger(cfg.Log)); err != nil {
		return nil, err
	}
	viewer.Bus, viewer.System = r.node.Bus(), r.node.System()
	h, err := web.New(viewer)
	if err != nil {
		return nil, err
	}
	if r.srv, err = web.Listen(h, "127.0.0.1:0", nil); err != nil {
		return nil, err
	}
	r.camera, err = bench.Camera{Width: cfg.Width, Height: cfg.Height, Rate: cfg.Rate, GOP: cfg.GOP, Topic: Topic, QoS: offer}.
		Start(ctx, r.node, nil, r.cam.packet)
	if err != nil {
		return nil, err
	}
	if err := r.cam.waitPackets(ctx, cfg.GOP+1); err != nil {
		return nil, err
	}
	r.page = r.srv.URL() + "/view?topic=" + url.QueryEscape(Topic)
	return r, nil
}

// openTab opens the tab the rig's viewers load in, and loads a first
// viewer in it, not counted, which starts the tab's WebRTC: loading the
// viewer again in a tab of its origin is then what each join times.
func (r *rig) openTab(browser context.Context, timeout time.Duration) error {
	r.tab, r.close = chromedp.NewContext(browser)
	if err := chromedp.Do(r.tab); err != nil { // opens the tab, for as long as r.tab lasts
		return err
	}
	if _, ok := join(r.tab, r.page, timeout); !ok {
		return fmt.Errorf("viewer: %s: the first viewer painted nothing in %v", r.mode, timeout)
	}
	return nil
}

func (r *rig) stop() {
	if r.close != nil {
		r.close()
	}
	if r.camera != nil {
		r.camera.Stop()
	}
	if r.srv != nil {
		r.srv.Close()
	}
	if r.node != nil {
		r.node.Close()
	}
}

// join has one viewer join the rig's topic and notes its timeline.
func (r *rig) join(ctx, browser context.Context, cfg Config) error {
	tab := r.tab
	if cfg.NewTabs {
		var closeTab func()
		tab, closeTab = chromedp.NewContext(browser)
		defer closeTab()
		if err := chromedp.Do(tab); err != nil {
			return err
		}
	}
	st, ok := join(tab, r.page, cfg.Timeout)
	if !ok {
		r.undecodable++
		return nil
	}
	r.waits = append(r.waits, time.Duration(*st.FirstFrameMs*float64(time.Millisecond)))
	var trace web.JoinTrace
	traced := false
	if st.Session != nil {
		trace, traced = r.traces.take(ctx, *st.Session)
	}
	r.timelines = append(r.timelines, timeline(st, trace, traced))
	return nil
}

func (r *rig) result(elapsed time.Duration) Result {
	res := Result{Mode: r.mode, Joins: len(r.waits) + r.undecodable, Undecodable: r.undecodable, Timelines: r.timelines,
		Stages: stageTimes(r.timelines), Elapsed: elapsed}
	waits := slices.Sorted(slices.Values(r.waits))
	res.P50, res.P95 = bench.Millis(bench.Percentile(waits, 50)), bench.Millis(bench.Percentile(waits, 95))
	if len(waits) > 0 {
		res.Max = bench.Millis(waits[len(waits)-1])
	}
	res.ForcedIDRs, res.ExtraIDRBytes = r.cam.forced()
	if st, err := r.node.Bus().Stats(Topic); err == nil {
		res.Forwarded = st.KeyframeRequestsForwarded
	}
	return res
}

// join loads the viewer in tab and returns the page's stats once it painted
// its first frame; false when none came in time or the page failed. The
// session then ends at once (WHEP's DELETE), not when ICE times out.
func join(tab context.Context, page string, timeout time.Duration) (pageStats, bool) {
	ctx, cancel := context.WithTimeout(tab, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		return pageStats{}, false
	}
	defer chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`window.goplineStats && window.goplineStats.close()`))
	// One wait for the page's promise, rather than polling the page, which
	// would take the page's main thread from the viewer.
	st, err := chromedp.Run(ctx, chromedp.Evaluate[pageStats](
		`window.goplineStats.firstFrame.then(() => Object.assign({}, window.goplineStats))`, chromedp.EvalAwaitPromise))
	return st, err == nil && st.FirstFrameMs != nil && (st.Error == nil || *st.Error == "")
}

// camera notes what the encoder makes: the keyframes that came before
// their GOP was up were forced by a keyframe request, and what each cost
// is its size less the mean delta frame's, the frame it stood in for.
type camera struct {
	gop int

	mu          sync.Mutex
	packets     int
	lastKey     int // packet index of the last keyframe
	deltas      int
	deltaBytes  int64
	forcedCount int
	forcedBytes int64
}

func (c *camera) packet(p *media.Packet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := c.packets
	c.packets++
	if !p.Key {
		c.deltas++
		c.deltaBytes += int64(len(p.Data))
		return
	}
	if i > 0 && i-c.lastKey < c.gop {
		c.forcedCount++
		c.forcedBytes += int64(len(p.Data))
	}
	c.lastKey = i
}

// forced returns the forced keyframes and what they cost beyond deltas.
func (c *camera) forced() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.forcedCount == 0 || c.deltas == 0 {
		return c.forcedCount, c.forcedBytes
	}
	return c.forcedCount, c.forcedBytes - int64(c.forcedCount)*c.deltaBytes/int64(c.deltas)
}

func (c *camera) waitPackets(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		got := c.packets
		c.mu.Unlock()
		if got >= n {
			return nil
		}
		if err := bench.Sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
}
