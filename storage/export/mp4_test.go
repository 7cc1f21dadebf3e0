package export_test

import (
	"errors"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/storage/export"
)

// readMP4 decodes an MP4 file with our reader and returns the frame number
// of each picture, checking its quality against the source.
func readMP4(t *testing.T, path string) []int {
	t.Helper()
	p := testPattern(t)
	r, err := ffmpeg.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if info := r.Info(); info.Codec != "h264" || info.Width != testWidth || info.Height != testHeight {
		t.Errorf("reader sees %+v", info)
	}
	var numbers []int
	for {
		f, err := r.ReadFrame()
		if errors.Is(err, io.EOF) {
			return numbers
		}
		if err != nil {
			t.Fatal(err)
		}
		if psnr := lumaPSNR(t, p, f); psnr < 35 {
			t.Errorf("picture %d: luma PSNR %.1f dB", len(numbers), psnr)
		}
		numbers = append(numbers, frameNumber(t, f))
	}
}

// wantRun fails the test unless numbers counts from first to last by one,
// leaving out the numbers in skip.
func wantRun(t *testing.T, numbers []int, first, last int, skip ...int) {
	t.Helper()
	var want []int
	for n := first; n <= last; n++ {
		if len(skip) == 2 && n >= skip[0] && n <= skip[1] {
			continue
		}
		want = append(want, n)
	}
	if len(numbers) != len(want) {
		t.Fatalf("%d pictures %v, want %d %v", len(numbers), numbers, len(want), want)
	}
	for i := range want {
		if numbers[i] != want[i] {
			t.Fatalf("picture %d shows frame %d, want %d (all: %v)", i, numbers[i], want[i], numbers)
		}
	}
}

func TestMP4OfTheWholeStreamPlaysEveryFrame(t *testing.T) {
	rec := openRecording(t, makeRecording(t))
	dir := t.TempDir()
	path := filepath.Join(dir, "camera.mp4")
	// Each phase, the keyframes' scan and then the writing, counts the
	// stream's packets from 1 up.
	var phases []export.Phase
	var calls, lastDone, lastTotal int
	res, err := export.MP4(t.Context(), rec, camera, time.Time{}, time.Time{}, path, func(phase export.Phase, done, total int) {
		if len(phases) == 0 || phase != phases[len(phases)-1] {
			if len(phases) > 0 && (lastDone != h264Frames || lastTotal != h264Frames) {
				t.Errorf("%v ended at %d/%d, want %d/%d", phases[len(phases)-1], lastDone, lastTotal, h264Frames, h264Frames)
			}
			phases, lastDone, calls = append(phases, phase), 0, 0
		}
		if done < lastDone || done > total {
			t.Errorf("%v: progress %d/%d after %d", phase, done, total, lastDone)
		}
		calls, lastDone, lastTotal = calls+1, done, total
	})
	if err != nil {
		t.Fatal(err)
	}
	want := export.Result{Packets: h264Frames, Frames: h264Frames, Duration: frameTime(h264Frames - 1).Sub(t0), Bytes: res.Bytes, Streams: []string{camera}}
	if !reflect.DeepEqual(res, want) || res.Bytes < 1000 {
		t.Errorf("result %+v, want %+v", res, want)
	}
	if !slices.Equal(phases, []export.Phase{export.ScanningKeyframes, export.Writing}) {
		t.Errorf("progress told of %v, want the keyframes' scan and then the writing", phases)
	}
	if calls < h264Frames || lastDone != h264Frames || lastTotal != h264Frames {
		t.Errorf("%d progress calls while writing, the last %d/%d", calls, lastDone, lastTotal)
	}
	noTempFiles(t, dir)

	if probe := lookFFprobe(); probe != "" {
		out, err := exec.Command(probe, "-v", "error", "-count_frames", "-select_streams", "v:0",
			"-show_entries", "stream=codec_name,width,height,nb_read_frames:format=duration", "-of", "csv=p=0", path).CombinedOutput()
		if err != nil {
			t.Fatalf("ffprobe: %v: %s", err, out)
		}
		lines := strings.Fields(string(out))
		if len(lines) != 2 || lines[0] != "h264,160,120,90" {
			t.Fatalf("ffprobe says %q, want h264,160,120,90 and a duration", out)
		}
		if d, err := strconv.ParseFloat(lines[1], 64); err != nil || math.Abs(d-3.0) > 0.05 {
			t.Errorf("ffprobe duration %q, want 3.0 s", lines[1])
		}
	}
	wantRun(t, readMP4(t, path), 0, h264Frames-1)
}

func TestMP4OfARangeStartsAtTheKeyframeBeforeIt(t *testing.T) {
	rec := openRecording(t, makeRecording(t))
	path := filepath.Join(t.TempDir(), "part.mp4")
	// From frame 45 (in the GOP of frame 30) to frame 75, exclusive.
	res, err := export.MP4(t.Context(), rec, camera, frameTime(45), frameTime(75), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 45 || res.Packets != 45 || res.Duration != frameTime(74).Sub(frameTime(30)) {
		t.Errorf("result %+v, want 45 frames from frame 30 to 74", res)
	}
	wantRun(t, readMP4(t, path), 30, 74)
}

func TestMP4SkipsACorruptRecordAndTheRestOfItsGOP(t *testing.T) {
	for _, c := range []struct {
		name       string
		damaged    uint64
		skip       []int
		wantFrames int
	}{
		{"delta", 40, []int{40, 59}, 70},
		{"keyframe", 30, []int{30, 59}, 60},
		{"first keyframe", 0, []int{0, 29}, 60},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := openRecording(t, makeRecording(t, c.damaged))
			dir := t.TempDir()
			path := filepath.Join(dir, "camera.mp4")
			res, err := export.MP4(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Frames != c.wantFrames || res.Skipped != h264Frames-c.wantFrames || res.Packets != h264Frames-1 {
				t.Errorf("result %+v, want %d frames and %d skipped", res, c.wantFrames, h264Frames-c.wantFrames)
			}
			numbers := readMP4(t, path)
			if c.damaged == 0 {
				wantRun(t, numbers, 30, h264Frames-1, c.skip...)
			} else {
				wantRun(t, numbers, 0, h264Frames-1, c.skip...)
			}
		})
	}
}

// wantShownFor fails the test unless the MP4's movie, track and edit list
// all last span, the track's presentation span, to the millisecond of the
// movie's clock.
func wantShownFor(t *testing.T, path string, got mp4Times, span time.Duration) {
	t.Helper()
	for _, c := range []struct {
		box string
		d   time.Duration
	}{{"mvhd", got.movie}, {"tkhd", got.track}, {"elst", got.edit}, {"mdhd", got.media}} {
		if diff := c.d - span; diff < -time.Millisecond || diff > time.Millisecond {
			t.Errorf("%s: %s gives %v, want the track's presentation span %v (all: %+v)", path, c.box, c.d, span, got)
		}
	}
}

// A stream with a gap plays for its pictures and the gap once: the decode
// step across the gap carries it, and neither the last picture's duration
// nor the movie's length counts it again.
func TestMP4OfAStreamWithAGapLastsItsPresentationSpan(t *testing.T) {
	const gap = 20 * time.Minute
	rec := openRecording(t, makeRecordingWithAGap(t, camera, fps, gap)) // a second each side of the gap
	path := filepath.Join(t.TempDir(), "gap.mp4")
	res, err := export.MP4(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := frameTime(2*fps - 1).Add(gap).Sub(t0)
	if res.Frames != 2*fps || res.Duration != last {
		t.Errorf("result %+v, want %d frames and %v", res, 2*fps, last)
	}
	got := readMP4Times(t, path)
	span := frameTime(2 * fps).Add(gap).Sub(t0) // the last picture is shown for a frame interval
	wantShownFor(t, path, got, span)
	if got.samples != span {
		t.Errorf("the samples last %v, want %v: pictures in presentation order decode as they come", got.samples, span)
	}
	wantRun(t, readMP4(t, path), 0, 2*fps-1)
}

// The same with B-frames, passed through from an MKV whose pictures jump
// 5 s after the first second: the MP4 lasts as long as ffmpeg's remux of
// the source says, and as the source's pictures span.
func TestMP4OfABFrameStreamWithAGapLastsAsItsSource(t *testing.T) {
	clip := testclip.Make(t, "gap.mkv", 60, 30, "-vf", "setpts='if(lt(N,30),N/30/TB,(N+150)/30/TB)'", "-fps_mode", "vfr",
		"-c:v", "libx264", "-g", "15", "-pix_fmt", "yuv420p")
	rec := openRecording(t, recordFile(t, clip))
	path := filepath.Join(t.TempDir(), "gap.mp4")
	if _, err := export.MP4(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil); err != nil {
		t.Fatal(err)
	}
	got := readMP4Times(t, path)
	const span = 7 * time.Second // the last picture, at 209/30 s, shown for 1/30 s
	wantShownFor(t, path, got, span)
	if got.samples < 5*time.Second || got.samples > span {
		t.Errorf("the samples last %v, want the gap once and at most %v", got.samples, span)
	}
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("the ffmpeg command is not installed")
	}
	remux := filepath.Join(t.TempDir(), "remux.mp4")
	if out, err := exec.Command(ff, "-v", "error", "-i", clip, "-c", "copy", remux).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	if want := readMP4Times(t, remux); want.movie != got.movie || want.edit != got.edit {
		t.Errorf("the export lasts %v (edit %v), ffmpeg's remux %v (edit %v)", got.movie, got.edit, want.movie, want.edit)
	}
}
