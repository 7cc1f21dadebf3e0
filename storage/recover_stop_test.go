package storage_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/gopline/gopline/storage"
)

// readsLeft is a context that is done after its first n looks at Err: a
// stop at a chosen read of RecoverContext, the same in every run.
type readsLeft struct {
	context.Context
	n, looked atomic.Int64
}

func (c *readsLeft) Err() error {
	c.looked.Add(1)
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// A recover stopped part-way (Ctrl-C) returns the stop's error and leaves
// nothing: not the new recording, not its unfinished file; stopped at none
// of its reads, it recovers the file whole.
func TestRecoverContextStoppedLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "cam.gopline")
	writeRecording(t, src, 300)
	count := &readsLeft{Context: context.Background()}
	count.n.Store(1 << 40)
	whole, err := storage.RecoverContext(count, src, filepath.Join(dir, "whole.gopline"))
	if err != nil || whole.Packets() != 300 {
		t.Fatalf("recover not stopped: %d packets, %v; want 300", whole.Packets(), err)
	}
	reads := count.looked.Load()
	if reads < 3 {
		t.Fatalf("the recover looked at its context %d times: too few to stop it part-way", reads)
	}
	for _, at := range []int64{0, reads / 2, reads - 1} {
		out := filepath.Join(t.TempDir(), "new.gopline")
		stop := &readsLeft{Context: context.Background()}
		stop.n.Store(at)
		if _, err := storage.RecoverContext(stop, src, out); !errors.Is(err, context.Canceled) {
			t.Errorf("stopped at look %d of %d: %v, want an error wrapping context.Canceled", at, reads, err)
		}
		if left, _ := os.ReadDir(filepath.Dir(out)); len(left) != 0 {
			t.Errorf("stopped at look %d of %d: left %v", at, reads, left)
		}
	}
}
