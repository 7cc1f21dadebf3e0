package mcapimport

import (
	"bytes"
	"os"
	"testing"
)

// FuzzReadWAL reads write-ahead logs as a file's neighbour may hold them:
// every page it returns lies whole inside the log, none past the
// database's size, and the size is no larger than the file and the log's
// pages could make it.
func FuzzReadWAL(f *testing.F) {
	wal, err := os.ReadFile("testdata/resilient/resilient_0.db3-wal")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(wal, 4096, int64(16))
	f.Add(wal[:len(wal)/2], 0, int64(0))
	f.Fuzz(func(t *testing.T, wal []byte, pageSize int, filePages int64) {
		filePages = max(filePages, 0) % (1 << 20)
		w, err := readWAL(bytes.NewReader(wal), int64(len(wal)), pageSize, filePages)
		if err != nil {
			t.Fatal(err)
		}
		if int64(w.dbPages) > filePages+int64(w.frames) || w.committed > w.frames {
			t.Fatalf("%d pages from %d in the file and %d frames (%d committed)", w.dbPages, filePages, w.frames, w.committed)
		}
		for p, at := range w.offsets {
			if p == 0 || p > w.dbPages || at < walHeaderSize || at+int64(w.pageSize) > int64(len(wal)) {
				t.Fatalf("page %d at %d of %d bytes (database %d pages)", p, at, len(wal), w.dbPages)
			}
		}
	})
}
