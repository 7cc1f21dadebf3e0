package elements

import (
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/pipeline"
)

func TestRateIgnoredSaysTheStreamsRateAndHowToChangeIt(t *testing.T) {
	for _, c := range []struct {
		given, stream float64
		camera        bool
		want          string
	}{
		{25, 30, false, ""},    // the default: not given
		{10, 10, false, ""},    // the rate used (a raw H.264 file's)
		{30, 29.97, false, ""}, // within 1%
		{10, 0, false, ""},     // the stream's unknown
		{10, 30, false, "rate=10 is not this stream's rate: it has its own, 30 frames/s, which videosrc keeps"},
		{10, 30, false, "is-live=true plays a file at its own rate"},
		{15, 30, true, "a camera's rate is set with options=framerate=15"},
	} {
		got := rateIgnored(c.given, c.stream, c.camera)
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("rateIgnored(%g, %g, %v) = %q, want %q", c.given, c.stream, c.camera, got, c.want)
		}
	}
}

// A file with a rate of its own keeps it, and a rate= given for it is
// warned of, naming the file's; a raw H.264 file without one takes it.
func TestVideoSrcWarnsOfARateItDoesNotUse(t *testing.T) {
	mp4 := testclip.Make(t, "clip.mp4", 5, 20, "-c:v", "libx264", "-pix_fmt", "yuv420p")
	raw := testclip.MakeRawWithoutVUI(t, "novui.h264", 5, 20)
	for _, c := range []struct {
		line string
		warn bool
	}{
		{"videosrc location=" + mp4 + " rate=10 ! fakesink", true},
		{"videosrc location=" + mp4 + " ! fakesink", false},
		{"videosrc location=" + raw + " rate=10 ! fakesink", false},
	} {
		var log testlog.Buffer
		p, err := pipeline.Parse(c.line, registry(t), pipeline.WithLogger(zerolog.New(&log)))
		if err != nil {
			t.Fatal(err)
		}
		runToEnd(t, p)
		warned := strings.Contains(log.String(), "rate=10 is not this stream's rate: it has its own, 20 frames/s")
		if warned != c.warn {
			t.Errorf("%s: warned %v, want %v:\n%s", c.line, warned, c.warn, log.String())
		}
	}
}

// An RTSP camera read by gopline's client keeps the times it sends: a
// rate= given for it is warned of, as it is of a file with a rate of its
// own; without one nothing is said.
func TestAnRTSPCameraWarnsOfARateItDoesNotUse(t *testing.T) {
	cam := rtspCamera(t)
	for _, c := range []struct {
		props string
		warn  bool
	}{{"rate=10 name=cam", true}, {"name=cam", false}} {
		seen, log := &packets{}, &testlog.Buffer{}
		p := startLogged(t, rtspSource(cam.URL(), c.props), "cam", seen, log)
		awaitLong(t, "a picture", func() bool { return len(seen.epochs()) > 0 })
		_ = p.Stop()
		if warned := strings.Contains(log.String(), "rate=10 is not used for a camera's RTP stream"); warned != c.warn {
			t.Errorf("%q: warned %v, want %v:\n%s", c.props, warned, c.warn, log.String())
		}
	}
}
