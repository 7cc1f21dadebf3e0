package ffmpeg

import (
	"testing"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
)

// A decoded Frame says what its values mean as the stream states it, in
// video range once gopline converted a full-range picture: a BT.709
// flagged clip is BT.709, a JPEG's pictures are of JPEG's matrix (BT.601,
// bt470bg), and a stream that says nothing gives Frames that say nothing
// of their matrix.
func TestReaderFramesSayTheirColours(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want media.Colour
	}{
		{"bt709.mp4", []string{"-c:v", "libx264", "-pix_fmt", "yuv420p", "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"}, bt709},
		{"bt601.mp4", []string{"-c:v", "libx264", "-pix_fmt", "yuv420p", "-color_primaries", "smpte170m", "-color_trc", "smpte170m", "-colorspace", "smpte170m"},
			media.Colour{Primaries: media.ColourSMPTE170M, Transfer: media.ColourSMPTE170M, Matrix: media.ColourSMPTE170M, Range: media.RangeLimited}},
		{"full.mjpeg", []string{"-c:v", "mjpeg", "-pix_fmt", "yuvj420p"}, media.Colour{Matrix: media.ColourBT470BG, Range: media.RangeLimited}},
		{"full.mp4", []string{"-c:v", "libx264", "-pix_fmt", "yuv420p", "-color_range", "pc", "-colorspace", "bt709"}, media.Colour{Matrix: media.ColourBT709, Range: media.RangeLimited}},
		{"nothing.mp4", []string{"-c:v", "libx264", "-pix_fmt", "yuv420p"}, media.Colour{}},
	} {
		path := testclip.Make(t, c.name, 2, 25, c.args...)
		f, _ := firstFrame(t, path)
		if f.Colour != c.want {
			t.Errorf("%s: a frame of %v, want %v", c.name, f.Colour, c.want)
		}
		if f.Aspect.Width != f.Aspect.Height {
			t.Errorf("%s: a frame of pixels %v", c.name, f.Aspect)
		}
	}
}
