package ffmpeg

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// asUnprivileged calls f on a thread of its own whose effective
// capabilities lack CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so that a
// test run as root (as CI runs) opens files as their permissions say. The
// thread ends with the call: Go ends a thread whose goroutine exits while
// locked to it, and its capabilities with it.
func asUnprivileged(t *testing.T, f func()) {
	t.Helper()
	failed := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread goes with the goroutine
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		var data [2]unix.CapUserData
		if err := unix.Capget(&hdr, &data[0]); err != nil {
			failed <- err
			return
		}
		data[0].Effective &^= 1<<unix.CAP_DAC_OVERRIDE | 1<<unix.CAP_DAC_READ_SEARCH
		if err := unix.Capset(&hdr, &data[0]); err != nil {
			failed <- err
			return
		}
		f()
		failed <- nil
	}()
	if err := <-failed; err != nil {
		t.Fatalf("dropping the capabilities that let root read any file: %v", err)
	}
}
