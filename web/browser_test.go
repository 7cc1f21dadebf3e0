package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
)

// page is a browser tab the tests drive: Chromium's over the DevTools
// protocol, Firefox's over WebDriver BiDi.
type page interface {
	// navigate loads url and returns once the page has loaded.
	navigate(url string) error
	// eval evaluates the JavaScript expression expr, awaiting it when it
	// is a promise, and decodes its value (as JSON) into out.
	eval(expr string, out any) error
}

// chromiumPage is a tab of the tests' Chromium (newTab).
type chromiumPage struct{ tab context.Context }

func (p chromiumPage) navigate(url string) error { return chromedp.Do(p.tab, chromedp.Navigate(url)) }

func (p chromiumPage) eval(expr string, out any) error {
	raw, err := chromedp.Run(p.tab, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	if len(raw) == 0 { // undefined
		raw = []byte("null")
	}
	return json.Unmarshal(raw, out)
}

// pageStats is window.goplineStats as the tests read it.
type pageStats struct {
	AnsweredMs    *float64 `json:"answeredMs"`
	ConnectedMs   *float64 `json:"connectedMs"`
	FirstFrameMs  *float64 `json:"firstFrameMs"`
	FramesPainted int      `json:"framesPainted"`
	Error         *string  `json:"error"`
}

func readStats(t *testing.T, p page) pageStats {
	t.Helper()
	var st pageStats
	if err := p.eval(`window.goplineStats || {framesPainted: 0}`, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// paintedFrameNumber draws the video's current picture on a canvas and
// reads the frame number testsrc burned into it.
func paintedFrameNumber(t *testing.T, p page) (uint64, bool) {
	t.Helper()
	var url string
	err := p.eval(`(() => {
		const v = document.querySelector("video");
		const c = document.createElement("canvas");
		c.width = v.videoWidth; c.height = v.videoHeight;
		c.getContext("2d").drawImage(v, 0, 0);
		return c.toDataURL("image/png");
	})()`, &url)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(url, "data:image/png;base64,"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	f, err := media.FrameFromImage(img, media.RGB24)
	if err != nil {
		t.Fatal(err)
	}
	return testsrc.ReadFrameNumber(f)
}

// checkLivePicture opens /view on n's live /cam in p and checks that the
// first picture is painted promptly, that frames keep coming at about the
// source's rate, and that the picture painted is the camera's, within a
// second of it.
func checkLivePicture(t *testing.T, n *liveNode, p page) {
	t.Helper()
	if err := p.navigate(n.server.URL + "/view?topic=/cam"); err != nil {
		t.Fatal(err)
	}
	var st pageStats
	waitFor(t, 20*time.Second, "painted picture", func() bool {
		st = readStats(t, p)
		if st.Error != nil {
			t.Fatalf("the page says: %s", *st.Error)
		}
		return st.FirstFrameMs != nil
	})
	t.Logf("first picture painted %.0f ms after connecting (answered %.0f ms, connected %.0f ms)",
		*st.FirstFrameMs, deref(st.AnsweredMs), deref(st.ConnectedMs))
	if *st.FirstFrameMs > 5000 {
		t.Errorf("first picture after %.0f ms, want well under a GOP's wait plus set-up (5 s at most)", *st.FirstFrameMs)
	}

	n.handler.mu.Lock()
	for _, s := range n.handler.sessions {
		if s != nil && s.delayExt == 0 {
			t.Error("the browser's session did not negotiate the playout-delay extension")
		}
	}
	n.handler.mu.Unlock()

	before := readStats(t, p).FramesPainted
	time.Sleep(2 * time.Second)
	after := readStats(t, p).FramesPainted
	if got := after - before; got < 30 { // 60 at the source's 30 fps; half of it on a loaded machine
		t.Errorf("%d frames painted in 2 s of a 30 fps stream, want at least 30", got)
	}

	var num uint64
	var madeBefore, madeAfter int64
	waitFor(t, 5*time.Second, "readable frame number in the painted picture", func() bool {
		var ok bool
		madeBefore = n.frameDue(time.Now())
		num, ok = paintedFrameNumber(t, p)
		madeAfter = n.frameDue(time.Now())
		return ok
	})
	// The camera may skip a frame under load, never run ahead of its clock;
	// the picture on screen is at most a second (a GOP) behind it.
	t.Logf("painted frame %d while the camera made frames %d to %d", num, madeBefore, madeAfter)
	if int64(num) > madeAfter+1 || int64(num) < madeBefore-30 {
		t.Errorf("painted frame %d, the camera was at %d..%d: want its picture within a second of it", num, madeBefore, madeAfter)
	}
}

// checkTopicList opens the node's page (with its token) in p and checks
// that it lists /cam with its codec, size and QoS.
func checkTopicList(t *testing.T, n *liveNode, p page, token string) {
	t.Helper()
	if err := p.navigate(n.server.URL + "/?token=" + token); err != nil {
		t.Fatal(err)
	}
	var row string
	waitFor(t, 10*time.Second, "row of /cam in the topic list", func() bool {
		err := p.eval(`(document.querySelector("#topics tr") || {}).textContent || ""`, &row)
		return err == nil && strings.Contains(row, "/cam")
	})
	if !strings.Contains(row, "h264") || !strings.Contains(row, "320×240") || !strings.Contains(row, "durable_video") {
		t.Errorf("the row of /cam says %q, want its codec, size and QoS", row)
	}
}

// tileCaption returns the text under the first tile of the node's page.
func tileCaption(t *testing.T, p page) string {
	t.Helper()
	var caption string
	if err := p.eval(`(document.querySelector(".tile figcaption") || {}).textContent || ""`, &caption); err != nil {
		t.Fatal(err)
	}
	return caption
}

func TestBrowserShowsTheLivePictureAtOnce(t *testing.T) {
	n := newLiveNode(t, Config{})
	checkLivePicture(t, n, chromiumPage{newTab(t)})
}

func TestTopicPageListsTopicsAndShowsATileEach(t *testing.T) {
	n := newLiveNode(t, Config{Token: "s3cret"})
	p := chromiumPage{newTab(t)}
	checkTopicList(t, n, p, "s3cret")
	waitFor(t, 20*time.Second, "painted tile", func() bool { return readStats(t, p).FramesPainted > 0 })
	if caption := tileCaption(t, p); !strings.Contains(caption, "fps") || !strings.Contains(caption, "latency") {
		t.Errorf("the tile's caption %q, want its fps, bitrate and latency", caption)
	}
}

func deref(v *float64) float64 {
	if v == nil {
		return -1
	}
	return *v
}
