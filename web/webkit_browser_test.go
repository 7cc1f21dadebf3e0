package web

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/webkit"
)

// webkitCall bounds one WebDriver command, a page's load included, on a
// loaded machine.
const webkitCall = time.Minute

// webkitPage is the window of a WebKitGTK MiniBrowser driven over
// WebDriver.
type webkitPage struct{ browser *webkit.Browser }

func (p webkitPage) navigate(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), webkitCall)
	defer cancel()
	return p.browser.Navigate(ctx, url)
}

func (p webkitPage) eval(expr string, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), webkitCall)
	defer cancel()
	return p.browser.Evaluate(ctx, expr, out)
}

// newWebKitPage starts a WebKitGTK of the test's own, which the test's
// cleanup closes; it skips the test when WebKitGTK's driver or Xvfb is
// missing, unless make test runs it.
func newWebKitPage(t *testing.T) webkitPage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*webkitCall)
	defer cancel()
	b, err := webkit.Start(ctx)
	if errors.Is(err, webkit.ErrMissing) && os.Getenv(requireBrowserEnv) == "" {
		t.Skip(err.Error() + " (make test installs it)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return webkitPage{b}
}

// hasWebRTC says whether the page has RTCPeerConnection and offers H.264
// to receive with it.
func hasWebRTC(t *testing.T, p page) bool {
	t.Helper()
	var ok bool
	if err := p.eval(`typeof RTCPeerConnection === "function"`, &ok); err != nil {
		t.Fatal(err)
	}
	return ok && playsH264(t, p)
}

// WebKitGTK, Safari's engine on Linux, has WebRTC only when built with it:
// Debian's build leaves it out (WebKit's release builds do unless every
// experimental feature is on), and RTCPeerConnection is undefined. The
// page then plays the topic over the WebSocket with WebCodecs, which
// WebKitGTK decodes with GStreamer (avdec_h264, gstreamer1.0-libav); with
// WebRTC, over WebRTC. Either way it must show the live picture.
func TestWebKitShowsTheLivePicture(t *testing.T) {
	n := newLiveNode(t, Config{})
	p := newWebKitPage(t)
	if err := p.navigate(n.server.URL + "/view?topic=/cam"); err != nil {
		t.Fatal(err)
	}
	if hasWebRTC(t, p) {
		checkLivePicture(t, n, p, "", "webrtc")
		return
	}
	t.Log("this WebKitGTK has no WebRTC that plays H.264: checking the WebSocket viewer")
	checkLivePicture(t, n, p, "", "websocket")
}

// A WebKitGTK without WebRTC, made to use it, says why under the tile.
func TestWebKitWithoutWebRTCSaysWhy(t *testing.T) {
	n := newLiveNode(t, Config{})
	p := newWebKitPage(t)
	if err := p.navigate(n.server.URL + "/view?topic=/cam&transport=webrtc"); err != nil {
		t.Fatal(err)
	}
	if hasWebRTC(t, p) {
		t.Skip("this WebKitGTK has WebRTC with H.264: TestWebKitShowsTheLivePicture plays it")
	}
	checkSaysWhyNot(t, n, p, "WebRTC")
}

func TestWebKitTopicPageListsTopics(t *testing.T) {
	n := newLiveNode(t, Config{Token: "s3cret"})
	p := newWebKitPage(t)
	checkTopicList(t, n, p, "s3cret")
	waitFor(t, 20*time.Second, "painted tile", func() bool { return readStats(t, p).FramesPainted > 0 })
	if caption := tileCaption(t, p); !strings.Contains(caption, "fps") || !strings.Contains(caption, "latency") {
		t.Errorf("the tile's caption %q, want its fps, bitrate and latency", caption)
	}
}

// A WebKitGTK whose GStreamer has no H.264 decoder (no gstreamer1.0-libav,
// no openh264dec) has no WebRTC and a VideoDecoder that refuses the
// stream's codec: the page says so under the tile.
func TestWebKitWithoutH264DecoderSaysWhy(t *testing.T) {
	t.Setenv("GST_PLUGIN_FEATURE_RANK", "avdec_h264:NONE,openh264dec:NONE")
	n := newLiveNode(t, Config{})
	p := newWebKitPage(t)
	if err := p.navigate(n.server.URL + "/view?topic=/cam"); err != nil {
		t.Fatal(err)
	}
	if hasWebRTC(t, p) {
		t.Skip("this WebKitGTK has WebRTC with H.264: TestWebKitShowsTheLivePicture plays it")
	}
	checkSaysWhyNot(t, n, p, "WebRTC", "WebCodecs", "avc1.")
}
