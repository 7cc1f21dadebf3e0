package web

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/bidi"
	"github.com/gopline/gopline/internal/firefox"
)

// firefoxCall bounds one BiDi command, a page's load included, on a loaded
// machine.
const firefoxCall = time.Minute

// firefoxPage is a tab of a headless Firefox driven over WebDriver BiDi.
type firefoxPage struct {
	browser *firefox.Browser
	tab     bidi.Tab
}

func (p firefoxPage) navigate(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), firefoxCall)
	defer cancel()
	return p.browser.Navigate(ctx, p.tab, url)
}

func (p firefoxPage) eval(expr string, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), firefoxCall)
	defer cancel()
	return p.browser.Evaluate(ctx, p.tab, expr, out)
}

// newFirefoxPage starts a headless Firefox of the test's own, which the
// test's cleanup closes, and opens a tab; it skips the test when there is
// no Firefox, unless make test runs it.
func newFirefoxPage(t *testing.T) firefoxPage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*firefoxCall)
	defer cancel()
	b, err := firefox.Start(ctx)
	if errors.Is(err, firefox.ErrMissing) && os.Getenv(requireBrowserEnv) == "" {
		t.Skip(err.Error() + " (make test installs it)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	tab, err := b.NewTab(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return firefoxPage{browser: b, tab: tab}
}

// playsH264 says whether the browser offers H.264 to receive over WebRTC.
func playsH264(t *testing.T, p page) bool {
	t.Helper()
	var ok bool
	if err := p.eval(`RTCRtpReceiver.getCapabilities("video").codecs.some((c) => c.mimeType.toLowerCase() === "video/h264")`, &ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// checkSaysWhyNot checks that a page that cannot play the topic says so,
// in words that hold each of want, in its stats and under its tile, and
// asks the node for no session.
func checkSaysWhyNot(t *testing.T, n *liveNode, p page, want ...string) {
	t.Helper()
	var st pageStats
	waitFor(t, 20*time.Second, "message from the page", func() bool {
		st = readStats(t, p)
		return st.Error != nil || st.FramesPainted > 0
	})
	if st.Error == nil {
		t.Fatalf("the page painted %d frames and says nothing, want it to say why it cannot play", st.FramesPainted)
	}
	for _, w := range want {
		if !strings.Contains(*st.Error, w) {
			t.Fatalf("the page says %q, want it to say %q", *st.Error, w)
		}
	}
	t.Logf("the page says: %s", *st.Error)
	waitFor(t, 5*time.Second, "page's error under the tile's black picture", func() bool {
		return strings.Contains(tileCaption(t, p), *st.Error)
	})
	n.handler.mu.Lock()
	defer n.handler.mu.Unlock()
	if len(n.handler.sessions) != 0 {
		t.Errorf("the page made %d WHEP sessions it cannot play", len(n.handler.sessions))
	}
}

// Firefox receives H.264 over WebRTC only with its OpenH264 plugin (or
// hardware decoding it allows for WebRTC on Android and macOS), which it
// downloads from Mozilla on its own; Debian packages no such plugin, and a
// Firefox without the network has none. Without it the page must say so
// rather than show a silent black tile; with it, the page must show the
// live picture as it does in Chromium.
func TestFirefoxShowsTheLivePictureOrSaysWhyNot(t *testing.T) {
	n := newLiveNode(t, Config{})
	p := newFirefoxPage(t)
	if err := p.navigate(n.server.URL + "/view?topic=/cam"); err != nil {
		t.Fatal(err)
	}
	if playsH264(t, p) {
		checkLivePicture(t, n, p)
		return
	}
	t.Log("this Firefox offers no H.264 to receive over WebRTC (no OpenH264 plugin): checking that the page says so")
	checkSaysWhyNot(t, n, p, "H.264", "OpenH264")
}

func TestFirefoxTopicPageListsTopics(t *testing.T) {
	n := newLiveNode(t, Config{Token: "s3cret"})
	p := newFirefoxPage(t)
	checkTopicList(t, n, p, "s3cret")
	if !playsH264(t, p) {
		t.Log("this Firefox offers no H.264 to receive over WebRTC: checking that the tile says so")
		checkSaysWhyNot(t, n, p, "H.264", "OpenH264")
		return
	}
	waitFor(t, 20*time.Second, "painted tile", func() bool { return readStats(t, p).FramesPainted > 0 })
	if caption := tileCaption(t, p); !strings.Contains(caption, "fps") || !strings.Contains(caption, "latency") {
		t.Errorf("the tile's caption %q, want its fps, bitrate and latency", caption)
	}
}
