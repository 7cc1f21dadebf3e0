package web

import (
	"testing"
	"time"
)

// newLongGOPNode publishes on /long a file of testsrc's pattern (320x240
// at 25 fps, 60 s, long enough for a loaded machine) that ffmpeg encoded
// without B-frames and with one IDR in 500 pictures, as a camera with a
// long GOP makes, passed through as a live stream; it serves cfg's
// handler of it. It returns once the topic's cache holds more pictures
// than the WebSocket viewer lets a live backlog have, so that a viewer
// joining then is replayed more than that.
func newLongGOPNode(t *testing.T, cfg Config) *liveNode {
	t.Helper()
	clip := makeClip(t, "long.mp4", 25, 60, "-c:v", "libx264", "-preset", "veryfast", "-bf", "0",
		"-x264-params", "keyint=500:min-keyint=500:scenecut=0", "-pix_fmt", "yuv420p")
	n := newNode(t, cfg, "videosrc location="+clip+" passthrough=true is-live=true ! publish topic=/long", "/long")
	n.rate, n.lead = 25, 1
	const replayed = 100 // the WebSocket viewer's maxDecodeQueue is 60
	waitFor(t, 20*time.Second, "the cache holding 4 s of the GOP", func() bool {
		st, err := n.bus.Stats("/long")
		return err == nil && st.Cache != nil && st.Cache.Frames >= replayed
	})
	return n
}

// gopOf500 is the long GOP's length: its second IDR is frame 500.
const gopOf500 = 500

// A page that joins a topic 4 s into a GOP of 20 s decodes the whole
// cached GOP the node replays to it, over the WebSocket, and paints the
// camera's picture at once: it does not take the replay for a backlog to
// skip to the next keyframe, which would leave it with no picture until
// the next IDR, 20 s into the stream.
func TestWebSocketViewerDecodesTheWholeReplayedGOP(t *testing.T) {
	p := chromiumPage{newTab(t)}
	n := newLongGOPNode(t, Config{})
	firstPicture(t, p, n.server.URL+"/view?topic=/long&transport=websocket")
	if first, _, ok := paintedFrameNumber(t, p); !ok || first >= gopOf500 {
		t.Fatalf("the first picture painted is frame %d (read: %v), want one of the first GOP, decoded through its replay", first, ok)
	}
	var num uint64
	var made int64
	waitFor(t, 15*time.Second, "the camera's picture, decoded through the replayed GOP", func() bool {
		if st := readStats(t, p); st.Error != nil {
			t.Fatalf("the page says: %s", *st.Error)
		}
		var ok bool
		var drawn time.Time
		num, drawn, ok = paintedFrameNumber(t, p)
		made = n.frameDue(drawn)
		return ok && int64(num) >= made-int64(n.rate)
	})
	t.Logf("painted frame %d while the camera made frame %d", num, made)
	checkPaintedFrame(t, n, p)
}
