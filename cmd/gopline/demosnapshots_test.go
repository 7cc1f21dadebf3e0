package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The demo counts the snapshots it wrote, not those an earlier run left
// in its directory.
func TestDemoCountsItsOwnSnapshots(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "viewer-snapshots-000090.png")
	if err := os.WriteFile(old, []byte("an earlier run's"), 0o644); err != nil {
		t.Fatal(err)
	}
	earlier := time.Now().Add(-time.Hour)
	if err := os.Chtimes(old, earlier, earlier); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	for _, name := range []string{"viewer-snapshots-000000.png", "viewer-snapshots-000030.png", "other.png"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n := snapshotsSince(dir, began); n != 2 {
		t.Fatalf("%d snapshots counted, want the run's 2", n)
	}
}
