package testclip

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// StallingFIFO makes a FIFO in a temporary directory and writes data into
// it, as a live writer (ffmpeg ... -f mpegts - > fifo) that sent a few
// pictures and then stalled: once data is written, the FIFO stays open
// with nothing more to read until the test ends. It returns the FIFO's
// path and a channel closed once all of data has been written (read).
func StallingFIFO(t testing.TB, data []byte) (path string, written <-chan struct{}) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "live.fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	// Read and write: the open does not wait for a reader, and the writer
	// in Go's poller is ended by Close should no reader come.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := f.Write(data); err == nil {
			close(done)
		}
	}()
	t.Cleanup(func() {
		_ = f.Close()
		wg.Wait()
	})
	return path, done
}

// EndingFIFO makes a FIFO called name in a temporary directory whose writer
// writes data once a reader has opened it, then closes it: a writer that
// ended (ffmpeg ... -f yuv4mpegpipe - > fifo, done). It returns the FIFO's
// path.
func EndingFIFO(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f, err := os.OpenFile(path, os.O_WRONLY, 0) // waits for the reader
		if err != nil {
			return
		}
		_, _ = f.Write(data)
		_ = f.Close()
	}()
	t.Cleanup(func() {
		// A reader that never came: this one lets the writer's open return.
		if r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer r.Close()
		}
		wg.Wait()
	})
	return path
}
