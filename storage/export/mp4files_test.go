package export_test

import (
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// makeFiles writes the test stream's 90 frames into two files of one
// recording, frames 0 to 59 and 60 to 89 (each from a keyframe), and a
// third file that holds another stream, and returns them open.
func makeFiles(t *testing.T) (first, second, other *storage.Recording) {
	t.Helper()
	dir := t.TempDir()
	var recs []*storage.Recording
	for _, name := range []string{"cam_0.gopline", "cam_1.gopline", "other.gopline"} {
		rec, err := storage.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rec.Close() })
		stream := camera
		if name == "other.gopline" {
			stream = "/other"
		}
		if err := rec.CreateStream(storage.StreamInfo{Name: stream, Codec: media.H264, Width: testWidth, Height: testHeight}); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	enc, err := ffmpeg.NewH264Encoder(testWidth, testHeight, ffmpeg.WithGOP(gop), ffmpeg.WithFrameRate(fps))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	p := testPattern(t)
	for i := range h264Frames {
		f := p.Frame(uint64(i))
		f.CaptureTime = frameTime(i)
		pkt, err := enc.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := recs[min(i/60, 1)].Append(camera, pkt); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := recs[2].Append("/other", pkt); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, rec := range recs {
		if err := rec.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	return recs[0], recs[1], recs[2]
}

// MP4Files exports a stream over the files of one recording as one: the
// stream goes on from one file to the next, the range counts over them
// all, a file without the stream is passed over, and files out of the
// order of time are refused.
func TestMP4FilesExportsAStreamOverTheFilesOfARecording(t *testing.T) {
	first, second, other := makeFiles(t)
	out := filepath.Join(t.TempDir(), "cam.mp4")
	for _, c := range []struct {
		from       time.Time
		firstFrame int
	}{{time.Time{}, 0}, {frameTime(40), 30}, {frameTime(70), 60}} {
		recs := []*storage.Recording{first, other, second}
		res, err := export.MP4Files(t.Context(), recs, camera, c.from, time.Time{}, out, nil)
		if want := h264Frames - c.firstFrame; err != nil || res.Frames != want || res.ParameterSetsChange {
			t.Fatalf("from %v: %+v, %v; want %d frames, no change of parameter sets", c.from, res, err, want)
		}
		checkFrameNumbers(t, out, c.firstFrame, h264Frames)
	}
	_, err := export.MP4Files(t.Context(), []*storage.Recording{second, first}, camera, time.Time{}, time.Time{}, out, nil)
	if !errors.Is(err, export.ErrFilesOverlap) {
		t.Errorf("files out of order: %v, want ErrFilesOverlap", err)
	}
	_, err = export.MP4Files(t.Context(), []*storage.Recording{other}, camera, time.Time{}, time.Time{}, out, nil)
	if !errors.Is(err, storage.ErrNoStream) {
		t.Errorf("a file without the stream alone: %v, want ErrNoStream", err)
	}
}

// checkFrameNumbers checks that the MP4 at path decodes to the frames from
// to to, in order.
func checkFrameNumbers(t *testing.T, path string, from, to int) {
	t.Helper()
	r, err := ffmpeg.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := from; ; i++ {
		f, err := r.ReadFrame()
		if errors.Is(err, io.EOF) {
			if i != to {
				t.Errorf("the pictures end at frame %d, want %d", i, to)
			}
			return
		}
		if err != nil {
			t.Fatalf("picture %d: %v", i, err)
		}
		if n, ok := testsrc.ReadFrameNumber(f); !ok || int(n) != i {
			t.Fatalf("picture of frame %d (%v), want %d", n, ok, i)
		}
	}
}
