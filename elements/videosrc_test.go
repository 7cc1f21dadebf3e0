package elements

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
)

// A B-frame stream passed through and decoded gives every picture, the
// last ones too (the decoder is drained at the end of the stream), in
// presentation order with growing times.
func TestPassthroughOfBFramesDecodesEveryPicture(t *testing.T) {
	path := testclip.Make(t, "bframes.mp4", 50, 25, "-c:v", "libx264", "-bf", "3", "-g", "24", "-pix_fmt", "yuv420p")
	out := &frames{}
	p := mustParse(t, "videosrc location="+path+" passthrough=true ! h264dec name=src", map[string]*frames{"src": out})
	runToEnd(t, p)
	got := out.all()
	if want := testclip.FrameCount(t, path); len(got) != want {
		t.Fatalf("%d pictures, ffprobe decodes %d", len(got), want)
	}
	for i := 1; i < len(got); i++ {
		if !got[i].CaptureTime.After(got[i-1].CaptureTime) {
			t.Fatalf("picture %d at %v, not after %v", i, got[i].CaptureTime, got[i-1].CaptureTime)
		}
	}
}

// A raw H.264 file has no container timestamps; is-live=true paces it at
// its SPS's rate all the same. (Without B-frames: passed through, packets
// are paced by their decode times, and those of a B-frame stream begin
// before its first picture's, as in any container.)
func TestLiveRawAnnexBIsPacedAtItsRate(t *testing.T) {
	path := testclip.Make(t, "clip.h264", 10, 20, "-c:v", "libx264", "-bf", "0", "-pix_fmt", "yuv420p")
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
	path := testclip.Make(t, "mjpeg.avi", 12, 25, "-c:v", "mjpeg", "-pix_fmt", "yuvj420p")
	out := &frames{}
	p := mustParse(t, "videosrc location="+path+" passthrough=true ! jpegdec name=src", map[string]*frames{"src": out})
	runToEnd(t, p)
	if n := len(out.all()); n != 12 {
		t.Fatalf("%d pictures, want 12", n)
	}
}

// A B-frame stream recorded passed through plays back into a decoder with
// every picture, in presentation order.
func TestRecordedBFramesPlayBackEveryPicture(t *testing.T) {
	clip := testclip.Make(t, "bframes.mkv", 40, 25, "-c:v", "libx264", "-bf", "3", "-g", "20", "-pix_fmt", "yuv420p")
	path := filepath.Join(t.TempDir(), "cam.gopline")
	runToEnd(t, mustParse(t, "videosrc location="+clip+" passthrough=true ! record path="+path, nil))
	out := &frames{}
	runToEnd(t, mustParse(t, "play path="+path+" is-live=false ! h264dec name=src", map[string]*frames{"src": out}))
	got := out.all()
	if want := testclip.FrameCount(t, clip); len(got) != want {
		t.Fatalf("%d pictures played, ffprobe decodes %d", len(got), want)
	}
	for i := 1; i < len(got); i++ {
		if !got[i].CaptureTime.After(got[i-1].CaptureTime) {
			t.Fatalf("picture %d at %v, not after %v", i, got[i].CaptureTime, got[i-1].CaptureTime)
		}
	}
}

// TestVideoSrcCountsWhatItSkips reads a clip with a sound track: the audio
// packets read while probing (the demuxer leaves the rest out) show in the
// node's stats and in the log at the end.
func TestVideoSrcCountsWhatItSkips(t *testing.T) {
	path := testclip.MakeWithSound(t, "with-sound.mkv")
	var log testlog.Buffer
	p, err := pipeline.Parse("videosrc location="+path+" name=src ! fakesink", registry(t), pipeline.WithLogger(zerolog.New(&log)))
	if err != nil {
		t.Fatal(err)
	}
	runToEnd(t, p)
	if s := stat(t, p, "src"); s.Out != 25 || s.Skipped["other_streams"] == 0 || s.Errors != 0 {
		t.Fatalf("source stats %+v; want 25 frames and the audio packets counted as skipped", s)
	}
	if !strings.Contains(log.String(), " of other streams") {
		t.Fatalf("the log does not say what was skipped:\n%s", log.String())
	}
}

// TestVideoSrcCountsDamage decodes a raw H.264 stream damaged in its
// middle: strict, the pictures after the damage are left out, counted in
// the node's stats and warned of; with conceal=true more pictures come out
// and the concealed ones are counted.
func TestVideoSrcCountsDamage(t *testing.T) {
	path := testclip.Make(t, "damaged.h264", 40, 25, "-c:v", "libx264", "-g", "1000", "-pix_fmt", "yuv420p")
	testclip.Damage(t, path, 0.4, 64)
	run := func(props string) (pipeline.NodeStats, string) {
		var log testlog.Buffer
		p, err := pipeline.Parse("videosrc location="+path+" "+props+" name=src ! fakesink", registry(t), pipeline.WithLogger(zerolog.New(&log)))
		if err != nil {
			t.Fatal(err)
		}
		runToEnd(t, p)
		return stat(t, p, "src"), log.String()
	}
	strict, log := run("")
	if strict.Skipped["damaged"]+strict.Skipped["undecodable"] == 0 || strict.Out == 0 || strict.Out >= 40 {
		t.Fatalf("strict source stats %+v; want some pictures and the damage counted", strict)
	}
	if !strings.Contains(log, `"level":"warn"`) || !strings.Contains(log, "damaged input") {
		t.Fatalf("the log does not warn of the damage:\n%s", log)
	}
	soft, _ := run("conceal=true")
	if soft.Skipped["concealed"] == 0 || soft.Skipped["damaged"] != 0 || soft.Out <= strict.Out {
		t.Fatalf("concealing source stats %+v, strict gave %d pictures; want more, the concealed counted", soft, strict.Out)
	}
}

// TestEmptyRawH264FailsNamingTheFile: an input without a single frame is
// a failure of its source, not an empty stream that ended well.
func TestEmptyRawH264FailsNamingTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.h264")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := failedSource(t, path)
	if s != nil && s.Errors != 1 {
		t.Fatalf("source stats %+v; want the failure counted", s)
	}
	if !strings.Contains(err.Error(), "no video frames") || !strings.Contains(err.Error(), path) {
		t.Fatalf("an empty .h264: %v; want an error naming the file", err)
	}
}

// failedSource runs "videosrc location=LOCATION ! fakesink", which is to
// fail, and returns how: Start's error, or the log of a pipeline that
// started and ended, with its source's stats.
func failedSource(t *testing.T, location string) (*pipeline.NodeStats, error) {
	t.Helper()
	var log testlog.Buffer
	p, err := pipeline.Parse("videosrc location="+location+" name=src ! fakesink", registry(t), pipeline.WithLogger(zerolog.New(&log)))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		return nil, err
	}
	select {
	case <-p.Done():
	case <-time.After(time.Minute):
		t.Fatal("the pipeline did not end")
	}
	_ = p.Stop()
	s := stat(t, p, "src")
	return &s, errors.New(log.String())
}

// A recording, a bag or a bag's directory given to videosrc, as to
// gst-launch's filesrc, fails its source naming what it is and what reads
// it; FFmpeg would read a bag of JPEG pictures as one MJPEG stream of all
// its cameras.
func TestVideoSrcNamesARecordingOrABag(t *testing.T) {
	dir := t.TempDir()
	recording := filepath.Join(dir, "cam.gopline")
	rec, err := storage.Open(recording)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	bag := filepath.Join(dir, "robot.mcap")
	jpeg := testclip.Make(t, "one.jpg", 1, 25)
	pic, err := os.ReadFile(jpeg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bag, append([]byte("\x89MCAP0\r\n"), pic...), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		recording: "is a gopline recording (or another bbolt file), not a video: the play element reads a recording's streams (play path=" + recording + ")",
		bag:       "is an MCAP file, which gopline import reads, not a video: gopline import " + bag + " --out NAME.gopline",
		dir:       "is a bag's directory, which gopline import reads, not a video: gopline import " + dir + " --out NAME.gopline",
	} {
		s, err := failedSource(t, path)
		if s != nil && (s.Errors != 1 || s.Out != 0) {
			t.Fatalf("%s: source stats %+v; want the failure counted, nothing read", path, s)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want %q", path, err, want)
		}
	}
}

// rotatedClip returns a 160x120 H.264 MP4 clip of n frames tagged
// rotate=degrees, as `ffmpeg -c copy -metadata:s:v:0 rotate=90` tags a
// phone's clip (FFmpeg's MP4 muxer writes a display matrix).
func rotatedClip(t *testing.T, n int, degrees string) string {
	t.Helper()
	src := testclip.Make(t, "upright.mp4", n, 25, "-c:v", "libx264", "-pix_fmt", "yuv420p")
	path := filepath.Join(t.TempDir(), "rotated.mp4")
	cmd := []string{"-v", "error", "-i", src, "-c", "copy", "-metadata:s:v:0", "rotate=" + degrees, path}
	if out, err := exec.Command("ffmpeg", cmd...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", cmd, err, out)
	}
	return path
}

// A clip tagged rotate=90 decodes into upright frames, 120x160 of a
// 160x120 stream, as ffmpeg's autorotate gives them; autorotate=false
// keeps them as coded.
func TestVideoSrcTurnsPicturesUpright(t *testing.T) {
	path := rotatedClip(t, 5, "90")
	for _, c := range []struct {
		props         string
		width, height int
	}{
		{"", 120, 160},
		{"size=60x80", 60, 80},
		{"autorotate=false", 160, 120},
	} {
		out := &frames{}
		runToEnd(t, mustParse(t, "videosrc location="+path+" "+c.props+" name=src", map[string]*frames{"src": out}))
		got := out.all()
		if len(got) != 5 {
			t.Fatalf("%q: %d frames, want 5", c.props, len(got))
		}
		for _, f := range got {
			if f.Width != c.width || f.Height != c.height {
				t.Fatalf("%q: a %dx%d frame, want %dx%d", c.props, f.Width, f.Height, c.width, c.height)
			}
		}
	}
}

// What cannot be turned is warned of, naming the rotation: passed-through
// packets (and their recording), and angles other than quarter turns.
func TestVideoSrcWarnsOfRotationItCannotApply(t *testing.T) {
	for _, c := range []struct{ tag, line, want string }{
		{"90", "passthrough=true ! fakesink", "passthrough hands on the pictures as coded"},
		{"45", "! fakesink", "only quarter turns"},
	} {
		path := rotatedClip(t, 3, c.tag)
		var log testlog.Buffer
		p, err := pipeline.Parse("videosrc location="+path+" "+c.line, registry(t), pipeline.WithLogger(zerolog.New(&log)))
		if err != nil {
			t.Fatal(err)
		}
		runToEnd(t, p)
		if !strings.Contains(log.String(), `"level":"warn"`) || !strings.Contains(log.String(), c.want) ||
			!strings.Contains(log.String(), "clockwise") || strings.Count(log.String(), c.want) != 1 {
			t.Fatalf("rotate=%s, %s: want one warning saying %q and the rotation:\n%s", c.tag, c.line, c.want, log.String())
		}
	}
}

// What a source's reader left out is said when its input ends: a file's
// input, or a network stream's or camera's connection, which is opened
// again (not an end of its input).
func TestSkipReportSaysWhatEnded(t *testing.T) {
	for location, want := range map[string]string{"clip.mp4": "input ended", "rtp://127.0.0.1:5004": "connection ended", "/dev/video0": "connection ended"} {
		log := &testlog.Buffer{}
		k := newSkipReport(location)
		st := ffmpeg.ReadStats{BeforeKeyframe: 14}
		k.reported = st
		k.report(&pipeline.Env{Log: zerolog.New(log), Now: time.Now}, st, true)
		if !strings.Contains(log.String(), `"message":"`+want+`"`) {
			t.Errorf("%s: the log says %s, want %q", location, log, want)
		}
	}
}
