package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
)

// pageStats is window.goplineStats as the tests read it.
type pageStats struct {
	AnsweredMs    *float64 `json:"answeredMs"`
	ConnectedMs   *float64 `json:"connectedMs"`
	FirstFrameMs  *float64 `json:"firstFrameMs"`
	FramesPainted int      `json:"framesPainted"`
	Error         *string  `json:"error"`
}

func readStats(t *testing.T, tab context.Context) pageStats {
	t.Helper()
	st, err := chromedp.Run(tab, chromedp.Evaluate[pageStats](`window.goplineStats || {framesPainted: 0}`))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// paintedFrameNumber draws the video's current picture on a canvas and
// reads the frame number testsrc burned into it.
func paintedFrameNumber(t *testing.T, tab context.Context) (uint64, bool) {
	t.Helper()
	url, err := chromedp.Run(tab, chromedp.Evaluate[string](`(() => {
		const v = document.querySelector("video");
		const c = document.createElement("canvas");
		c.width = v.videoWidth; c.height = v.videoHeight;
		c.getContext("2d").drawImage(v, 0, 0);
		return c.toDataURL("image/png");
	})()`))
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

func TestBrowserShowsTheLivePictureAtOnce(t *testing.T) {
	n := newLiveNode(t, Config{})
	tab := newTab(t)
	if err := chromedp.Do(tab, chromedp.Navigate(n.server.URL+"/view?topic=/cam")); err != nil {
		t.Fatal(err)
	}
	var st pageStats
	waitFor(t, 20*time.Second, "painted picture", func() bool {
		st = readStats(t, tab)
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
			t.Error("Chromium's session did not negotiate the playout-delay extension")
		}
	}
	n.handler.mu.Unlock()

	before := readStats(t, tab).FramesPainted
	time.Sleep(2 * time.Second)
	after := readStats(t, tab).FramesPainted
	if got := after - before; got < 30 { // 60 at the source's 30 fps; half of it on a loaded machine
		t.Errorf("%d frames painted in 2 s of a 30 fps stream, want at least 30", got)
	}

	var num uint64
	var madeBefore, madeAfter int64
	waitFor(t, 5*time.Second, "readable frame number in the painted picture", func() bool {
		var ok bool
		madeBefore = n.frameDue(time.Now())
		num, ok = paintedFrameNumber(t, tab)
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

func TestTopicPageListsTopicsAndShowsATileEach(t *testing.T) {
	n := newLiveNode(t, Config{Token: "s3cret"})
	tab := newTab(t)
	if err := chromedp.Do(tab, chromedp.Navigate(n.server.URL+"/?token=s3cret")); err != nil {
		t.Fatal(err)
	}
	var row string
	waitFor(t, 10*time.Second, "row of /cam in the topic list", func() bool {
		var err error
		row, err = chromedp.Run(tab, chromedp.Evaluate[string](`(document.querySelector("#topics tr") || {}).textContent || ""`))
		return err == nil && strings.Contains(row, "/cam")
	})
	if !strings.Contains(row, "h264") || !strings.Contains(row, "320×240") || !strings.Contains(row, "durable_video") {
		t.Errorf("the row of /cam says %q, want its codec, size and QoS", row)
	}
	waitFor(t, 20*time.Second, "painted tile", func() bool { return readStats(t, tab).FramesPainted > 0 })
	caption, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector(".tile figcaption").textContent`))
	if err != nil || !strings.Contains(caption, "fps") || !strings.Contains(caption, "latency") {
		t.Errorf("the tile's caption %q (%v), want its fps, bitrate and latency", caption, err)
	}
}

func deref(v *float64) float64 {
	if v == nil {
		return -1
	}
	return *v
}
