// Package smallfs runs a test on a small file system of its own, so that
// the test can fill it: a tmpfs of a given size, mounted in a private mount
// namespace of a child process that runs the test again. It needs Linux and
// the right to mount (root); without them the test is skipped, saying why.
package smallfs

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// dirEnv names, in the child's environment, the directory to mount the
// tmpfs on; sizeEnv its size.
const (
	dirEnv  = "GOPLINE_SMALLFS_DIR"
	sizeEnv = "GOPLINE_SMALLFS_SIZE"
)

// skipMark starts the line a child prints when it cannot mount, so that the
// parent skips with the child's reason.
const skipMark = "smallfs: cannot mount: "

// Dir returns the directory of a fresh tmpfs of size bytes (a mount option,
// "2m") when it runs in the child, where the test goes on there. In the
// test's own process it runs the test again in a child with a private mount
// namespace, reports the child's failure or skip as its own, and returns "":
// the test then returns.
//
//	dir := smallfs.Dir(t, "2m")
//	if dir == "" {
//		return // the child ran the test
//	}
func Dir(t *testing.T, size string) string {
	t.Helper()
	if dir := os.Getenv(dirEnv); dir != "" {
		if err := syscall.Mount("smallfs", dir, "tmpfs", 0, "size="+os.Getenv(sizeEnv)); err != nil {
			t.Logf("%s%v", skipMark, err)
			t.SkipNow()
		}
		return dir
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skipf("a small file system needs Linux and root to mount a tmpfs (GOOS %s, euid %d)", runtime.GOOS, os.Geteuid())
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), dirEnv+"="+t.TempDir(), sizeEnv+"="+size)
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	text := string(out)
	switch {
	case err != nil && cmd.ProcessState == nil:
		t.Skipf("cannot start a child in a mount namespace of its own: %v", err)
	case strings.Contains(text, skipMark):
		line := text[strings.Index(text, skipMark):]
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		t.Skipf("no tmpfs of %s: %s", size, line)
	case err != nil:
		t.Fatalf("in a tmpfs of %s: %v\n%s", size, err, text)
	case !strings.Contains(text, "--- PASS: "+t.Name()):
		t.Fatalf("in a tmpfs of %s, the test did not pass:\n%s", size, text)
	}
	t.Logf("passed in a tmpfs of %s", size)
	return ""
}
