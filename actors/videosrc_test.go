package actors

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ffmpegClip makes a clip of n frames of FFmpeg's test pattern at rate
// frames/s with the ffmpeg command; args are the output options.
func ffmpegClip(t *testing.T, name string, n, rate int, args ...string) string {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("the ffmpeg command is not installed (make deps installs it)")
	}
	path := filepath.Join(t.TempDir(), name)
	cmd := append([]string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=" + strconv.Itoa(rate),
		"-frames:v", strconv.Itoa(n)}, args...)
	if out, err := exec.Command(ff, append(cmd, path)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", cmd, err, out)
	}
	return path
}

// probeFrameCount returns how many pictures ffprobe decodes from path.
func probeFrameCount(t *testing.T, path string) int {
	t.Helper()
	probe, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Skip("the ffprobe command is not installed (make deps installs it)")
	}
	out, err := exec.Command(probe, "-v", "error", "-select_streams", "v:0", "-count_frames",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.Trim(strings.TrimSpace(string(out)), ","))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A B-frame stream passed through and decoded gives every picture, the
// last ones too (the decoder is drained at the end of the stream), in
// presentation order with growing times.
func TestPassthroughOfBFramesDecodesEveryPicture(t *testing.T) {
	path := ffmpegClip(t, "bframes.mp4", 50, 25, "-c:v", "libx264", "-bf", "3", "-g", "24", "-pix_fmt", "yuv420p")
	out := &frames{}
	p := mustParse(t, "videosrc location="+path+" passthrough=true ! h264dec name=src", map[string]*frames{"src": out})
	runToEnd(t, p)
	got := out.all()
	if want := probeFrameCount(t, path); len(got) != want {
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
	path := ffmpegClip(t, "clip.h264", 10, 20, "-c:v", "libx264", "-pix_fmt", "yuv420p")
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
	path := ffmpegClip(t, "mjpeg.avi", 12, 25, "-c:v", "mjpeg", "-pix_fmt", "yuvj420p")
	out := &frames{}
	p := mustParse(t, "videosrc location="+path+" passthrough=true ! jpegdec name=src", map[string]*frames{"src": out})
	runToEnd(t, p)
	if n := len(out.all()); n != 12 {
		t.Fatalf("%d pictures, want 12", n)
	}
}
