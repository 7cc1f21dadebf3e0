package web

import (
	"testing"
)

// A camera of pixels twice as wide as high, its 320x240 pictures kept as
// coded (square-pixels=false) and encoded by h264enc, whose stream states
// the aspect, is shown 640x240 by the WebCodecs viewer, in its shape, not
// squeezed to 4:3. (Chromium's WebRTC ignores the aspect an SPS states:
// the WebRTC viewer shows the pictures as coded.)
func TestWebSocketViewerShowsPixelsThatAreNotSquareInTheirShape(t *testing.T) {
	clip := makeClip(t, "sar.mp4", 25, 20, "-vf", "setsar=2/1", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p")
	n := newNode(t, Config{}, "videosrc location="+clip+" square-pixels=false is-live=true ! h264enc gop=25 rate=25 ! publish topic=/cam", "/cam")
	p := chromiumPage{newTab(t)}
	firstPicture(t, p, n.server.URL+"/view?topic=/cam&transport=websocket")
	var size struct{ W, H int }
	if err := p.eval(`(() => { const c = document.querySelector(".tile canvas"); return {W: c.width, H: c.height}; })()`, &size); err != nil {
		t.Fatal(err)
	}
	if size.W != 640 || size.H != 240 {
		t.Errorf("the canvas is %dx%d, want 640x240", size.W, size.H)
	}
}
