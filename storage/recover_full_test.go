package storage_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopline/gopline/internal/smallfs"
	"github.com/gopline/gopline/storage"
)

// A recover whose --out is on a full disk fails saying so, and what to do,
// and leaves nothing there: not the new recording, not its unfinished file.
func TestRecoverOntoAFullDiskSaysSoAndLeavesNothing(t *testing.T) {
	dir := smallfs.Dir(t, "128k")
	if dir == "" {
		return // the child ran the test
	}
	src := filepath.Join(t.TempDir(), "cam.gopline")
	writeRecording(t, src, 600)
	if fi, err := os.Stat(src); err != nil || fi.Size() < 3*128<<10 {
		t.Fatalf("the source is too small to fill 128 KB: %v, %v", fi, err)
	}
	_, err := storage.Recover(src, filepath.Join(dir, "saved.gopline"))
	if !errors.Is(err, storage.ErrDiskFull) || !strings.Contains(err.Error(), "no room to write") ||
		!strings.Contains(err.Error(), "another disk") || strings.Contains(err.Error(), "resumes") {
		t.Fatalf("recover onto a full disk: %v, want ErrDiskFull saying there is no room and to free space or write elsewhere", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left on the full disk: %v", left)
	}
}
