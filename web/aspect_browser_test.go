package web

import (
	"math"
	"testing"
)

// A camera of pixels twice as wide as high, its 320x240 pictures kept as
// coded (square-pixels=false) and encoded by h264enc, whose stream states
// the aspect, is shown 640x240 by the WebCodecs viewer, in its shape, not
// squeezed to 4:3; and in the same shape by the WebRTC viewer, whose
// Chromium shows a WebRTC stream as coded whatever its SPS states: the
// page scales it by the aspect /api/topics gives.
func TestViewersShowPixelsThatAreNotSquareInTheirShape(t *testing.T) {
	clip := makeClip(t, "sar.mp4", 25, 20, "-vf", "setsar=2/1", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p")
	n := newNode(t, Config{}, "videosrc location="+clip+" square-pixels=false is-live=true ! h264enc gop=25 rate=25 ! publish topic=/cam", "/cam")
	p := chromiumPage{newTab(t)}
	firstPicture(t, p, n.server.URL+"/view?topic=/cam&transport=websocket")
	var size struct{ W, H int }
	if err := p.eval(`(() => { const c = document.querySelector(".tile canvas"); return {W: c.width, H: c.height}; })()`, &size); err != nil {
		t.Fatal(err)
	}
	if size.W != 640 || size.H != 240 {
		t.Errorf("the WebSocket viewer's canvas is %dx%d, want 640x240", size.W, size.H)
	}

	if st := firstPicture(t, p, n.server.URL+"/view?topic=/cam"); st.Transport != "webrtc" {
		t.Fatalf("the page plays over %q, want webrtc", st.Transport)
	}
	// The picture as shown: the video's box, object-fit: contain, scaled
	// by its transform.
	var shown struct{ W, H, CodedW, CodedH float64 }
	if err := p.eval(`(() => {
		const v = document.querySelector(".tile video"), r = v.getBoundingClientRect();
		const k = Math.min(v.clientWidth / v.videoWidth, v.clientHeight / v.videoHeight);
		return {W: v.videoWidth * k * r.width / v.clientWidth, H: v.videoHeight * k * r.height / v.clientHeight,
			CodedW: v.videoWidth, CodedH: v.videoHeight};
	})()`, &shown); err != nil {
		t.Fatal(err)
	}
	if shown.CodedW != 320 || shown.CodedH != 240 || math.Abs(shown.W/shown.H-640.0/240) > 0.05 {
		t.Errorf("the WebRTC viewer shows its %vx%v pictures at %.0fx%.0f, %.2f:1, want 640:240's %.2f:1",
			shown.CodedW, shown.CodedH, shown.W, shown.H, shown.W/shown.H, 640.0/240)
	}
}
