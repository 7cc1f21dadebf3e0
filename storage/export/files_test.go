package export_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// MCAPFiles exports streams over the files of one recording as
// MP4Files does: each stream goes on from one file to the next on its
// channel, the range counts over them all, a file without a stream is
// passed over, and files out of the order of time are refused.
func TestMCAPFilesExportsStreamsOverTheFilesOfARecording(t *testing.T) {
	first, second, other := makeFiles(t)
	out := filepath.Join(t.TempDir(), "cam.mcap")
	recs := []*storage.Recording{first, other, second}
	for _, c := range []struct {
		streams []string
		from    time.Time
		frames  int
	}{
		{[]string{camera}, time.Time{}, h264Frames},
		{[]string{camera}, frameTime(70), h264Frames - 60},
		{[]string{camera, "/other"}, time.Time{}, h264Frames + 1},
		{[]string{camera, "/other"}, frameTime(40), h264Frames - 30},
	} {
		res, err := export.MCAPFiles(t.Context(), recs, c.streams, c.from, time.Time{}, out, nil)
		if err != nil || res.Frames != c.frames {
			t.Fatalf("%v from %v: %+v, %v; want %d frames", c.streams, c.from, res, err, c.frames)
		}
	}
	_, err := export.MCAPFiles(t.Context(), []*storage.Recording{second, first}, []string{camera}, time.Time{}, time.Time{}, out, nil)
	if !errors.Is(err, export.ErrFilesOverlap) {
		t.Errorf("files out of order: %v, want ErrFilesOverlap", err)
	}
}

// PNGFiles decodes the picture shown at each time from the file that
// holds it, forwards and back across the files, and names it by its
// offset from the start of them all.
func TestPNGFilesShowsThePictureOfEachTimeFromItsFile(t *testing.T) {
	first, second, other := makeFiles(t)
	recs := []*storage.Recording{first, other, second}
	dir := filepath.Join(t.TempDir(), "pictures")
	cases := []struct {
		frame int
		name  string
	}{{30, "camera-000001.000s.png"}, {75, "camera-000002.500s.png"}, {59, "camera-000001.966s.png"}, {60, "camera-000002.000s.png"}, {89, "camera-000002.966s.png"}}
	var times []time.Time
	for _, c := range cases {
		times = append(times, frameTime(c.frame))
	}
	paths, err := export.PNGFiles(t.Context(), recs, camera, times, dir)
	if err != nil || len(paths) != len(cases) {
		t.Fatalf("%v, %v; want %d pictures", paths, err, len(cases))
	}
	for i, c := range cases {
		if paths[i] != filepath.Join(dir, c.name) {
			t.Errorf("time %d: %s, want %s", i, paths[i], c.name)
		}
		if n := frameNumber(t, readPNG(t, paths[i])); n != c.frame {
			t.Errorf("%s shows frame %d, want %d", c.name, n, c.frame)
		}
	}
	still := filepath.Join(t.TempDir(), "still.png")
	if err := export.PNGFileFiles(t.Context(), recs, camera, frameTime(80), still); err != nil {
		t.Fatal(err)
	}
	if n := frameNumber(t, readPNG(t, still)); n != 80 {
		t.Errorf("the still shows frame %d, want 80", n)
	}
	_, err = export.PNGFiles(t.Context(), recs, camera, []time.Time{frameTime(90)}, dir)
	if !errors.Is(err, export.ErrOutOfRange) {
		t.Errorf("a time past the last file: %v, want ErrOutOfRange", err)
	}
	if _, err := export.PNGFiles(t.Context(), []*storage.Recording{second, first}, camera, times, dir); !errors.Is(err, export.ErrFilesOverlap) {
		t.Errorf("files out of order: %v, want ErrFilesOverlap", err)
	}
	if names := pngNames(t, dir); !slices.Equal(names, []string{"camera-000001.000s.png", "camera-000001.966s.png", "camera-000002.000s.png", "camera-000002.500s.png", "camera-000002.966s.png"}) {
		t.Errorf("the directory holds %v", names)
	}
}

// pngNames are the names of the files in dir, in order.
func pngNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A picture's file is named after its stream in any script: two cameras
// named in Japanese get two names, where both were "_-image".
func TestPNGNamesKeepLettersOfAnyScript(t *testing.T) {
	for stream, want := range map[string]string{
		"/前/image":           "前-image-000000.500s.png",
		"/後/image":           "後-image-000000.500s.png",
		"/camera/front":      "camera-front-000000.500s.png",
		"/cam 1/image:raw":   "cam_1-image_raw-000000.500s.png",
		"/カメラ/画像/compressed": "カメラ-画像-compressed-000000.500s.png",
	} {
		if got := export.PNGName(stream, 500*time.Millisecond); got != want {
			t.Errorf("PNGName(%q) = %q, want %q", stream, got, want)
		}
	}
}
