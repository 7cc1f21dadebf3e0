package export_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/storage/export"
)

// A recording of a stream of pixels that are not square (64:45, a PAL
// camera's 16:9), passed through, exports to an MP4 that keeps the aspect
// its SPS states, and to PNG pictures of square pixels, 228x120 of its
// 160x120, as players show it, not squeezed.
func TestExportOfPixelsThatAreNotSquare(t *testing.T) {
	clip := testclip.Make(t, "sar.mp4", 5, 25, "-vf", "setsar=64/45", "-c:v", "libx264", "-pix_fmt", "yuv420p")
	rec := openRecording(t, recordFile(t, clip))
	mp4 := filepath.Join(t.TempDir(), "cam.mp4")
	if _, err := export.MP4(t.Context(), rec, camera, time.Time{}, time.Time{}, mp4, nil); err != nil {
		t.Fatal(err)
	}
	if got := testclip.Probe(t, mp4, "-show_entries", "stream=sample_aspect_ratio"); len(got) != 1 || got[0] != "64:45" {
		t.Errorf("the MP4's sample aspect ratio is %q, want the source's 64:45", got)
	}
	paths, err := export.PNG(t.Context(), rec, camera, []time.Time{t0}, filepath.Join(t.TempDir(), "png"))
	if err != nil {
		t.Fatal(err)
	}
	if b := decodePNG(t, paths[0]).Bounds(); b.Dx() != 228 || b.Dy() != 120 {
		t.Errorf("a %dx%d PNG, want 228x120 (160 times 64/45, even)", b.Dx(), b.Dy())
	}
}
