package elements

import (
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/internal/testrtsp"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// A clip of pixels that are not square (64:45, a PAL camera's 16:9)
// decodes into frames of square pixels, 228x120 of a 160x120 stream, as
// players show it, and says so; square-pixels=false keeps them as coded;
// passthrough, whose packets stay as coded, warns once, naming the aspect.
func TestVideoSrcMakesPixelsSquare(t *testing.T) {
	path := testclip.Make(t, "sar.mp4", 3, 25, "-vf", "setsar=64/45", "-c:v", "libx264", "-pix_fmt", "yuv420p")
	for _, c := range []struct {
		props         string
		width, height int
		said          string
	}{
		{"", 228, 120, "scaling its 160x120 pictures to 228x120"},
		{"size=200x100", 200, 100, ""},
		{"square-pixels=false", 160, 120, "square-pixels=false hands on"},
	} {
		out := &frames{}
		var log testlog.Buffer
		runInto(t, "videosrc location="+path+" "+c.props+" name=src", "src", out.element(), pipeline.WithLogger(zerolog.New(&log)))
		got := out.all()
		if len(got) != 3 {
			t.Fatalf("%q: %d frames, want 3", c.props, len(got))
		}
		for _, f := range got {
			if f.Width != c.width || f.Height != c.height {
				t.Fatalf("%q: a %dx%d frame, want %dx%d", c.props, f.Width, f.Height, c.width, c.height)
			}
		}
		if c.said != "" && (!strings.Contains(log.String(), c.said) || !strings.Contains(log.String(), "64:45")) {
			t.Errorf("%q: the log does not say %q and the aspect:\n%s", c.props, c.said, log.String())
		}
	}
	var log testlog.Buffer
	p, err := pipeline.Parse("videosrc location="+path+" passthrough=true ! fakesink", registry(t), pipeline.WithLogger(zerolog.New(&log)))
	if err != nil {
		t.Fatal(err)
	}
	runToEnd(t, p)
	if want := "passthrough hands on its 160x120 pictures as coded"; strings.Count(log.String(), want) != 1 ||
		!strings.Contains(log.String(), `"level":"warn"`) || !strings.Contains(log.String(), "64:45") {
		t.Errorf("passthrough: want one warning saying %q and the aspect:\n%s", want, log.String())
	}
}

// A phone's HDR clip (HEVC in HLG) decodes, and is warned of once: its
// pictures are not tone-mapped, and the warning says how to do it first.
func TestVideoSrcWarnsOfHDRItDoesNotToneMap(t *testing.T) {
	path := testclip.Make(t, "hlg.mov", 3, 25, "-vf", "format=yuv420p10le", "-c:v", "libx265",
		"-x265-params", "log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc",
		"-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc")
	var log testlog.Buffer
	p, err := pipeline.Parse("videosrc location="+path+" ! fakesink", registry(t), pipeline.WithLogger(zerolog.New(&log)))
	if err != nil {
		t.Fatal(err)
	}
	runToEnd(t, p)
	if want := "the stream is HDR (HLG)"; strings.Count(log.String(), want) != 1 || !strings.Contains(log.String(), `"level":"warn"`) ||
		!strings.Contains(log.String(), "tonemap=") {
		t.Errorf("want one warning saying %q and how to tone-map:\n%s", want, log.String())
	}
}

// A D1 camera over RTSP (704x576 at 12:11, a CCTV encoder's), read by
// gopline's own RTSP client, gives square pixels as FFmpeg's reader does:
// 768x576, and its coded size with square-pixels=false, its frames saying
// the aspect of their pixels for h264enc to write. It gave the coded size
// alone.
func TestRTSPCameraOfPixelsNotSquareGivesSquarePixels(t *testing.T) {
	units := testrtsp.ClipOf(t, "d1.h264", 10, cameraRate, "-vf", "scale=704:576,setsar=12/11", "-c:v", "libx264", "-bf", "0",
		"-g", "5", "-pix_fmt", "yuv420p")
	cam := testrtsp.Start(t, units, cameraRate)
	for _, c := range []struct {
		props         string
		width, height int
		aspect        media.PixelAspect
	}{{"", 768, 576, media.PixelAspect{Width: 1, Height: 1}}, {"square-pixels=false", 704, 576, media.PixelAspect{Width: 12, Height: 11}}} {
		out := &frames{}
		startCollecting(t, "videosrc location="+cam.URL()+" "+c.props+" name=src", "src", out)
		deadline := time.Now().Add(20 * time.Second)
		for len(out.all()) < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("%q: %d frames in 20 s", c.props, len(out.all()))
			}
			time.Sleep(20 * time.Millisecond)
		}
		if f := out.all()[0]; f.Width != c.width || f.Height != c.height || f.Aspect != c.aspect {
			t.Errorf("%q: a %dx%d frame of pixels %v, want %dx%d of %v", c.props, f.Width, f.Height, f.Aspect, c.width, c.height, c.aspect)
		}
	}
}
