package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// /view without a topic takes the browser to the node's page, its token
// kept.
func TestViewWithoutTopicGoesToTheTopicList(t *testing.T) {
	n := newBusNode(t, Config{Token: "s3cret"}, "127.0.0.1:0")
	p := chromiumPage{newTab(t)}
	if err := p.navigate(n.server.URL + "/view?token=s3cret"); err != nil {
		t.Fatal(err)
	}
	var at string
	waitFor(t, 10*time.Second, "the topic list", func() bool {
		return p.eval(`location.pathname + location.search`, &at) == nil && at == "/?token=s3cret"
	})
}

// The single viewer fits the picture to the window, its aspect kept: none
// of it is below the window's bottom.
func TestViewFitsThePictureToTheWindow(t *testing.T) {
	n := newBusNode(t, Config{}, "127.0.0.1:0")
	n.publish(t, camera("320x240", "/cam"), "/cam")
	tab := newTab(t)
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	p := chromiumPage{tab}
	firstPicture(t, p, n.server.URL+"/view?topic=/cam")
	var box struct {
		Top, Bottom, Left, Right, Window, Scroll float64
		Fit                                      string
	}
	err := p.eval(`(() => {
		const v = document.querySelector(".tile video"), r = v.getBoundingClientRect();
		return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, window: innerHeight,
			scroll: document.scrollingElement.scrollHeight, fit: getComputedStyle(v).objectFit };
	})()`, &box)
	if err != nil {
		t.Fatal(err)
	}
	if box.Bottom > box.Window || box.Scroll > box.Window {
		t.Errorf("the picture ends at %.0f px, the page at %.0f px, in a window %.0f px high: want it all in the window", box.Bottom, box.Scroll, box.Window)
	}
	// The picture, 4:3 and contained in its box, is as large as the box
	// lets it be: far larger than its 320x240.
	if h := box.Bottom - box.Top; h < 600 || box.Fit != "contain" {
		t.Errorf("the picture's box is %.0f px high, its object-fit %q: want it to fill the window, its aspect kept", h, box.Fit)
	}
}

// Chromium sends transport-wide congestion control feedback: the view
// says its link's estimated bandwidth, and a viewer on loopback, whose
// link carries far more than the stream, is not thinned.
func TestWebRTCViewSaysItsLinksEstimate(t *testing.T) {
	n := newLiveNode(t, Config{})
	p := chromiumPage{newTab(t)}
	firstPicture(t, p, n.server.URL+"/view?topic=/cam")
	var got struct {
		Estimate float64
		Thinned  *string
		Caption  string
	}
	waitFor(t, 30*time.Second, "the link's estimate in the view", func() bool {
		err := p.eval(`({estimate: goplineStats.linkEstimate || 0, thinned: goplineStats.thinned,
			caption: document.querySelector(".tile figcaption").textContent})`, &got)
		return err == nil && got.Estimate > 0 && strings.Contains(got.Caption, "link ≈")
	})
	v, stream := viewerStatus(t, n)
	t.Logf("the view says %q; the node %+v of a stream of %.0f bit/s", got.Caption, v, stream)
	if got.Thinned != nil || v.KeyframesOnly || v.Estimate == 0 {
		t.Errorf("the view says %q (thinned %v); the node %+v: want its estimate shown, not thinned", got.Caption, got.Thinned, v)
	}
}
