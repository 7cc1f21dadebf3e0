package testsrc_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
)

// ffmpegH264RoundTrip encodes frames with ffmpeg's libx264 at the given CRF
// and decodes them back, returning the encoded size and the decoded frames.
// It skips the test when ffmpeg or libx264 is not installed.
func ffmpegH264RoundTrip(t *testing.T, frames []*media.Frame, crf int) (int, []*media.Frame) {
	t.Helper()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not installed")
	}
	w, h := frames[0].Width, frames[0].Height
	var raw []byte
	for _, f := range frames {
		raw = f.AppendPacked(raw)
	}
	enc := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error",
		"-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", fmt.Sprintf("%dx%d", w, h), "-r", "30", "-i", "-",
		"-c:v", "libx264", "-crf", fmt.Sprint(crf), "-bf", "0", "-f", "h264", "-")
	enc.Stdin = bytes.NewReader(raw)
	var stderr bytes.Buffer
	enc.Stderr = &stderr
	h264, err := enc.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "libx264") {
			t.Skipf("ffmpeg has no libx264: %s", stderr.String())
		}
		t.Fatalf("ffmpeg encode: %v: %s", err, stderr.String())
	}
	dec := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error",
		"-f", "h264", "-i", "-", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-")
	dec.Stdin = bytes.NewReader(h264)
	stderr.Reset()
	dec.Stderr = &stderr
	out, err := dec.Output()
	if err != nil {
		t.Fatalf("ffmpeg decode: %v: %s", err, stderr.String())
	}
	size := media.YUV420P.PictureSize(w, h)
	if len(out) != size*len(frames) {
		t.Fatalf("ffmpeg decoded %d bytes, want %d frames of %d", len(out), len(frames), size)
	}
	decoded := make([]*media.Frame, len(frames))
	for i := range decoded {
		if decoded[i], err = media.FrameFromPacked(media.YUV420P, w, h, out[i*size:(i+1)*size]); err != nil {
			t.Fatal(err)
		}
	}
	return len(h264), decoded
}

// TestPatternSurvivesH264 checks the pattern against what it is for: at
// libx264's default CRF 23 it must come back with a luma PSNR of at least
// 35 dB, at a modest bit rate, and with every frame number readable.
func TestPatternSurvivesH264(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ffmpeg")
	}
	for _, size := range [][2]int{{160, 120}, {320, 240}, {640, 480}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			p, err := testsrc.New(size[0], size[1])
			if err != nil {
				t.Fatal(err)
			}
			frames := make([]*media.Frame, 60)
			for i := range frames {
				frames[i] = p.Frame(uint64(1000 + i))
			}
			bytes, decoded := ffmpegH264RoundTrip(t, frames, 23)
			var sum float64
			for i, d := range decoded {
				psnr, err := media.LumaPSNR(frames[i], d)
				if err != nil {
					t.Fatal(err)
				}
				sum += media.CapPSNR(psnr)
				if n, ok := testsrc.ReadFrameNumber(d); !ok || n != frames[i].Seq {
					t.Errorf("decoded frame %d reads as %d, %v", frames[i].Seq, n, ok)
				}
			}
			mean := sum / float64(len(decoded))
			kbps := float64(bytes) * 8 / (float64(len(frames)) / 30) / 1000
			t.Logf("CRF 23: %d bytes for %d frames (%.0f kbit/s at 30 fps), mean luma PSNR %.1f dB", bytes, len(frames), kbps, mean)
			if mean < 35 {
				t.Errorf("mean luma PSNR %.1f dB, want >= 35", mean)
			}
		})
	}
}
