package elements

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
)

// A B-frame stream passed through and decoded gives every picture, the
// last ones too (the decoder is drained at the end of the stream), in
// presentation order with growing times.
func TestPassthroughOfBFramesDecodesEveryPicture(t *testing.T) {
	path := testclip.Make(t, "bframes.mp4", 50, 25, "-c:v", "libx264", "-bf", "3", "-g", "24", "-pix_fmt", "yuv420p")
	out := &frames{}
	p := mustParse(t, "videosrc location="+path+" passthrough=true ! h264dec name=src", map[string]*frames{"src": out})
	runToEnd(t, p)
	got := out.all()
	if want := testclip.FrameCount(t, path); len(got) != want {
		t.Fatalf("%d pictures, ffprobe decodes %d", len(got), want)
	}
	for i := 1; i < len(got); i++ {
		if !got[i].CaptureTime.After(got[i-1].CaptureTime) {
			t.Fatalf("picture %d at %v, not after %v", i, got[i].CaptureTime, got[i-1].CaptureTime)
		}
	}
}

// A raw H.264 file has no container timestamps; is-live=true paces it at
// its SPS's rate all the same.
func TestLiveRawAnnexBIsPacedAtItsRate(t *testing.T) {
	path := testclip.Make(t, "clip.h264", 10, 20, "-c:v", "libx264", "-pix_fmt", "yuv420p")
	for _, passthrough := range []string{"false", "true"} {
		out := &frames{}
		line := "videosrc location=" + path + " is-live=true rate=1000 passthrough=" + passthrough
		if passthrough == "true" {
			line += " ! h264dec"
		}
		p := mustParse(t, line+" name=src", map[string]*frames{"src": out})
		began := time.Now()
		runToEnd(t, p)
		if took := time.Since(began); took < 9*time.Second/20 {
			t.Fatalf("passthrough=%s: 10 frames at 20 frames/s took %v", passthrough, took)
		}
		if n := len(out.all()); n != 10 {
			t.Fatalf("passthrough=%s: %d frames, want 10", passthrough, n)
		}
	}
}

// An MJPEG file (a USB camera's high-resolution mode) passes through as
// JPEG packets, which jpegdec decodes.
func TestPassthroughOfMJPEGFeedsJPEGDec(t *testing.T) {
	path := testclip.Make(t, "mjpeg.avi", 12, 25, "-c:v", "mjpeg", "-pix_fmt", "yuvj420p")
	out := &frames{}
	p := mustParse(t, "videosrc location="+path+" passthrough=true ! jpegdec name=src", map[string]*frames{"src": out})
	runToEnd(t, p)
	if n := len(out.all()); n != 12 {
		t.Fatalf("%d pictures, want 12", n)
	}
}

// A B-frame stream recorded passed through plays back into a decoder with
// every picture, in presentation order.
func TestRecordedBFramesPlayBackEveryPicture(t *testing.T) {
	clip := testclip.Make(t, "bframes.mkv", 40, 25, "-c:v", "libx264", "-bf", "3", "-g", "20", "-pix_fmt", "yuv420p")
	path := filepath.Join(t.TempDir(), "cam.gopline")
	runToEnd(t, mustParse(t, "videosrc location="+clip+" passthrough=true ! record path="+path, nil))
	out := &frames{}
	runToEnd(t, mustParse(t, "play path="+path+" is-live=false ! h264dec name=src", map[string]*frames{"src": out}))
	got := out.all()
	if want := testclip.FrameCount(t, clip); len(got) != want {
		t.Fatalf("%d pictures played, ffprobe decodes %d", len(got), want)
	}
	for i := 1; i < len(got); i++ {
		if !got[i].CaptureTime.After(got[i-1].CaptureTime) {
			t.Fatalf("picture %d at %v, not after %v", i, got[i].CaptureTime, got[i-1].CaptureTime)
		}
	}
}
