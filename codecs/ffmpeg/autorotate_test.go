package ffmpeg

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
)

// taggedClip returns a copy of a 160x120 H.264 MP4 clip whose stream is
// tagged rotate=degrees, as `ffmpeg -c copy -metadata:s:v:0 rotate=90`
// tags a phone's clip: FFmpeg's MP4 muxer writes it as a display matrix.
func taggedClip(t *testing.T, degrees string) string {
	t.Helper()
	src := testclip.Make(t, "upright.mp4", 5, 25, "-c:v", "libx264", "-pix_fmt", "yuv420p")
	path := filepath.Join(t.TempDir(), "rotate"+degrees+".mp4")
	ffmpegCLI(t, "-v", "error", "-i", src, "-c", "copy", "-metadata:s:v:0", "rotate="+degrees, path)
	return path
}

// ffmpegCLI runs the ffmpeg command with args and returns its standard
// output; the test skips when ffmpeg is not installed.
func ffmpegCLI(t *testing.T, args ...string) []byte {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("the ffmpeg command is not installed (make deps installs it)")
	}
	out, err := exec.Command(ff, args...).Output()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v", args, err)
	}
	return out
}

// firstFrame reads the first decoded Frame of path.
func firstFrame(t *testing.T, path string, opts ...ReaderOption) (*media.Frame, StreamInfo) {
	t.Helper()
	r := mustReader(t, path, opts...)
	f, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	return f.Clone(), r.Info()
}

// A clip tagged to be shown turned decodes into turned Frames, pixel for
// pixel the picture of ffmpeg's own autorotated decode; without
// autorotation, or for angles that are no quarter turn, pictures stay as
// ffmpeg -noautorotate decodes them.
func TestReaderTurnsPicturesAsFFmpegAutorotates(t *testing.T) {
	cases := []struct {
		tag           string
		degrees       float64
		width, height int
		turned        bool
	}{
		{"90", 270, 120, 160, true},
		{"180", 180, 160, 120, true},
		{"270", 90, 120, 160, true},
		{"45", 315, 160, 120, false},
	}
	for _, c := range cases {
		t.Run("rotate="+c.tag, func(t *testing.T) {
			path := taggedClip(t, c.tag)
			f, info := firstFrame(t, path)
			if info.Rotation != (DisplayRotation{Degrees: c.degrees}) || info.Width != 160 || info.Height != 120 {
				t.Fatalf("info %+v; want 160x120 as coded, turned %v°", info, c.degrees)
			}
			if f.Width != c.width || f.Height != c.height {
				t.Fatalf("a %dx%d frame, want %dx%d", f.Width, f.Height, c.width, c.height)
			}
			args := []string{"-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"}
			if !c.turned {
				args = append([]string{"-noautorotate"}, args...)
			}
			samePicture(t, f, ffmpegCLI(t, args...))

			asCoded, _ := firstFrame(t, path, WithoutAutorotation())
			if asCoded.Width != 160 || asCoded.Height != 120 {
				t.Fatalf("without autorotation: a %dx%d frame, want 160x120", asCoded.Width, asCoded.Height)
			}
			samePicture(t, asCoded, ffmpegCLI(t, append([]string{"-noautorotate"}, args...)...))
		})
	}
}

// samePicture fails unless f is the YUV420P picture want (packed, as
// ffmpeg's rawvideo output).
func samePicture(t *testing.T, f *media.Frame, want []byte) {
	t.Helper()
	ref, err := media.FrameFromPacked(media.YUV420P, f.Width, f.Height, want)
	if err != nil {
		t.Fatalf("ffmpeg's picture: %v", err)
	}
	for i := range media.YUV420P.NumPlanes() {
		psnr, err := media.PlanePSNR(f, ref, i)
		if err != nil {
			t.Fatal(err)
		}
		if psnr < media.MaxPSNR {
			t.Errorf("plane %d: PSNR %.1f dB against ffmpeg's decode, want the same pixels", i, psnr)
		}
	}
}

// WithSize is the size after the turn: the picture is scaled to the
// turned size first, then turned.
func TestReaderSizeIsTheTurnedSize(t *testing.T) {
	path := taggedClip(t, "90")
	f, _ := firstFrame(t, path, WithSize(60, 80))
	if f.Width != 60 || f.Height != 80 {
		t.Fatalf("a %dx%d frame, want 60x80", f.Width, f.Height)
	}
	want := ffmpegCLI(t, "-v", "error", "-i", path, "-frames:v", "1", "-vf", "scale=60:80:flags=bilinear",
		"-f", "rawvideo", "-pix_fmt", "yuv420p", "-")
	ref, err := media.FrameFromPacked(media.YUV420P, 60, 80, want)
	if err != nil {
		t.Fatal(err)
	}
	if psnr := lumaPSNR(t, f, ref); psnr < 30 {
		t.Fatalf("luma PSNR %.1f dB against ffmpeg's turned and scaled picture", psnr)
	}
}
