package web

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// newLargePictureNode publishes on /big a file of ffmpeg's testsrc2
// pattern at 4112x2304, one macroblock column wider than the largest
// picture Chromium's WebRTC decodes, 1 picture a second for 90 s (an IDR
// every 2), passed through as a live stream; it serves cfg's handler of
// it. It skips the test when ffmpeg or its libx264 is missing.
func newLargePictureNode(t *testing.T, cfg Config) *liveNode {
	t.Helper()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not installed (make deps installs it)")
	}
	clip := filepath.Join(t.TempDir(), "big.mp4")
	out, err := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=4112x2304:rate=1",
		"-t", strconv.Itoa(90), "-c:v", "libx264", "-preset", "ultrafast", "-profile:v", "baseline", "-g", "2", "-pix_fmt", "yuv420p", clip).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "Unknown encoder") {
			t.Skipf("ffmpeg lacks the encoder: %s", out)
		}
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	n := newNode(t, cfg, "videosrc location="+clip+" passthrough=true is-live=true ! publish topic=/big", "/big")
	n.rate, n.lead = 1, 1
	return n
}

// tileStats is a tile's stats as the tests read them.
type tileStats struct {
	Transport     string  `json:"transport"`
	Note          *string `json:"note"`
	Error         *string `json:"error"`
	FramesPainted int     `json:"framesPainted"`
}

// A topic whose pictures are larger than Chromium's WebRTC decodes plays
// over the WebSocket, the page saying why: chosen from the size the node
// gives, and, when the page did not know the size, once a WebRTC session
// received the stream and decoded none of it.
func TestLargePicturesPlayOverTheWebSocket(t *testing.T) {
	p := chromiumPage{newTab(t)}
	n := newLargePictureNode(t, Config{})
	st := firstPicture(t, p, n.server.URL+"/view?topic=/big")
	if st.Transport != "websocket" {
		t.Errorf("the page plays /big over %q, want the WebSocket", st.Transport)
	}
	waitFor(t, 10*time.Second, "the tile's word of the size and the WebSocket", func() bool {
		caption := tileCaption(t, p)
		return strings.Contains(caption, "4112×2304") && strings.Contains(caption, "WebSocket") && strings.Contains(caption, "fps")
	})

	// A tile that does not know the size starts over WebRTC.
	if err := p.eval(`(window.big = gopline.tile(document.body, "/big", {codec: "h264"}), true)`, new(bool)); err != nil {
		t.Fatal(err)
	}
	var big tileStats
	waitFor(t, 40*time.Second, "the tile painting over the WebSocket after WebRTC decoded nothing", func() bool {
		if err := p.eval(`window.big`, &big); err != nil {
			t.Fatal(err)
		}
		return big.Transport == "websocket" && big.FramesPainted > 0
	})
	if big.Note == nil || !strings.Contains(*big.Note, "WebRTC") || !strings.Contains(*big.Note, "decoded no picture") {
		t.Errorf("the tile's note is %v, want why it left WebRTC", deref2(big.Note))
	}
	waitFor(t, 10*time.Second, "the WebRTC session ended", func() bool {
		n.handler.mu.Lock()
		defer n.handler.mu.Unlock()
		return len(n.handler.sessions) == 0
	})
}

func deref2(s *string) string {
	if s == nil {
		return "none"
	}
	return strconv.Quote(*s)
}
