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
	t.Logf("first picture painted %.0f ms after connecting", *st.FirstFrameMs)
	if *st.FirstFrameMs > 5000 {
		t.Errorf("first picture after %.0f ms, want well under a GOP's wait plus set-up (5 s at most)", *st.FirstFrameMs)
	}

	before := readStats(t, tab).FramesPainted
	time.Sleep(2 * time.Second)
	after := readStats(t, tab).FramesPainted
	if got := after - before; got < 30 { // 60 at the source's 30 fps; half of it on a loaded machine
		t.Errorf("%d frames painted in 2 s of a 30 fps stream, want at least 30", got)
	}

	published := func() uint64 {
		st, err := n.bus.Stats("/cam")
		if err != nil {
			t.Fatal(err)
		}
		return st.Published
	}
	var num, sentBefore, sentAfter uint64
	waitFor(t, 5*time.Second, "readable frame number in the painted picture", func() bool {
		var ok bool
		sentBefore = published()
		num, ok = paintedFrameNumber(t, tab)
		sentAfter = published()
		return ok
	})
	t.Logf("painted frame %d while the source sent frames %d to %d", num, sentBefore-1, sentAfter-1)
	if num >= sentAfter || num+30 < sentBefore-1 {
		t.Errorf("painted frame %d, the source was at %d..%d: want its picture within a second of it", num, sentBefore-1, sentAfter-1)
	}
}
