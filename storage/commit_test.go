package storage_test

import (
	"errors"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gopline/gopline/storage"
)

// committed returns how many packets of /camera readers see.
func committed(t *testing.T, rec *storage.Recording) int64 {
	t.Helper()
	s, err := rec.Stats("/camera")
	if err != nil {
		t.Fatal(err)
	}
	return s.Packets
}

func TestGroupCommitWritesFullBatchesOnly(t *testing.T) {
	rec, _ := MustOpen(t, storage.WithBatch(5, 0))
	createCamera(t, rec)
	s := newSynth()
	appendAll(t, rec, "/camera", s, 0, 4)
	if n := committed(t, rec); n != 0 {
		t.Fatalf("%d packets visible before the batch is full", n)
	}
	if _, err := rec.Seek("/camera", s.packet(3).CaptureTime); !errors.Is(err, storage.ErrNoKeyframe) {
		t.Fatalf("seek into the pending batch: %v", err)
	}
	appendAll(t, rec, "/camera", s, 4, 7)
	if n := committed(t, rec); n != 5 {
		t.Fatalf("%d packets visible after one full batch, want 5", n)
	}
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := committed(t, rec); n != 7 {
		t.Fatalf("%d packets visible after Flush, want 7", n)
	}
}

func TestGroupCommitWritesOnceTheIntervalHasPassed(t *testing.T) {
	clk := newFakeClock()
	rec, _ := MustOpen(t, storage.WithClock(clk.Now), storage.WithBatch(1000, 100*time.Millisecond))
	createCamera(t, rec)
	s := newSynth()
	appendAll(t, rec, "/camera", s, 0, 1)
	clk.Advance(60 * time.Millisecond)
	appendAll(t, rec, "/camera", s, 1, 2)
	if n := committed(t, rec); n != 0 {
		t.Fatalf("%d packets visible within the interval", n)
	}
	clk.Advance(40 * time.Millisecond) // 100 ms since the oldest pending packet
	appendAll(t, rec, "/camera", s, 2, 3)
	if n := committed(t, rec); n != 3 {
		t.Fatalf("%d packets visible after the interval, want 3", n)
	}
	// No goroutine commits a silent stream: the interval alone does nothing.
	appendAll(t, rec, "/camera", s, 3, 4)
	clk.Advance(time.Second)
	if n := committed(t, rec); n != 3 {
		t.Fatalf("%d packets visible without an Append or Flush, want 3", n)
	}
}

func TestCloseCommitsPendingPackets(t *testing.T) {
	rec, path := MustOpen(t, storage.WithBatch(1000, 0))
	createCamera(t, rec)
	appendAll(t, rec, "/camera", newSynth(), 0, 17)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	rec = mustOpenPath(t, path, storage.WithReadOnly())
	if n := committed(t, rec); n != 17 {
		t.Fatalf("%d packets after Close, want 17", n)
	}
}

// bbolt locks the file while it is open, so a second opener cannot watch a
// pending batch from outside; group commit is tested through the writer's
// own readers above, and the lock itself here.
func TestSecondOpenerIsLockedOut(t *testing.T) {
	rec, path := MustOpen(t)
	createCamera(t, rec)
	for _, opts := range [][]storage.Option{nil, {storage.WithReadOnly()}} {
		start := time.Now()
		if _, err := storage.Open(path, opts...); !errors.Is(err, storage.ErrLocked) {
			t.Fatalf("second Open %d options: %v, want ErrLocked", len(opts), err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("second Open took %v to fail", d)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	// Read-only openers share the file.
	a := mustOpenPath(t, path, storage.WithReadOnly())
	b := mustOpenPath(t, path, storage.WithReadOnly())
	if _, err := a.Streams(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Streams(); err != nil {
		t.Fatal(err)
	}
}

func TestCursorSeesPacketsCommittedAfterItWasMade(t *testing.T) {
	rec, _ := MustOpen(t, storage.WithBatch(1, 0))
	createCamera(t, rec)
	s := newSynth()
	appendAll(t, rec, "/camera", s, 0, 3)
	c, err := rec.Seek("/camera", s.packet(0).CaptureTime)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 3 {
		if _, err := c.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Next(); err == nil {
		t.Fatal("Next past the end returned a packet")
	}
	appendAll(t, rec, "/camera", s, 3, 5)
	for i := 3; i < 5; i++ {
		p, err := c.Next()
		if err != nil {
			t.Fatal(err)
		}
		if p.Seq != uint64(i) || c.Index() != uint64(i) {
			t.Fatalf("got seq %d at index %d, want %d", p.Seq, c.Index(), i)
		}
	}
}

func TestRecordingStartsNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	rec, err := storage.Open(filepath.Join(t.TempDir(), "rec.gopline"), storage.WithBatch(4, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	createCamera(t, rec)
	appendAll(t, rec, "/camera", newSynth(), 0, 50)
	c, err := rec.Seek("/camera", newSynth().packet(49).CaptureTime)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Next(); err != nil {
		t.Fatal(err)
	}
	// Goroutines of earlier tests may still be ending; a recording adds none.
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines while recording, %d before", n, before)
	}
	c.Close()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}
