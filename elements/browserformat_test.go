package elements

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// A passed-through stream that browsers do not decode is warned of once,
// naming its profile, chroma format and bit depth and what to do, and is
// recorded all the same; a High 4:2:0 8-bit stream is not warned of.
func TestPassthroughWarnsOfStreamsBrowsersDoNotDecode(t *testing.T) {
	for _, c := range []struct {
		name, pixFmt, want string
	}{
		{"444.h264", "yuv444p", "High 4:4:4 Predictive, 4:4:4, 8 bit"},
		{"422.h264", "yuv422p", "High 4:2:2, 4:2:2, 8 bit"},
		{"high10.h264", "yuv420p10le", "High 10, 4:2:0, 10 bit"},
		{"high.h264", "yuv420p", ""},
	} {
		t.Run(c.pixFmt, func(t *testing.T) {
			// Three GOPs: three keyframes with an SPS each, one warning.
			path := testclip.Make(t, c.name, 30, 30, "-c:v", "libx264", "-pix_fmt", c.pixFmt, "-bf", "0", "-g", "10")
			rec := filepath.Join(t.TempDir(), "rec.gopl")
			var log testlog.Buffer
			p, err := pipeline.Parse("videosrc location="+path+" passthrough=true ! record path="+rec+" stream=/cam",
				registry(t), pipeline.WithLogger(zerolog.New(&log)))
			if err != nil {
				t.Fatal(err)
			}
			runToEnd(t, p)
			if got := len(recorded(t, rec, "/cam")); got != 30 {
				t.Errorf("%d packets recorded, want 30", got)
			}
			const advice = "browsers and Foxglove do not decode it"
			if c.want == "" {
				if strings.Contains(log.String(), advice) {
					t.Fatalf("a High 4:2:0 8-bit stream was warned of:\n%s", log.String())
				}
				return
			}
			line := "the stream is " + c.want + ": " + advice
			if strings.Count(log.String(), advice) != 1 || !strings.Contains(log.String(), line) ||
				!strings.Contains(log.String(), `"level":"warn"`) || !strings.Contains(log.String(), "! h264enc") {
				t.Fatalf("want one warning saying %q and what to do:\n%s", line, log.String())
			}
		})
	}
}

// The check names a format once, again only when it changes to another
// that browsers do not decode, and looks only at keyframes' SPS.
func TestBrowserFormatNamesEachFormatOnce(t *testing.T) {
	keyframe := func(path string) *media.Packet {
		t.Helper()
		for _, p := range passthroughPackets(t, path) {
			if p.Key {
				return p
			}
		}
		t.Fatalf("no keyframe in %s", path)
		return nil
	}
	high444 := keyframe(testclip.Make(t, "444.h264", 1, 30, "-c:v", "libx264", "-pix_fmt", "yuv444p"))
	high422 := keyframe(testclip.Make(t, "422.h264", 1, 30, "-c:v", "libx264", "-pix_fmt", "yuv422p"))
	high := keyframe(testclip.Make(t, "420.h264", 1, 30, "-c:v", "libx264", "-pix_fmt", "yuv420p"))
	notKey := *high444
	notKey.Key = false

	var b browserFormat
	for i, step := range []struct {
		p    *media.Packet
		want string
	}{
		{high, ""},
		{&notKey, ""},
		{high444, "High 4:4:4 Predictive"},
		{high444, ""},
		{high422, "High 4:2:2"},
		{high, ""},
		{high422, ""},
	} {
		format, warn := b.check(step.p)
		if warn != (step.want != "") || (warn && format.ProfileName() != step.want) {
			t.Errorf("step %d: check = %q, %v; want %q", i, format.ProfileName(), warn, step.want)
		}
	}
}

// passthroughPackets returns the H.264 packets of the file at path, as
// videosrc passthrough=true hands them on.
func passthroughPackets(t *testing.T, path string) []*media.Packet {
	t.Helper()
	r, err := ffmpeg.OpenReader(path, ffmpeg.WithPassthrough())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []*media.Packet
	for {
		p, err := r.ReadPacket()
		if err != nil {
			return out
		}
		out = append(out, p)
	}
}
