package web

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/internal/chromium"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport"
)

// requireBrowserEnv, set by make test, turns a missing chromium from a
// skip into a failure: make test installs it.
const requireBrowserEnv = "GOPLINE_REQUIRE_BROWSER"

// liveNode is a bus with a live test pattern on a topic (/cam) and a
// Handler of it served over HTTP.
type liveNode struct {
	system  *actor.ActorSystem
	bus     *transport.Bus
	handler *Handler
	server  *httptest.Server
	topic   string
	// started is just before the camera started: its frame n is due
	// n/rate s after.
	started time.Time
	rate    int
	// lead is how many frames the source may run ahead of its clock: a
	// stream with B-frames sends a picture before it is due.
	lead int64
}

// newLiveNode publishes a live 320x240 30 fps H.264 test pattern (GOP 30)
// on /cam and serves cfg's handler of it; cfg's bus and system are set
// here.
func newLiveNode(t *testing.T, cfg Config) *liveNode {
	t.Helper()
	n := newNode(t, cfg, "testsrc size=320x240 rate=30 ! h264enc gop=30 rate=30 ! publish topic=/cam", "/cam")
	n.rate, n.lead = 30, 1
	return n
}

// newBFrameNode publishes on /hbf a file of testsrc's pattern (its frame
// numbers burned in, 320x240 at 25 fps, 20 s) that ffmpeg encoded with
// B-frames, passed through as a live stream, as a file or camera with
// B-frames would be; it serves cfg's handler of it. It skips the test when
// ffmpeg or its libx264 is missing.
func newBFrameNode(t *testing.T, cfg Config) *liveNode {
	t.Helper()
	clip := makeClip(t, "hbf.mp4", 25, 20, "-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-g", "25", "-pix_fmt", "yuv420p")
	n := newNode(t, cfg, "videosrc location="+clip+" passthrough=true is-live=true ! publish topic=/hbf", "/hbf")
	n.rate, n.lead = 25, 4 // -bf 3: a picture goes up to 3 frames early
	return n
}

// newMJPEGNode publishes on /mj an MJPEG file of testsrc's pattern
// (320x240 at 25 fps, 20 s) passed through as a live stream of JPEG
// pictures, as from a USB camera's MJPEG; it serves cfg's handler of it.
func newMJPEGNode(t *testing.T, cfg Config) *liveNode {
	t.Helper()
	clip := makeClip(t, "mj.avi", 25, 20, "-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p")
	n := newNode(t, cfg, "videosrc location="+clip+" passthrough=true is-live=true ! publish topic=/mj", "/mj")
	n.rate, n.lead = 25, 1
	return n
}

// makeClip encodes seconds of testsrc's 320x240 pattern, its frame numbers
// burned in, at rate frames/s with ffmpeg's output options args into a
// file named name, and returns its path. It skips the test when ffmpeg or
// the encoder is missing.
func makeClip(t *testing.T, name string, rate, seconds int, args ...string) string {
	t.Helper()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not installed (make deps installs it)")
	}
	pattern, err := testsrc.New(320, 240)
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for i := 0; i < rate*seconds; i++ {
		raw = pattern.Frame(uint64(i)).AppendPacked(raw)
	}
	path := filepath.Join(t.TempDir(), name)
	cmd := exec.Command(ffmpeg, append(append([]string{"-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p",
		"-s", "320x240", "-r", strconv.Itoa(rate), "-i", "-"}, args...), path)...)
	cmd.Stdin = bytes.NewReader(raw)
	if out, err := cmd.CombinedOutput(); err != nil {
		if strings.Contains(string(out), "Unknown encoder") {
			t.Skipf("ffmpeg lacks the encoder: %s", out)
		}
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	return path
}

// newNode runs the pipeline desc, which publishes topic, and serves cfg's
// handler of its bus once topic has a keyframe cached.
func newNode(t testing.TB, cfg Config, desc, topic string) *liveNode {
	t.Helper()
	system := pipeline.NewSystem(zerolog.Nop())
	bus := transport.NewBus(system)
	reg, err := elements.Registry()
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.Parse(desc, reg, pipeline.WithSystem(system), pipeline.WithBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg.Bus, cfg.System = bus, system
	if cfg.KeepIP == nil {
		cfg.KeepIP = LoopbackOnly
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		_ = h.Close()
		_ = p.Stop()
		_ = bus.Close()
		system.Shutdown()
	})
	waitFor(t, 10*time.Second, "a keyframe cached on "+topic, func() bool {
		st, err := bus.Stats(topic)
		return err == nil && st.Cache != nil && st.Cache.Frames > 0
	})
	return &liveNode{system: system, bus: bus, handler: h, server: srv, topic: topic, started: started, rate: 30, lead: 1}
}

// frameDue returns the number of the newest frame the live camera has
// made by t (it makes frame n at n/rate s).
func (n *liveNode) frameDue(t time.Time) int64 {
	return int64(t.Sub(n.started) * time.Duration(n.rate) / time.Second)
}

// loadedWait bounds the wait for an event that a loaded machine brings
// late: a browser's picture or the like, which comes in a second on a
// quiet machine, in tens of seconds in CI beside other packages' tests,
// their browsers and encoders, on two cores. A test waits for the event
// and goes on as soon as it happens.
const loadedWait = time.Minute

func waitFor(t testing.TB, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var browser struct {
	once sync.Once
	ctx  context.Context
	stop func()
	err  error
}

// newTab opens a tab of the one headless chromium the package's tests
// share, started on first use; it skips the test when there is no
// chromium, unless make test runs it.
func newTab(t *testing.T) context.Context {
	t.Helper()
	browser.once.Do(startBrowser)
	if browser.err != nil {
		if os.Getenv(requireBrowserEnv) != "" {
			t.Fatal(browser.err)
		}
		t.Skip(browser.err.Error() + " (make test installs it)")
	}
	ctx, cancel := chromedp.NewContext(browser.ctx)
	t.Cleanup(cancel)
	// The tab opens at its first command, and lives as long as that
	// command's context: it opens here, for the test, so that each
	// command after it can be bounded (chromiumCall).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func startBrowser() { browser.ctx, browser.stop, browser.err = chromium.Start() }

func TestMain(m *testing.M) {
	code := m.Run()
	if browser.stop != nil {
		browser.stop()
	}
	os.Exit(code)
}
