package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopline/gopline/internal/smallfs"
)

// An export onto a full disk fails saying so, naming the file asked for
// (not its temporary one) and what to do, and leaves nothing of its own
// there: no unfinished MP4, MCAP or picture, and no directory of pictures
// it made and could put nothing in.
func TestExportOntoAFullDiskLeavesNothing(t *testing.T) {
	dir := smallfs.Dir(t, "64k")
	if dir == "" {
		return // the child ran the test
	}
	rec := exportRecording(t)
	for _, args := range [][]string{
		{"--out", filepath.Join(dir, "cam.mp4")},
		{"--out", filepath.Join(dir, "cam.mcap")},
		{"--every", "100ms", "--out", filepath.Join(dir, "pictures")},
	} {
		// A ballast that leaves the disk a few KB, less than any output.
		ballast := filepath.Join(dir, "ballast")
		if err := os.WriteFile(ballast, make([]byte, 60<<10), 0o644); err != nil && !strings.Contains(err.Error(), "no space") {
			t.Fatal(err)
		}
		code, _, stderr := runCmd(append([]string{"export", rec, "--stream", "/camera"}, args...)...)
		if code != 1 || !strings.Contains(stderr, "no room to write "+args[len(args)-1]) || !strings.Contains(stderr, "(no space left on device)") ||
			!strings.Contains(stderr, "give --out on another disk") || strings.Contains(stderr, ".tmp") {
			t.Errorf("export %v onto a full disk: exit %d, stderr %q; want exit 1 saying there is no room for --out, and what to do", args, code, stderr)
		}
		if err := os.Remove(ballast); err != nil {
			t.Fatal(err)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("export %v left %v on the full disk", args, left)
		}
	}
}

// An import onto a full disk fails saying so and what to do, not that
// writing resumes at a keyframe (a recorder's retry, which an import does
// not make), and leaves nothing there.
func TestImportOntoAFullDiskLeavesNothing(t *testing.T) {
	dir := smallfs.Dir(t, "64k")
	if dir == "" {
		return // the child ran the test
	}
	bag := filepath.Join(t.TempDir(), "cam.mcap")
	if code, _, stderr := runCmd("export", exportRecording(t), "--out", bag); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	out := filepath.Join(dir, "cam.gopline")
	code, _, stderr := runCmd("import", bag, "--out", out)
	if code != 1 || !strings.Contains(stderr, "no room to write "+out) || !strings.Contains(stderr, "give --out on another disk") ||
		strings.Contains(stderr, "resumes") {
		t.Errorf("import onto a full disk: exit %d, stderr %q; want exit 1 saying there is no room for --out, and what to do", code, stderr)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("import left %v on the full disk", left)
	}
}
