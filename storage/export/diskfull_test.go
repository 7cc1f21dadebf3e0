package export_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/smallfs"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// TestARecordingThatFilledTheDiskExportsCleanly records a camera on a small
// file system until it is full, goes on through the failure, frees space
// and records again: the file then exports to an MP4 that holds every
// committed picture, without the ones the full disk dropped.
func TestARecordingThatFilledTheDiskExportsCleanly(t *testing.T) {
	dir := smallfs.Dir(t, "2m")
	if dir == "" {
		return // the child ran the test
	}
	ballast := filepath.Join(dir, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 1600<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cam.gopline")
	now := t0
	rec, err := storage.Open(path, storage.WithClock(func() time.Time { return now }), storage.WithBatch(5, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if err := rec.CreateStream(storage.StreamInfo{Name: camera, Codec: media.H264, Width: testWidth, Height: testHeight}); err != nil {
		t.Fatal(err)
	}
	p := testPattern(t)
	enc, err := ffmpeg.NewH264Encoder(testWidth, testHeight, ffmpeg.WithGOP(gop), ffmpeg.WithFrameRate(fps))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	// Frame i is recorded at its capture time. The disk may fill, free a
	// little as bbolt reuses pages, and fill again: the frames it took are
	// those Append accepted.
	var taken []int
	failures, freedAt := 0, -1
	for i := 0; i < 5000 && (freedAt < 0 || i < freedAt+3*gop); i++ {
		f := p.Frame(uint64(i))
		f.CaptureTime = frameTime(i)
		now = f.CaptureTime
		pkt, err := enc.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		err = rec.Append(camera, pkt)
		var werr *storage.WriteError
		switch {
		case err == nil:
			taken = append(taken, i)
		case !errors.As(err, &werr) || !errors.Is(err, storage.ErrDiskFull):
			t.Fatalf("frame %d: %v, want a WriteError of ErrDiskFull", i, err)
		case werr.First:
			failures++
			taken = taken[:len(taken)-(werr.Dropped-1)] // the batch's earlier frames
		}
		if failures > 0 && freedAt < 0 && err != nil && rec.Lost() > 2*gop {
			if err := os.Remove(ballast); err != nil { // space returns
				t.Fatal(err)
			}
			freedAt = i
		}
	}
	if freedAt < 0 || taken[len(taken)-1] < freedAt+2*gop {
		t.Fatalf("the disk never filled (%d failures), or recording never resumed: took %v", failures, taken)
	}
	if lost := taken[len(taken)-1] + 1 - len(taken); int64(lost) != rec.Lost() {
		t.Errorf("Lost says %d, the frames not taken are %d", rec.Lost(), lost)
	}
	resumed := taken[slices.IndexFunc(taken, func(i int) bool { return i > freedAt })]
	t.Logf("%d failures, %d frames lost; space returned at frame %d, recording resumed at frame %d", failures, rec.Lost(), freedAt, resumed)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "cam.mp4")
	res, err := export.MP4(t.Context(), openRecording(t, path), camera, time.Time{}, time.Time{}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped != 0 {
		t.Errorf("export skipped %d packets of a file that a full disk interrupted", res.Skipped)
	}
	if got := readMP4(t, out); !slices.Equal(got, taken) {
		t.Fatalf("the MP4 holds frames %v, want those recorded: %v", got, taken)
	}
}
