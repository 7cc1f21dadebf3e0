package storage_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/storage"
)

// A reader refused a recording that a recorder is writing is told how to
// read what it holds so far, and the command it is told of works on the
// live file: the copy opens, with every packet committed. A second writer
// is refused without that advice, which would not help it.
func TestOpenOfARecordingBeingWrittenSaysHowToCopyIt(t *testing.T) {
	rec, path := MustOpen(t, storage.WithBatch(1000, time.Hour), storage.WithSync(storage.SyncNone))
	createCamera(t, rec)
	appendAll(t, rec, "/camera", newSynth(), 0, 25)
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}

	_, err := storage.Open(path, storage.WithReadOnly())
	snapshot := filepath.Join(filepath.Dir(path), "rec-snapshot.gopline")
	hint := "gopline recover " + path + " --out " + snapshot + " copies it"
	if !errors.Is(err, storage.ErrLocked) || !strings.Contains(err.Error(), hint) {
		t.Fatalf("read-only open beside the writer: %v; want ErrLocked saying %q", err, hint)
	}
	if _, err := storage.Open(path); !errors.Is(err, storage.ErrLocked) || strings.Contains(err.Error(), "recover") {
		t.Errorf("second writer: %v; want ErrLocked without the advice to copy", err)
	}

	if _, err := storage.Recover(path, snapshot); err != nil {
		t.Fatalf("recover of the live file, as advised: %v", err)
	}
	cp, err := storage.Open(snapshot, storage.WithReadOnly())
	if err != nil {
		t.Fatalf("the copy: %v", err)
	}
	defer cp.Close()
	st, err := cp.Stats("/camera")
	if err != nil || st.Packets != 25 {
		t.Errorf("the copy: %d packets (%v); want the 25 committed", st.Packets, err)
	}
}
