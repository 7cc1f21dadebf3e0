//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A named pipe or a device given for a recording is named for what it is,
// at once, by every command that reads or writes one: opening a pipe would
// wait for a writer for ever, and /dev/null is no place to record to.
func TestARecordingThatIsAPipeOrADeviceIsRefusedAtOnce(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "cam.gopline")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	pipeline := "testsrc num-frames=3 ! h264enc ! publish topic=/c"
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"info", fifo}, 1, "is a named pipe (FIFO)"},
		{[]string{"play", fifo}, 1, "is a named pipe (FIFO)"},
		{[]string{"export", fifo, "--out", filepath.Join(dir, "c.mp4")}, 1, "is a named pipe (FIFO)"},
		{[]string{"recover", fifo, "--out", filepath.Join(dir, "saved.gopline")}, 1, "is a named pipe (FIFO)"},
		{[]string{"record", "-o", fifo, "--all", pipeline}, exitUsage, "is a named pipe (FIFO)"},
		{[]string{"run", "testsrc num-frames=3 ! h264enc ! record path=" + fifo}, exitUsage, "is a named pipe (FIFO)"},
		{[]string{"record", "-o", os.DevNull, "--all", pipeline}, exitUsage, "ends in fakesink"},
		{[]string{"info", os.DevNull}, 1, "is a character device"},
	} {
		type result struct {
			code   int
			stderr string
		}
		done := make(chan result, 1)
		go func() {
			code, _, stderr := runCmd(c.args...)
			done <- result{code, stderr}
		}()
		select {
		case r := <-done:
			if r.code != c.code || !strings.Contains(r.stderr, c.says) {
				t.Errorf("gopline %v: exit %d, stderr %q; want exit %d saying %q", c.args, r.code, r.stderr, c.code, c.says)
			}
		case <-time.After(20 * time.Second):
			if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close() // let an open waiting for a writer go on
			}
			t.Fatalf("gopline %v: still running after 20 s", c.args)
		}
	}
}

// An export goes through a temporary file renamed into place: an --out
// where a device is (a link to /dev/null, as /dev/stdout is to a terminal
// or a pipe) would be replaced by the file, so it is refused, --overwrite
// or not, and "-" is not taken for a file's name.
func TestExportToADeviceOrToStandardOutputIsAUsageError(t *testing.T) {
	rec := exportRecording(t)
	link := filepath.Join(t.TempDir(), "null.mp4")
	if err := os.Symlink(os.DevNull, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"export", rec, "--stream", "/camera", "--out", link, "-y"}, "is a character device"},
		{[]string{"export", rec, "--stream", "/camera", "--format", "mp4", "--out", "-"}, "not standard output"},
		{[]string{"export", rec, "--stream", "/camera", "--out", "-"}, "not standard output"},
		{[]string{"export", rec, "--stream", "/camera", "--every", "1s", "--out", "-"}, "not standard output"},
	} {
		if code, _, stderr := runCmd(c.args...); code != exitUsage || !strings.Contains(stderr, c.says) {
			t.Errorf("gopline %v: exit %d, stderr %q; want exit %d saying %q", c.args, code, stderr, exitUsage, c.says)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s is no longer the link it was: %v, %v", link, fi, err)
	}
	if _, err := os.Lstat("-"); err == nil {
		t.Error(`export made a file named "-"`)
	}
}
