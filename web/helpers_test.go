package web

import (
	"context"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/internal/chromium"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport"
)

// requireBrowserEnv, set by make test, turns a missing chromium from a
// skip into a failure: make test installs it.
const requireBrowserEnv = "GOPLINE_REQUIRE_BROWSER"

// liveNode is a bus with a live test pattern on /cam and a Handler of it
// served over HTTP.
type liveNode struct {
	system  *actor.ActorSystem
	bus     *transport.Bus
	handler *Handler
	server  *httptest.Server
	// started is just before the camera started: its frame n is due
	// n/30 s after.
	started time.Time
}

// newLiveNode publishes a live 320x240 30 fps H.264 test pattern (GOP 30)
// on /cam and serves cfg's handler of it; cfg's bus and system are set
// here.
func newLiveNode(t *testing.T, cfg Config) *liveNode {
	t.Helper()
	system := pipeline.NewSystem(zerolog.Nop())
	bus := transport.NewBus(system)
	reg, err := elements.Registry()
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.Parse("testsrc size=320x240 rate=30 ! h264enc gop=30 rate=30 ! publish topic=/cam", reg,
		pipeline.WithSystem(system), pipeline.WithBus(bus))
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
	waitFor(t, 10*time.Second, "a keyframe cached on /cam", func() bool {
		st, err := bus.Stats("/cam")
		return err == nil && st.Cache != nil && st.Cache.Frames > 0
	})
	return &liveNode{system: system, bus: bus, handler: h, server: srv, started: started}
}

// frameDue returns the number of the newest frame the live camera has
// made by t (it makes frame n at n/30 s).
func (n *liveNode) frameDue(t time.Time) int64 { return int64(t.Sub(n.started) * 30 / time.Second) }

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
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
