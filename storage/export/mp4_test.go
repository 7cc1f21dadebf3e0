package export_test

import (
	"errors"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
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
	var calls, lastDone, lastTotal int
	res, err := export.MP4(t.Context(), rec, camera, time.Time{}, time.Time{}, path, func(done, total int) {
		if done < lastDone || done > total {
			t.Errorf("progress %d/%d after %d", done, total, lastDone)
		}
		calls, lastDone, lastTotal = calls+1, done, total
	})
	if err != nil {
		t.Fatal(err)
	}
	want := export.Result{Packets: h264Frames, Frames: h264Frames, Duration: frameTime(h264Frames - 1).Sub(t0), Bytes: res.Bytes}
	if res != want || res.Bytes < 1000 {
		t.Errorf("result %+v, want %+v", res, want)
	}
	if calls < h264Frames || lastDone != h264Frames || lastTotal != h264Frames {
		t.Errorf("%d progress calls, the last %d/%d", calls, lastDone, lastTotal)
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
