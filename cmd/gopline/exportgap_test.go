package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An MP4 export of a stream with a day between two of its pictures, a gap
// no MP4 sample lasts, fails saying where the gap is and how to export the
// parts either side, which then export; FFmpeg's muxer had warned "Packet
// duration ... out of range", squeezed the gap to a tick, and the export
// exited 0 saying it wrote a file of a day. MCAP holds the gap.
func TestExportToMP4OfAGapNoMP4HoldsFailsSayingHow(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	times := make([]time.Time, 10)
	for i := range times { // 10 a second, the last 5 a day later
		times[i] = start.Add(time.Duration(i) * 100 * time.Millisecond)
		if i >= 5 {
			times[i] = times[i].Add(24 * time.Hour)
		}
	}
	rec := recordCameraAt(t, filepath.Join(dir, "gap.gopline"), 1, times)

	out := filepath.Join(dir, "gap.mp4")
	code, stdout, stderr := runCmd("export", rec, "--out", out)
	for _, want := range []string{"/camera has a gap of 24h0m0.1s", "between its pictures captured 400ms and 24h0m0.5s from the recording's start",
		"longer than an MP4 holds: a sample lasts at most 6h37m40.9s", out + " is not written", "with --end 24h0m0.5s and with --start 24h0m0.5s", "--out " + filepath.Join(dir, "gap.mcap")} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if code != 1 || stdout != "" {
		t.Errorf("export to MP4: exit %d, %q, %q; want 1, nothing written", code, stdout, stderr)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s: %v, want no file", out, err)
	}
	for _, part := range [][]string{{"--end", "24h0m0.5s"}, {"--start", "24h0m0.5s"}} {
		code, stdout, stderr := runCmd(append([]string{"export", rec, "-y", "--out", out}, part...)...)
		if code != 0 || !strings.Contains(stdout, "5 frames of /camera") {
			t.Errorf("export %v: exit %d, %q, %q; want the part's 1 frame", part, code, stdout, stderr)
		}
	}
	if code, stdout, stderr := runCmd("export", rec, "--out", filepath.Join(dir, "gap.mcap")); code != 0 || !strings.Contains(stdout, "10 frames") {
		t.Errorf("export to MCAP: exit %d, %q, %q", code, stdout, stderr)
	}
}
