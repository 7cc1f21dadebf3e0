package elements

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/internal/testrtsp"
	"github.com/gopline/gopline/pipeline"
)

// collectLine runs line, whose node named last hands on frames, to its end
// into a collector, and returns the frames' summed combing, how many there
// were and the log.
func collectLine(t *testing.T, line, last string) (comb, n int, log string) {
	t.Helper()
	out := &frames{}
	var buf testlog.Buffer
	runInto(t, line, last, out.element(), pipeline.WithLogger(zerolog.New(&buf)))
	for _, f := range out.all() {
		comb += testclip.Combing(f.Planes[0], f.Strides[0], f.Width, f.Height)
		f.Release()
	}
	return comb, len(out.all()), buf.String()
}

// A clip coded in fields (an analog camera's encoder, a broadcast or
// dashcam recording) decodes into frames whose moving edges do not comb,
// by videosrc and by h264dec alike, and videosrc says once what it does;
// deinterlace=off keeps the fields woven and says so.
func TestVideoSrcDeinterlacesAStreamCodedInFields(t *testing.T) {
	path := testclip.MakeFields(t, "fields.mp4", "", 10, false)
	woven, n, log := collectLine(t, "videosrc location="+path+" deinterlace=off name=src", "src")
	if n != 10 || strings.Count(log, "deinterlace=off hands on its pictures with both fields woven") != 1 {
		t.Fatalf("deinterlace=off: %d frames, want 10, and one line saying they stay woven:\n%s", n, log)
	}
	comb, n, log := collectLine(t, "videosrc location="+path+" name=src", "src")
	if n != 10 || strings.Count(log, "deinterlacing its pictures") != 1 || !strings.Contains(log, "top field first") {
		t.Fatalf("%d frames, want 10, and one line saying they are deinterlaced, naming the field order:\n%s", n, log)
	}
	if comb*10 > woven {
		t.Fatalf("videosrc's frames comb %d, woven ones %d: want a tenth or less", comb, woven)
	}
	decoded, n, _ := collectLine(t, "videosrc location="+path+" passthrough=true ! h264dec name=dec", "dec")
	if n != 10 || decoded*10 > woven {
		t.Fatalf("h264dec: %d frames combing %d, woven ones %d: want 10 combing a tenth or less", n, decoded, woven)
	}
	decodedWoven, _, _ := collectLine(t, "videosrc location="+path+" passthrough=true ! h264dec deinterlace=off name=dec", "dec")
	if decodedWoven != woven {
		t.Fatalf("h264dec deinterlace=off: frames comb %d, videosrc's woven ones %d", decodedWoven, woven)
	}
}

// An analog camera behind a CCTV encoder, whose H.264 is coded in fields,
// read over RTSP by gopline's own client: its frames are deinterlaced as
// FFmpeg's reader's are, said once with the field order, and woven with
// deinterlace=off.
func TestRTSPCameraCodingFieldsGivesDeinterlacedFrames(t *testing.T) {
	path := testclip.MakeFields(t, "fields.h264", "", 10, false, "-bf", "0", "-g", "5")
	woven, n, _ := collectLine(t, "videosrc location="+path+" deinterlace=off name=src", "src")
	wovenEach := woven / n
	cam := testrtsp.Start(t, testrtsp.UnitsOf(t, path, 10), cameraRate)
	for _, c := range []struct {
		props string
		woven bool
	}{{"", false}, {"deinterlace=off", true}} {
		out := &frames{}
		var log testlog.Buffer
		startCollecting(t, "videosrc location="+cam.URL()+" "+c.props+" name=src", "src", out, pipeline.WithLogger(zerolog.New(&log)))
		deadline := time.Now().Add(20 * time.Second)
		for len(out.all()) < 4 {
			if time.Now().After(deadline) {
				t.Fatalf("%q: %d frames in 20 s", c.props, len(out.all()))
			}
			time.Sleep(20 * time.Millisecond)
		}
		comb := 0
		for _, f := range out.all()[:4] {
			comb += testclip.Combing(f.Planes[0], f.Strides[0], f.Width, f.Height)
		}
		if combed := comb/4*2 > wovenEach; combed != c.woven {
			t.Errorf("%q: frames comb %d each, the file's woven ones %d: combed %v, want %v", c.props, comb/4, wovenEach, combed, c.woven)
		}
		if said := strings.Count(log.String(), "deinterlacing its pictures"); said != map[bool]int{false: 1, true: 0}[c.woven] ||
			(said == 1 && !strings.Contains(log.String(), "top field first")) {
			t.Errorf("%q: said %d times that it deinterlaces, naming the field order; log:\n%s", c.props, said, log.String())
		}
	}
}

func TestVideoSrcRefusesAnUnknownDeinterlaceMode(t *testing.T) {
	for _, line := range []string{"videosrc location=x.mp4 deinterlace=yadif ! fakesink", "testsrc ! h264enc ! h264dec deinterlace=1 ! fakesink"} {
		_, err := pipeline.Parse(line, registry(t))
		if err == nil || !strings.Contains(err.Error(), "deinterlace") || !strings.Contains(err.Error(), "auto") {
			t.Errorf("%s: %v, want an error naming deinterlace and its modes", line, err)
		}
	}
	cfg := DefaultVideoSrcConfig()
	cfg.Location, cfg.Deinterlace = "x.mp4", "on"
	var perr *pipeline.PropError
	if _, err := VideoSrc(cfg).New(); !errors.As(err, &perr) || perr.Prop != "deinterlace" || !strings.Contains(err.Error(), "auto, all, off") {
		t.Errorf("a Go config's deinterlace=on: %v, want an error naming the property and its modes", err)
	}
}

// h264dec deinterlace=all on a progressive stream says that it rebuilds
// every picture, not that the stream is interlaced.
func TestH264DecDeinterlacingAllSaysSo(t *testing.T) {
	path := testclip.MakeFields(t, "frames.mp4", "", 10, true)
	_, n, log := collectLine(t, "videosrc location="+path+" passthrough=true ! h264dec deinterlace=all name=dec", "dec")
	if n != 10 || strings.Count(log, "deinterlacing every picture (deinterlace=all)") != 1 || strings.Contains(log, "the stream is interlaced") {
		t.Fatalf("%d frames, want 10, and one line saying every picture is deinterlaced:\n%s", n, log)
	}
}
