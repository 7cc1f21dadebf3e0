package export_test

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// makeSettingsRecording writes 2 s of H.264 at 30 fps, a keyframe every
// second, as a camera whose settings changed after the first second: the
// second second comes from another encoder, with CAVLC and no 8x8
// transform (x264's baseline profile, where the first is high). It returns
// the recording's path, closed.
func makeSettingsRecording(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "settings.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if err := rec.CreateStream(storage.StreamInfo{Name: camera, Codec: media.H264, Width: testWidth, Height: testHeight}); err != nil {
		t.Fatal(err)
	}
	p := testPattern(t)
	var params [][]byte
	for part := range 2 {
		opts := []ffmpeg.EncoderOption{ffmpeg.WithGOP(gop), ffmpeg.WithFrameRate(fps)}
		if part == 1 {
			opts = append(opts, ffmpeg.WithX264Params("cabac=0:8x8dct=0"))
		}
		enc, err := ffmpeg.NewH264Encoder(testWidth, testHeight, opts...)
		if err != nil {
			t.Fatal(err)
		}
		for i := part * fps; i < (part+1)*fps; i++ {
			f := p.Frame(uint64(i))
			f.CaptureTime = frameTime(i)
			pkt, err := enc.Encode(f)
			if err != nil {
				t.Fatal(err)
			}
			if pkt.Key {
				nalus, err := h264.SplitAnnexB(pkt.Data)
				if err != nil {
					t.Fatal(err)
				}
				params = append(params, bytes.Join(nalus[:2], nil))
			}
			if err := rec.Append(camera, pkt); err != nil {
				t.Fatal(err)
			}
		}
		enc.Close()
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if len(params) != 2 || bytes.Equal(params[0], params[1]) {
		t.Fatalf("the encoders' parameter sets do not differ: %x", params)
	}
	return path
}

// ffprobeMP4 returns the sample entry (avc1 or avc3) and the number of
// frames ffmpeg decodes, failing the test on any error it prints; "" and 0
// when ffprobe is not installed.
func ffprobeMP4(t *testing.T, path string) (tag string, frames int) {
	t.Helper()
	probe := lookFFprobe()
	if probe == "" {
		return "", 0
	}
	cmd := exec.Command(probe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_tag_string,nb_read_frames", "-of", "csv=p=0", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("ffprobe %s: %v: %s", path, err, stderr.Bytes())
	}
	fields := strings.Split(strings.TrimSpace(string(out)), ",")
	if len(fields) != 2 {
		t.Fatalf("ffprobe %s says %q", path, out)
	}
	var n int
	for _, c := range fields[1] {
		n = 10*n + int(c-'0')
	}
	return fields[0], n
}

// A camera whose settings changed mid-stream sends new parameter sets at
// the same size: the MP4 holds the whole stream, in an avc3 track whose
// keyframes carry their own, and every picture decodes as its source.
func TestMP4OfAStreamWhoseParameterSetsChangeHoldsItAll(t *testing.T) {
	path := makeSettingsRecording(t)
	rec := openRecording(t, path)
	out := filepath.Join(t.TempDir(), "settings.mp4")
	res, err := export.MP4(t.Context(), rec, camera, time.Time{}, time.Time{}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 2*fps || !res.ParameterSetsChange {
		t.Errorf("result %+v, want %d frames and the parameter sets' change", res, 2*fps)
	}
	wantRun(t, readMP4(t, out), 0, 2*fps-1) // readMP4 checks each picture's PSNR
	if tag, frames := ffprobeMP4(t, out); tag != "" && (tag != "avc3" || frames != 2*fps) {
		t.Errorf("ffprobe: %s track, %d frames; want avc3 and %d", tag, frames, 2*fps)
	}

	// Within one encoder's part the track stays avc1.
	part := filepath.Join(t.TempDir(), "part.mp4")
	res, err = export.MP4(t.Context(), rec, camera, frameTime(fps), time.Time{}, part, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != fps || res.ParameterSetsChange {
		t.Errorf("second part: %+v, want %d frames and no change", res, fps)
	}
	wantRun(t, readMP4(t, part), fps, 2*fps-1)
	if tag, frames := ffprobeMP4(t, part); tag != "" && (tag != "avc1" || frames != fps) {
		t.Errorf("ffprobe: %s track, %d frames; want avc1 and %d", tag, frames, fps)
	}
}

// sizeChangeRecording is a recording made by a gopline from before the
// store refused a change of picture size within a stream: /camera holds a
// camera restarted at another size, 15 frames of 160x120 (the testsrc
// pattern, frames 0 to 14) and 15 of 320x240 (frames 15 to 29) from
// another x264 encoder, at 30 fps from t0, a keyframe at each size's first.
const sizeChangeRecording = "testdata/sizechange.gopline"

// A stream whose picture size changes is exported whole: the avc3 track's
// keyframes carry their SPS, and every picture decodes at its own size.
func TestMP4OfAStreamWhoseSizeChangesShowsEachSize(t *testing.T) {
	rec := openRecording(t, sizeChangeRecording)
	out := filepath.Join(t.TempDir(), "sizes.mp4")
	res, err := export.MP4(t.Context(), rec, camera, time.Time{}, time.Time{}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	change := t0.Add(500 * time.Millisecond)
	if res.Frames != 30 || !res.ParameterSetsChange || len(res.SizeChanges) != 1 ||
		!res.SizeChanges[0].At.Equal(change) || res.SizeChanges[0].Width != 320 || res.SizeChanges[0].Height != 240 {
		t.Fatalf("result %+v, want 30 frames and a change to 320x240 at %v", res, change)
	}
	r, err := ffmpeg.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 0; ; i++ {
		f, err := r.ReadFrame()
		if errors.Is(err, io.EOF) {
			if i != 30 {
				t.Errorf("%d pictures decode, want 30", i)
			}
			break
		}
		if err != nil {
			t.Fatalf("picture %d: %v", i, err)
		}
		w, h := 160, 120
		if i >= 15 {
			w, h = 320, 240
		}
		if n, ok := testsrc.ReadFrameNumber(f); !ok || int(n) != i || f.Width != w || f.Height != h {
			t.Errorf("picture %d: frame %d (%v), %dx%d; want frame %d at %dx%d", i, n, ok, f.Width, f.Height, i, w, h)
		}
	}
	if tag, frames := ffprobeMP4(t, out); tag != "" && (tag != "avc3" || frames != 30) {
		t.Errorf("ffprobe: %s track, %d frames; want avc3 and 30", tag, frames)
	}

	// Each size on its own, split at the change's time, is an avc1 track.
	for _, part := range []struct{ from, to time.Time }{{time.Time{}, change}, {change, time.Time{}}} {
		res, err := export.MP4(t.Context(), rec, camera, part.from, part.to, out, nil)
		if err != nil || res.Frames != 15 || res.ParameterSetsChange || len(res.SizeChanges) != 0 {
			t.Errorf("[%v, %v): %+v, %v; want 15 frames and no change", part.from, part.to, res, err)
		}
	}
}
