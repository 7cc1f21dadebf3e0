//go:build unix

package storage_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/storage"
)

// A recording is a file bbolt seeks in and maps. A named pipe or a device
// given as one is refused at once, saying what it is, for reading and for
// writing: opening a pipe would wait for its other end for ever.
func TestAPipeOrADeviceIsRefusedAsARecording(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "cam.gopline")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	type call struct {
		name string
		says string
		do   func() error
	}
	open := func(path string, opts ...storage.Option) func() error {
		return func() error {
			rec, err := storage.Open(path, opts...)
			if err == nil {
				rec.Close()
			}
			return err
		}
	}
	dst := filepath.Join(dir, "saved.gopline")
	calls := []call{
		{"Open read-only of a FIFO", "is a named pipe (FIFO)", open(fifo, storage.WithReadOnly())},
		{"Open of a FIFO to write", "is a named pipe (FIFO)", open(fifo)},
		{"SniffFile of a FIFO", "is a named pipe (FIFO)", func() error { _, _, err := storage.SniffFile(fifo); return err }},
		{"Recover from a FIFO", "is a named pipe (FIFO)", func() error { _, err := storage.Recover(fifo, dst); return err }},
		{"CheckName of a FIFO", "is a named pipe (FIFO)", func() error { return storage.CheckName(fifo) }},
	}
	if fi, err := os.Stat(os.DevNull); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		calls = append(calls,
			call{"Open read-only of /dev/null", "is a character device", open(os.DevNull, storage.WithReadOnly())},
			call{"Open of /dev/null to write", "ends in fakesink", open(os.DevNull)},
			call{"CheckName of /dev/null", "ends in fakesink", func() error { return storage.CheckName(os.DevNull) }},
		)
	}
	for _, c := range calls {
		done := make(chan error, 1)
		go func() { done <- c.do() }()
		select {
		case err := <-done:
			if !errors.Is(err, storage.ErrNotAFile) || !strings.Contains(err.Error(), c.says) {
				t.Errorf("%s: %v, want an error wrapping ErrNotAFile that says %q", c.name, err, c.says)
			}
		case <-time.After(10 * time.Second):
			// Unblock the open that waits for a writer, and fail.
			if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
			t.Fatalf("%s: still waiting after 10 s", c.name)
		}
	}
	if _, err := os.Lstat(dst); err == nil {
		t.Errorf("Recover from a FIFO made %s", dst)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO is not left as it was: %v, %v", fi, err)
	}
	// A path with nothing there, or a regular file, is a name to record to.
	regular := filepath.Join(dir, "file.gopline")
	if err := os.WriteFile(regular, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "new.gopline"), regular} {
		if err := storage.CheckName(path); err != nil {
			t.Errorf("CheckName(%s): %v", path, err)
		}
	}
}
