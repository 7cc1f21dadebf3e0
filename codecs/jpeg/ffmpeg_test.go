package jpeg_test

import (
	"bytes"
	"os/exec"
	"testing"

	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/media"
)

// stripes returns a w x h RGB24 frame of horizontal bands of black, white and
// saturated colours, where a colour range mistake shows most.
func stripes(t testing.TB, w, h int) *media.Frame {
	colours := [][3]byte{{0, 0, 0}, {255, 255, 255}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {128, 128, 128}}
	f := solid(t, w, h, 0, 0, 0)
	for r := range h {
		c := colours[r*len(colours)/h]
		row := f.Row(0, r)
		for x := range w {
			row[3*x], row[3*x+1], row[3*x+2] = c[0], c[1], c[2]
		}
	}
	return f
}

// TestFFmpegReadsOurJPEGs checks the encoder against an independent reader:
// ffmpeg decodes the packet and converts it to limited-range yuv420p, which
// must match the frame that was encoded, as closely as our own decoder
// matches it (above 48 dB at quality 90). On the stripes a range mistake
// (limited levels written as full range, or the reverse) moves black and
// white by 14 to 17 levels and drops luma below 30 dB.
func TestFFmpegReadsOurJPEGs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ffmpeg")
	}
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not installed")
	}
	bands := stripes(t, 320, 240)
	bandsYUV, err := bands.Convert(media.YUV420P)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		src     *media.Frame
		minPSNR float64
	}{
		{"pattern yuv420p", pattern(t, 320, 240, media.YUV420P, 42), 42},
		{"pattern rgb24", pattern(t, 320, 240, media.RGB24, 42), 42},
		{"stripes yuv420p", bandsYUV, 45},
		{"stripes rgb24", bands, 45},
	} {
		src := c.src
		p := encode(t, mustEncoder(t, jpeg.WithQuality(90)), src)
		cmd := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error",
			"-f", "image2pipe", "-c:v", "mjpeg", "-i", "-", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-")
		cmd.Stdin = bytes.NewReader(p.Data)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("ffmpeg: %v: %s", err, stderr.String())
		}
		got, err := media.FrameFromPacked(media.YUV420P, 320, 240, out)
		if err != nil {
			t.Fatal(err)
		}
		want, err := src.Convert(media.YUV420P)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if psnr, err := media.PlanePSNR(want, got, i); err != nil || psnr < c.minPSNR {
				t.Errorf("%s: ffmpeg's plane %d: PSNR %.1f dB, want >= %.0f (%v)", c.name, i, psnr, c.minPSNR, err)
			} else {
				t.Logf("%s: plane %d: %.1f dB", c.name, i, psnr)
			}
		}
	}
}
