package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
)

// A High 4:4:4 camera passed through records well, but Foxglove shows
// nothing of it: its MCAP export is written and says so, naming the
// format and what to do.
func TestExportToMCAPNamesAFormatFoxgloveDoesNotDecode(t *testing.T) {
	dir := t.TempDir()
	clip := testclip.Make(t, "hi444.mp4", 10, 25, "-c:v", "libx264", "-bf", "0", "-g", "5", "-pix_fmt", "yuv444p")
	rec := filepath.Join(dir, "hi444.gopline")
	if code, _, stderr := runCmd("run", "videosrc location="+clip+" passthrough=true ! record path="+rec+" stream=/cam"); code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCmd("export", rec, "--out", filepath.Join(dir, "hi444.mcap"))
	if code != 0 || !strings.Contains(stdout, "wrote ") {
		t.Fatalf("export: exit %d, stdout %q, stderr %q; want the file written", code, stdout, stderr)
	}
	for _, says := range []string{"/cam is H.264 in a format Foxglove does not decode", "High 4:4:4 Predictive, 4:4:4, 8 bit", "h264enc"} {
		if !strings.Contains(stderr, says) {
			t.Errorf("export's stderr %q does not say %q", stderr, says)
		}
	}
}
