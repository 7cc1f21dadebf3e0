package elements

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// probeRecorded records the frames of source through h264enc, exports
// the recording to an MP4 and returns what ffprobe says of its video
// stream's entries.
func probeRecorded(t *testing.T, source, entries string) string {
	t.Helper()
	return probeRecordedPackets(t, source+" ! h264enc gop=5", entries)
}

// probeRecordedPackets is probeRecorded of a chain that gives packets.
func probeRecordedPackets(t *testing.T, chain, entries string) string {
	t.Helper()
	dir := t.TempDir()
	rec := filepath.Join(dir, "rec.db")
	runToEnd(t, mustParse(t, chain+" ! record path="+rec+" stream=/cam", nil))
	r, err := storage.Open(rec, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mp4 := filepath.Join(dir, "cam.mp4")
	if _, err := export.MP4(t.Context(), r, "/cam", time.Time{}, time.Time{}, mp4, nil); err != nil {
		t.Fatal(err)
	}
	return strings.Join(testclip.Probe(t, mp4, "-show_entries", "stream="+entries), ";")
}

// A PAL camera's 720x576 pictures of 64:45 pixels, kept as coded
// (square-pixels=false), are encoded into a stream that says so: its
// recording exports to an MP4 that players show 16:9, not squeezed to
// 5:4. Made square, they say 1:1, shown 16:9 all the same.
func TestH264EncKeepsThePixelAspect(t *testing.T) {
	clip := testclip.Make(t, "pal.mp4", 3, 25, "-vf", "scale=720:576,setsar=64/45", "-c:v", "libx264", "-pix_fmt", "yuv420p")
	for _, c := range []struct{ props, want string }{
		{"square-pixels=false", "720,576,64:45,16:9"},
		{"", "1024,576,1:1,16:9"},
	} {
		got := probeRecorded(t, "videosrc location="+clip+" "+c.props, "width,height,sample_aspect_ratio,display_aspect_ratio")
		if got != c.want {
			t.Errorf("%q: the MP4 is %q, want %q", c.props, got, c.want)
		}
	}
}

// A BT.709 SD clip keeps its colours through h264enc: the stream says
// BT.709, which players do not take SD pictures for. A full-range MJPEG
// camera's pictures, which gopline converts to video range, are said to
// be of video range and of JPEG's matrix. The test pattern says what it
// is, BT.601 of square pixels. Passed through, the source's SPS is kept.
func TestH264EncKeepsTheColourDescription(t *testing.T) {
	bt709 := testclip.Make(t, "bt709.mp4", 3, 25, "-vf", "scale=720:576", "-c:v", "libx264", "-pix_fmt", "yuv420p",
		"-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709")
	mjpeg := testclip.Make(t, "full.avi", 3, 25, "-c:v", "mjpeg", "-pix_fmt", "yuvj420p")
	for _, c := range []struct{ source, want string }{
		{"videosrc location=" + bt709, "tv,bt709,bt709,bt709"},
		{"videosrc location=" + mjpeg, "tv,bt470bg,unknown,unknown"},
		{"testsrc size=160x120 num-frames=3 is-live=false", "tv,smpte170m,unknown,unknown"},
	} {
		got := probeRecorded(t, c.source, "color_range,color_space,color_transfer,color_primaries")
		if got != c.want {
			t.Errorf("%s: the MP4 says %q, want %q", c.source, got, c.want)
		}
	}
	// Passed through, the stream's SPS is as it is.
	if got := probeRecordedPackets(t, "videosrc passthrough=true location="+bt709, "color_range,color_space,color_transfer,color_primaries"); got != "tv,bt709,bt709,bt709" {
		t.Errorf("passed through: the MP4 says %q, want the source's tv,bt709,bt709,bt709", got)
	}
}

// An application's frames that say their colours and the shape of their
// pixels (a camera SDK's BT.709 pictures of 4:3 pixels) are encoded into
// a stream that says so.
func TestH264EncWritesWhatAppFramesSay(t *testing.T) {
	appLeaks(t)
	src := mustAppSrc[*media.Frame](t, AppSrcConfig{})
	sink := mustAppSink[*media.Packet](t, AppSinkConfig{Overflow: OverflowBlock})
	startApp(t, []string{"appsrc", "h264enc", "appsink"}, src.Element(), H264Enc(DefaultH264EncConfig()), sink.Element())
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	pattern, err := testsrc.New(160, 120)
	if err != nil {
		t.Fatal(err)
	}
	f := pattern.Frame(0)
	f.Aspect = media.PixelAspect{Width: 4, Height: 3}
	f.Colour = media.Colour{Primaries: media.ColourBT709, Transfer: media.ColourBT709, Matrix: media.ColourBT709, Range: media.RangeLimited}
	if err := src.Push(ctx, f); err != nil {
		t.Fatal(err)
	}
	p, err := sink.Pull(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nalus, err := h264.SplitAnnexB(p.Data)
	if err != nil || len(nalus) == 0 || h264.NALUType(nalus[0][0]&0x1f) != h264.NALUTypeSPS {
		t.Fatalf("the first packet does not open with an SPS (%v)", err)
	}
	sps, err := h264.ParseSPS(nalus[0])
	if err != nil {
		t.Fatal(err)
	}
	if v := sps.VUI; v == nil || v.SARWidth != 4 || v.SARHeight != 3 || !v.ColourDescription || v.ColourPrimaries != 1 ||
		v.TransferCharacteristics != 1 || v.MatrixCoefficients != 1 || v.VideoFullRange {
		t.Errorf("the SPS's VUI is %+v, want 4:3 and BT.709 in video range", sps.VUI)
	}
	src.Close()
}
