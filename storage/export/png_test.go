package export_test

import (
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage/export"
)

// decodePNG reads the PNG file at path.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// readPNG reads a picture back as a YUV420P Frame.
func readPNG(t *testing.T, path string) *media.Frame {
	t.Helper()
	frame, err := media.FrameFromImage(decodePNG(t, path), media.YUV420P)
	if err != nil {
		t.Fatal(err)
	}
	return frame
}

// TestPNGShowsThePictureCapturedAtOrBeforeEachTime seeks to instants in
// every GOP, forwards and backwards, on and between frames, and checks that
// each picture is the source frame a straight decode shows at that instant.
func TestPNGShowsThePictureCapturedAtOrBeforeEachTime(t *testing.T) {
	rec := openRecording(t, makeRecording(t))
	p := testPattern(t)
	between := 10 * time.Millisecond // less than a frame interval
	cases := []struct {
		at    time.Time
		frame int
		name  string
	}{
		{frameTime(0), 0, "camera-000000.000s.png"},
		{frameTime(17).Add(between), 17, "camera-000000.576s.png"},
		{frameTime(45), 45, "camera-000001.500s.png"},
		{frameTime(46), 46, "camera-000001.533s.png"}, // on from frame 45
		{frameTime(44), 44, "camera-000001.466s.png"}, // back to the keyframe
		{frameTime(60), 60, "camera-000002.000s.png"},
		{frameTime(89), 89, "camera-000002.966s.png"},
		{frameTime(60).Add(-time.Nanosecond), 59, "camera-000001.999s.png"},
	}
	var times []time.Time
	for _, c := range cases {
		times = append(times, c.at)
	}
	dir := filepath.Join(t.TempDir(), "pictures")
	paths, err := export.PNG(t.Context(), rec, camera, times, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != len(cases) {
		t.Fatalf("%d paths for %d times", len(paths), len(cases))
	}
	for i, c := range cases {
		if paths[i] != filepath.Join(dir, c.name) {
			t.Errorf("time %d: %s, want %s", i, paths[i], c.name)
		}
		f := readPNG(t, paths[i])
		if n := frameNumber(t, f); n != c.frame {
			t.Errorf("%s shows frame %d, want %d", c.name, n, c.frame)
		}
		if psnr := lumaPSNR(t, p, f); psnr < 35 {
			t.Errorf("%s: luma PSNR %.1f dB", c.name, psnr)
		}
	}
	noTempFiles(t, dir)
}

func TestPNGOfAJPEGStream(t *testing.T) {
	rec := openRecording(t, makeRecording(t))
	paths, err := export.PNG(t.Context(), rec, jpegStream, []time.Time{frameTime(29), frameTime(3).Add(time.Millisecond)}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{29, 3} {
		if n := frameNumber(t, readPNG(t, paths[i])); n != want {
			t.Errorf("%s shows frame %d, want %d", paths[i], n, want)
		}
	}
	if filepath.Base(paths[0]) != "jpeg-000000.966s.png" {
		t.Errorf("name %s", paths[0])
	}
}

func TestPNGAfterACorruptRecord(t *testing.T) {
	rec := openRecording(t, makeRecording(t, 40))
	dir := t.TempDir()
	// Before the damage, and after the next keyframe, pictures decode.
	paths, err := export.PNG(t.Context(), rec, camera, []time.Time{frameTime(39), frameTime(61)}, dir)
	if err != nil || len(paths) != 2 {
		t.Fatalf("%v, %v", paths, err)
	}
	// In between they do not, whether the decoder comes from frame 39 or
	// from the keyframe at 30; the times that decode are written all the
	// same, and the error names each time left out, from the start.
	for _, times := range [][]time.Time{{frameTime(39), frameTime(45)}, {frameTime(50)}, {frameTime(45), frameTime(61)}} {
		paths, err = export.PNG(t.Context(), rec, camera, times, dir)
		if !errors.Is(err, export.ErrNoPicture) || len(paths) != len(times)-1 {
			t.Errorf("%v: %v, %v; want ErrNoPicture", times, paths, err)
		}
	}
	_, err = export.PNG(t.Context(), rec, camera, []time.Time{frameTime(45), frameTime(50)}, dir)
	// Frame 50 is 1.6666...s in: named to the millisecond, as its file.
	for _, want := range []string{"at 1.5s from its start", "at 1.666s from its start"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %q", err, want)
		}
	}
	noTempFiles(t, dir)
}

// PNGFile writes the one picture at the path it is given, and nothing when
// the time is outside the stream or the directory is missing.
func TestPNGFileWritesOnePictureAtItsPath(t *testing.T) {
	rec := openRecording(t, makeRecording(t))
	dir := t.TempDir()
	path := filepath.Join(dir, "still.png")
	if err := export.PNGFile(t.Context(), rec, camera, frameTime(46).Add(time.Millisecond), path); err != nil {
		t.Fatal(err)
	}
	if n := frameNumber(t, readPNG(t, path)); n != 46 {
		t.Errorf("%s shows frame %d, want 46", path, n)
	}
	if err := export.PNGFile(t.Context(), rec, jpegStream, frameTime(3), path); err != nil {
		t.Fatal(err)
	}
	if n := frameNumber(t, readPNG(t, path)); n != 3 {
		t.Errorf("%s, written again, shows frame %d, want 3", path, n)
	}
	if err := export.PNGFile(t.Context(), rec, camera, frameTime(100), filepath.Join(dir, "late.png")); !errors.Is(err, export.ErrOutOfRange) {
		t.Errorf("a time after the stream: %v", err)
	}
	missing := filepath.Join(dir, "no", "such.png")
	if err := export.PNGFile(t.Context(), rec, camera, t0, missing); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("a missing directory: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries in the directory, want still.png alone", len(entries))
	}
}

// cancelOnPicture is a context that ends once dir holds a picture, so that
// an export is interrupted right after its first one, however fast it runs.
type cancelOnPicture struct {
	context.Context
	cancel context.CancelFunc
	dir    string
}

func (c *cancelOnPicture) Err() error {
	if matches, _ := filepath.Glob(filepath.Join(c.dir, "*.png")); len(matches) > 0 {
		c.cancel()
	}
	return c.Context.Err()
}

// An export whose context ends (Ctrl-C) stops before its next picture:
// the pictures written are whole, they are the paths returned, and no
// temporary file is left; one that ends before the first leaves nothing,
// not even the directory.
func TestPNGStopsWhenItsContextEnds(t *testing.T) {
	rec := openRecording(t, makeRecording(t))
	dir := filepath.Join(t.TempDir(), "pictures")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	times := []time.Time{frameTime(10), frameTime(40), frameTime(70)}
	paths, err := export.PNG(&cancelOnPicture{Context: ctx, cancel: cancel, dir: dir}, rec, camera, times, dir)
	if !errors.Is(err, context.Canceled) || len(paths) != 1 {
		t.Fatalf("%v, %v; want one picture and context.Canceled", paths, err)
	}
	if n := frameNumber(t, readPNG(t, paths[0])); n != 10 {
		t.Errorf("the picture written shows frame %d, want 10", n)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the directory, want the one picture", len(entries))
	}
	noTempFiles(t, dir)

	other := filepath.Join(t.TempDir(), "none")
	paths, err = export.PNG(ctx, rec, camera, times, other) // ctx has ended
	if !errors.Is(err, context.Canceled) || len(paths) != 0 {
		t.Errorf("%v, %v; want nothing and context.Canceled", paths, err)
	}
	if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the directory was made: %v", err)
	}
	if err := export.PNGFile(ctx, rec, camera, frameTime(10), filepath.Join(t.TempDir(), "still.png")); !errors.Is(err, context.Canceled) {
		t.Errorf("PNGFile: %v, want context.Canceled", err)
	}
}
