package web

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport"
)

// busNode is a bus and a Handler of it served over HTTP, whose topics
// each test publishes and stops as it goes.
type busNode struct {
	system  *actor.ActorSystem
	bus     *transport.Bus
	handler *Handler
	server  *httptest.Server

	mu        sync.Mutex
	pipelines []*pipeline.Pipeline // publishing on bus
	stopOnce  sync.Once
}

// newBusNode serves cfg's handler of a new, empty bus on addr
// ("127.0.0.1:0" for any port); cfg's bus and system are set here.
func newBusNode(t *testing.T, cfg Config, addr string) *busNode {
	t.Helper()
	system := pipeline.NewSystem(zerolog.Nop())
	bus := transport.NewBus(system)
	cfg.Bus, cfg.System = bus, system
	if cfg.KeepIP == nil {
		cfg.KeepIP = LoopbackOnly
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	_ = srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	n := &busNode{system: system, bus: bus, handler: h, server: srv}
	t.Cleanup(n.stop)
	return n
}

// stop ends the node: its server, its viewers, its pipelines, its bus. It
// may be called more than once.
func (n *busNode) stop() {
	n.stopOnce.Do(func() {
		n.server.Close()
		_ = n.handler.Close()
		n.mu.Lock()
		for _, p := range n.pipelines {
			_ = p.Stop()
		}
		n.mu.Unlock()
		_ = n.bus.Close()
		n.system.Shutdown()
	})
}

// publish runs the pipeline desc, which publishes topic on n's bus, until
// the test ends or it is stopped, and returns once topic has a keyframe
// cached.
func (n *busNode) publish(t *testing.T, desc, topic string) *pipeline.Pipeline {
	t.Helper()
	reg, err := elements.Registry()
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.Parse(desc, reg, pipeline.WithSystem(n.system), pipeline.WithBus(n.bus))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	n.mu.Lock()
	n.pipelines = append(n.pipelines, p)
	n.mu.Unlock()
	waitFor(t, 20*time.Second, "a keyframe cached on "+topic, func() bool {
		st, err := n.bus.Stats(topic)
		return err == nil && st.Cache != nil && st.Cache.Frames > 0
	})
	return p
}

// camera is the pipeline of a live 30 fps H.264 test pattern of size WxH
// (GOP 30) published on topic.
func camera(size, topic string) string {
	return "testsrc size=" + size + " rate=30 ! h264enc gop=30 rate=30 ! publish topic=" + topic
}

// pictureState is what a test reads of a viewer: its stats and the size
// of the picture it shows.
type pictureState struct {
	pageStats
	Fps    float64 `json:"fps"`
	Width  int     `json:"width"`
	Height int     `json:"height"`
}

func readPicture(t *testing.T, p page) pictureState {
	t.Helper()
	var st pictureState
	err := p.eval(`(() => {
		const s = window.goplineStats || {framesPainted: 0};
		const v = document.querySelector(".tile video, .tile canvas");
		return Object.assign({}, s, { width: v ? (v.videoWidth || v.width || 0) : 0, height: v ? (v.videoHeight || v.height || 0) : 0 });
	})()`, &st)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// checkLosesAndFindsThePicture waits for the WebRTC view in p to paint a
// picture of wxh, then calls stop, which ends its stream; it checks that
// the view says it lost the picture (0 fps), then calls restart and checks
// that the view paints the new stream, of nwxnh.
func checkLosesAndFindsThePicture(t *testing.T, p page, w, h int, stop func(), nw, nh int, restart func()) {
	t.Helper()
	var st pictureState
	waitFor(t, 30*time.Second, "painted picture", func() bool {
		st = readPicture(t, p)
		return st.FramesPainted > 10 && st.Width == w && st.Height == h
	})
	if st.Transport != "webrtc" {
		t.Fatalf("the page plays over %q, want webrtc", st.Transport)
	}
	stop()
	stoppedAt := time.Now()
	waitFor(t, 30*time.Second, "the page's word of its lost picture, at 0 fps", func() bool {
		st = readPicture(t, p)
		return st.Error != nil && st.Fps == 0 && st.Bitrate == 0
	})
	t.Logf("%.1f s after the stream stopped the page says: %s", time.Since(stoppedAt).Seconds(), *st.Error)
	waitFor(t, 10*time.Second, "a caption in red saying the page reconnects", func() bool {
		var caption string
		err := p.eval(`(() => { const c = document.querySelector(".tile figcaption"); return c.className + " " + c.textContent; })()`, &caption)
		return err == nil && strings.HasPrefix(caption, "error ") && strings.Contains(caption, "reconnecting")
	})
	before := st.FramesPainted
	restart()
	restartedAt := time.Now()
	waitFor(t, 60*time.Second, "the new stream's picture, without an error", func() bool {
		st = readPicture(t, p)
		return st.Error == nil && st.FramesPainted > before+30 && st.Width == nw && st.Height == nh
	})
	t.Logf("the new stream's picture %.1f s after it started", time.Since(restartedAt).Seconds())
}

// A WebRTC view whose topic's publisher stops says it lost the picture and
// plays the next publisher's stream on the topic, of another size.
func TestWebRTCViewerPlaysTheNextPublisher(t *testing.T) {
	n := newBusNode(t, Config{}, "127.0.0.1:0")
	a := n.publish(t, camera("320x240", "/cam"), "/cam")
	p := chromiumPage{newTab(t)}
	if err := p.navigate(n.server.URL + "/view?topic=/cam"); err != nil {
		t.Fatal(err)
	}
	checkLosesAndFindsThePicture(t, p, 320, 240, func() { _ = a.Stop() }, 160, 120, func() { n.publish(t, camera("160x120", "/cam"), "/cam") })
}

// A WebRTC view whose node goes away says it lost the picture and plays
// the stream of the node that takes its place, on the same address.
func TestWebRTCViewerPlaysTheRestartedNode(t *testing.T) {
	a := newBusNode(t, Config{}, "127.0.0.1:0")
	a.publish(t, camera("320x240", "/cam"), "/cam")
	addr := a.server.Listener.Addr().String()
	p := chromiumPage{newTab(t)}
	if err := p.navigate(a.server.URL + "/view?topic=/cam"); err != nil {
		t.Fatal(err)
	}
	checkLosesAndFindsThePicture(t, p, 320, 240, a.stop, 320, 180, func() {
		b := newBusNode(t, Config{}, addr)
		b.publish(t, camera("320x180", "/cam"), "/cam")
	})
}

// The node's page's tile does the same when its node restarts.
func TestTopicPageTilePlaysTheRestartedNode(t *testing.T) {
	a := newBusNode(t, Config{}, "127.0.0.1:0")
	a.publish(t, camera("320x240", "/cam"), "/cam")
	addr := a.server.Listener.Addr().String()
	p := chromiumPage{newTab(t)}
	if err := p.navigate(a.server.URL + "/"); err != nil {
		t.Fatal(err)
	}
	checkLosesAndFindsThePicture(t, p, 320, 240, a.stop, 320, 180, func() {
		b := newBusNode(t, Config{}, addr)
		b.publish(t, camera("320x180", "/cam"), "/cam")
	})
	if names := tileTopics(t, p); len(names) != 1 {
		t.Errorf("the page shows tiles of %q, want /cam's alone", names)
	}
}

// tileTopics returns the topics of the tiles the node's page shows, in
// order.
func tileTopics(t *testing.T, p page) []string {
	t.Helper()
	var names []string
	if err := p.eval(`[...document.querySelectorAll(".tile figcaption")].map((c) => c.textContent.split(/[ :]/)[0])`, &names); err != nil {
		t.Fatal(err)
	}
	return names
}

// The node's page removes the tile of a topic that ended and shows one of
// a new topic.
func TestTopicPageRemovesTheTileOfAnEndedTopic(t *testing.T) {
	n := newBusNode(t, Config{}, "127.0.0.1:0")
	n.publish(t, camera("160x120", "/a"), "/a")
	b := n.publish(t, camera("160x120", "/b"), "/b")
	p := chromiumPage{newTab(t)}
	if err := p.navigate(n.server.URL + "/"); err != nil {
		t.Fatal(err)
	}
	var names []string
	waitFor(t, 30*time.Second, "tiles of /a and /b", func() bool {
		names = tileTopics(t, p)
		return strings.Join(names, " ") == "/a /b"
	})
	_ = b.Stop()
	waitFor(t, 30*time.Second, "the tile of /a alone", func() bool {
		names = tileTopics(t, p)
		return strings.Join(names, " ") == "/a"
	})
	var tiles int
	if err := p.eval(`window.goplineTiles.size`, &tiles); err != nil {
		t.Fatal(err)
	}
	if tiles != 1 {
		t.Errorf("window.goplineTiles holds %d tiles, want 1", tiles)
	}
	n.publish(t, camera("160x120", "/c"), "/c")
	waitFor(t, 30*time.Second, "tiles of /a and /c", func() bool {
		names = tileTopics(t, p)
		return strings.Join(names, " ") == "/a /c"
	})
	waitFor(t, 30*time.Second, "the picture of /a painted", func() bool { return readStats(t, p).FramesPainted > 0 })
}

// A WebSocket view whose topic's publisher stops and another starts on
// the topic soon after (the channel still advertised) plays the new
// stream, of another size, in the same subscription.
func TestWebSocketViewerPlaysTheNextPublisher(t *testing.T) {
	n := newBusNode(t, Config{}, "127.0.0.1:0")
	a := n.publish(t, camera("320x240", "/cam"), "/cam")
	p := chromiumPage{newTab(t)}
	if err := p.navigate(n.server.URL + "/view?topic=/cam&transport=websocket"); err != nil {
		t.Fatal(err)
	}
	var st pictureState
	waitFor(t, 30*time.Second, "painted picture", func() bool {
		st = readPicture(t, p)
		return st.FramesPainted > 10 && st.Width == 320 && st.Height == 240
	})
	if st.Transport != "websocket" {
		t.Fatalf("the page plays over %q, want websocket", st.Transport)
	}
	_ = a.Stop()
	waitFor(t, 10*time.Second, "/cam without a publisher", func() bool {
		st, err := n.bus.Stats("/cam")
		return err == nil && st.Publishers == 0
	})
	n.publish(t, camera("160x120", "/cam"), "/cam")
	before := st.FramesPainted
	waitFor(t, 30*time.Second, "the new stream's picture, without an error", func() bool {
		st = readPicture(t, p)
		return st.Error == nil && st.FramesPainted > before+30 && st.Width == 160 && st.Height == 120
	})
}

// A WebSocket view whose topic ended says so, and the node's answers to
// what the view did meanwhile do not say otherwise: the unadvertise ended
// its subscription, which it does not unsubscribe.
func TestWebSocketViewerSaysItsTopicEnded(t *testing.T) {
	n := newBusNode(t, Config{}, "127.0.0.1:0")
	n.publish(t, camera("160x120", "/other"), "/other")
	a := n.publish(t, camera("160x120", "/cam"), "/cam")
	p := chromiumPage{newTab(t)}
	if err := p.navigate(n.server.URL + "/view?topic=/cam&transport=websocket"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "painted picture", func() bool { return readPicture(t, p).FramesPainted > 0 })
	_ = a.Stop()
	const ended = "the node has no H.264, JPEG or raw topic /cam"
	waitFor(t, 30*time.Second, "the view's word that /cam ended", func() bool {
		st := readPicture(t, p)
		return st.Error != nil && strings.Contains(*st.Error, ended)
	})
	time.Sleep(2 * time.Second) // the node's answers, had it any, come within it
	if st := readPicture(t, p); st.Error == nil || !strings.Contains(*st.Error, ended) {
		t.Errorf("then the view says %q, want %q", deref2(st.Error), ended)
	}
}

// A WebSocket view given a wrong token says that the node refused it and
// why, and does not try again, as the WebRTC view does.
func TestWebSocketViewerWithAWrongTokenSaysSo(t *testing.T) {
	n := newBusNode(t, Config{Token: "s3cret"}, "127.0.0.1:0")
	n.publish(t, camera("160x120", "/cam"), "/cam")
	p := chromiumPage{newTab(t)}
	if err := p.navigate(n.server.URL + "/view?topic=/cam&transport=websocket&token=wrong"); err != nil {
		t.Fatal(err)
	}
	const refused = "the node refused the WebSocket: gopline: the token given is not this node's"
	waitFor(t, 30*time.Second, "the view's word that the node refused it", func() bool {
		st := readPicture(t, p)
		return st.Error != nil && strings.Contains(*st.Error, refused)
	})
	time.Sleep(3 * time.Second) // a retry, had there been one, within it
	if st := readPicture(t, p); st.Error == nil || !strings.Contains(*st.Error, refused) {
		t.Errorf("then the view says %q, want %q still", deref2(st.Error), refused)
	}
}
