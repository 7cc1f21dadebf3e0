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
	progress *bench.Progress // RunAll's, across its modes
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
}

// RunAll starts one headless Chromium and runs every mode in turn with it.
// done, if not nil, is called after each mode.
func RunAll(ctx context.Context, cfg Config, done func(Result)) ([]Result, error) {
	browser, stop, err := chromium.Start()
	if err != nil {
		return nil, err
	}
	defer stop()
	var out []Result
	cfg.progress = bench.NewProgress(cfg.withDefaults().Joins*len(Modes()), cfg.Progress)
	for _, m := range Modes() {
		r, err := Run(ctx, browser, m, cfg)
		if err != nil {
			return out, fmt.Errorf("viewer: %s: %w", m, err)
		}
		if done != nil {
			done(r)
		}
		out = append(out, r)
	}
	return out, nil
}

// Run measures one mode with the browser (chromium.Start): a node with the
// camera on Topic and its HTTP endpoint on loopback, then cfg.Joins viewers
// one after another, each opening /view in a new tab after a random wait
// of up to a GOP, so that the joins fall at random phases of the GOP.
func Run(ctx context.Context, browser context.Context, mode Mode, cfg Config) (Result, error) {
	cfg = cfg.withDefaults()
	if cfg.progress == nil {
		cfg.progress = bench.NewProgress(cfg.Joins, cfg.Progress)
	}
	start := time.Now()
	offer, viewer := qos.SensorData(), web.Config{KeepIP: web.LoopbackOnly, Log: cfg.Log}
	switch mode {
	case Cache:
		offer = qos.DurableVideo()
	case PLI:
	case Volatile:
		viewer.IgnorePictureLoss = true
	default:
		return Result{}, fmt.Errorf("unknown mode %q", mode)
	}
	n, err := gopline.New(gopline.WithLogger(cfg.Log))
	if err != nil {
		return Result{}, err
	}
	defer n.Close()
	viewer.Bus, viewer.System = n.Bus(), n.System()
	h, err := web.New(viewer)
	if err != nil {
		return Result{}, err
	}
	srv, err := web.Listen(h, "127.0.0.1:0", nil)
	if err != nil {
		return Result{}, err
	}
	defer srv.Close()
	cam := &camera{gop: cfg.GOP}
	p, err := bench.Camera{Width: cfg.Width, Height: cfg.Height, Rate: cfg.Rate, GOP: cfg.GOP, Topic: Topic, QoS: offer}.
		Start(ctx, n, nil, cam.packet)
	if err != nil {
		return Result{}, err
	}
	defer p.Stop()
	if err := cam.waitPackets(ctx, cfg.GOP+1); err != nil {
		return Result{}, err
	}
	page := srv.URL() + "/view?topic=" + url.QueryEscape(Topic)
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(len(mode))))
	gop := time.Duration(cfg.GOP) * time.Second / time.Duration(cfg.Rate)
	var waits []time.Duration
	r := Result{Mode: mode, Joins: cfg.Joins}
	for range cfg.Joins {
		if err := bench.Sleep(ctx, time.Duration(rng.Int64N(int64(gop)))); err != nil {
			return r, err
		}
		if d, ok := join(ctx, browser, page, cfg.Timeout); ok {
			waits = append(waits, d)
		} else {
			r.Undecodable++
		}
		cfg.progress.Step()
	}
	slices.Sort(waits)
	r.P50, r.P95 = bench.Millis(bench.Percentile(waits, 50)), bench.Millis(bench.Percentile(waits, 95))
	if len(waits) > 0 {
		r.Max = bench.Millis(waits[len(waits)-1])
	}
	r.ForcedIDRs, r.ExtraIDRBytes = cam.forced()
	if st, err := n.Bus().Stats(Topic); err == nil {
		r.Forwarded = st.KeyframeRequestsForwarded
	}
	r.Elapsed = time.Since(start)
	return r, nil
}

// pageStats is window.goplineStats as a join reads it.
type pageStats struct {
	FirstFrameMs *float64 `json:"firstFrameMs"`
	Error        *string  `json:"error"`
}

// join opens the viewer in a new tab and returns the page's time from
// connect to the first painted frame; false when none came in time.
func join(ctx context.Context, browser context.Context, page string, timeout time.Duration) (time.Duration, bool) {
	tab, closeTab := chromedp.NewContext(browser)
	defer closeTab()
	tab, cancel := context.WithTimeout(tab, timeout)
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Navigate(page)); err != nil {
		return 0, false
	}
	// The session ends at once (WHEP's DELETE), not when ICE times out.
	defer chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`window.goplineStats && window.goplineStats.close()`))
	for {
		st, err := chromedp.Run(tab, chromedp.Evaluate[pageStats](`window.goplineStats || {}`))
		switch {
		case err != nil || (st.Error != nil && *st.Error != ""):
			return 0, false
		case st.FirstFrameMs != nil:
			return time.Duration(*st.FirstFrameMs * float64(time.Millisecond)), true
		}
		if bench.Sleep(ctx, 10*time.Millisecond) != nil {
			return 0, false
		}
	}
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
