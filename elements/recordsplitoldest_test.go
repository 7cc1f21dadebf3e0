package elements

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/smallfs"
	"github.com/gopline/gopline/storage"
)

// A split recording that overwrites the oldest, on a disk that fills up,
// deletes the set's oldest files, a file of the run before it first, and
// drops nothing: the files left are the newest of the set, without a gap
// between their numbers, and hold the newest packets, each file from a
// keyframe, up to the last. Files of about the disk's room go the same
// way, the one before the newest deleted for the newest to begin.
func TestSplitRecordingThatOverwritesDeletesTheOldestFiles(t *testing.T) {
	dir := smallfs.Dir(t, "1m")
	if dir == "" {
		return // the child ran the test
	}
	t.Run("files of a seventh of the disk", func(t *testing.T) {
		path := filepath.Join(subdir(t, dir), "c.gopline")
		writeRecording(t, SplitPath(path, 0), 30)
		deleted := recordOverwritingSplit(t, path, 150<<10)
		if len(deleted) < 2 || deleted[0] != filepath.Base(SplitPath(path, 0)) {
			t.Fatalf("deleted %v: want the earlier run's file first, then this run's oldest", deleted)
		}
		leftNewest(t, path, deleted)
	})
	t.Run("files of about the disk's room", func(t *testing.T) {
		path := filepath.Join(subdir(t, dir), "big.gopline")
		deleted := recordOverwritingSplit(t, path, 900<<10)
		if len(deleted) == 0 {
			t.Fatal("no file was deleted")
		}
		leftNewest(t, path, deleted)
	})
}

// subdir makes a directory of t's own in dir, removed after t: the
// tmpfs's room is the next subtest's.
func subdir(t *testing.T, dir string) string {
	t.Helper()
	sub, err := os.MkdirTemp(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sub) })
	return sub
}

// recordOverwritingSplit records 400 of bigPacket's packets (4 MB) into a
// set split at maxBytes from path that overwrites its oldest, failing on a
// packet dropped or a write failed, and returns the names of the files
// deleted.
func recordOverwritingSplit(t *testing.T, path string, maxBytes int64) (deleted []string) {
	t.Helper()
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	now := t0
	clock := func() time.Time { return now }
	cfg := DefaultRecordConfig()
	cfg.Path, cfg.Split, cfg.OverwriteOldest = path, RecordSplit{MaxBytes: maxBytes}, true
	rec, _, _, err := openRecording(cfg, []storage.Option{storage.WithClock(clock), storage.WithBatch(5, 0)})
	if err != nil {
		t.Fatal(err)
	}
	s := newRecordingStore(rec, clock, true)
	if err := s.rec.CreateStream(storage.StreamInfo{Name: "/cam", Codec: bigPacket(0, t0).Codec, Width: 320, Height: 240}); err != nil {
		t.Fatal(err)
	}
	s.streams["/cam"] = true
	for i := range splitWritten {
		now = t0.Add(time.Duration(i) * time.Second / 30)
		for _, o := range []writeOutcome{s.Write("/cam", bigPacket(i, t0)), s.Flush()} {
			if o.err != nil || o.dropped != 0 || o.failed != nil {
				t.Fatalf("packet %d: dropped %d, failed %v, error %v", i, o.dropped, o.failed, o.err)
			}
			for _, f := range o.deleted {
				deleted = append(deleted, filepath.Base(f.path))
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return deleted
}

// splitWritten is how many packets recordOverwritingSplit records.
const splitWritten = 400

// leftNewest fails unless the files of path's split set that are left
// (none of them among deleted) are numbered without a gap and hold the
// newest of splitWritten packets, each file from a keyframe.
func leftNewest(t *testing.T, path string, deleted []string) {
	t.Helper()
	numbers, err := SplitFiles(path)
	if err != nil || len(numbers) == 0 {
		t.Fatalf("no file left (%v)", err)
	}
	for i, n := range numbers {
		if n != numbers[0]+i {
			t.Fatalf("the files left are %v: a gap", numbers)
		}
		if slices.Contains(deleted, filepath.Base(SplitPath(path, n))) {
			t.Fatalf("%d is said deleted, and is there", n)
		}
	}
	// The files left, in order, hold the newest packets without a gap.
	next := uint64(0)
	for i, n := range numbers {
		var seqs []uint64
		for _, p := range recorded(t, SplitPath(path, n), "/cam") {
			seqs = append(seqs, p.Seq)
		}
		if len(seqs) == 0 || seqs[0]%10 != 0 {
			t.Fatalf("file %d holds %v: want packets from a keyframe", n, seqs)
		}
		if i > 0 && seqs[0] != next {
			t.Fatalf("file %d begins at %d, the one before it ended at %d", n, seqs[0], next-1)
		}
		for j, seq := range seqs {
			if seq != seqs[0]+uint64(j) {
				t.Fatalf("file %d: a gap at %d", n, seq)
			}
		}
		next = seqs[len(seqs)-1] + 1
	}
	if next != splitWritten {
		t.Fatalf("the newest file ends at %d, not at the last packet %d", next-1, splitWritten-1)
	}
}

// writeRecording writes a recording of n of bigPacket's packets at path.
func writeRecording(t *testing.T, path string, n int) {
	t.Helper()
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	if err := rec.CreateStream(storage.StreamInfo{Name: "/cam", Codec: bigPacket(0, t0).Codec, Width: 320, Height: 240}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := rec.Append("/cam", bigPacket(i, t0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}
