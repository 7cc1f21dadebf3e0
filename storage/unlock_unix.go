//go:build !windows && !plan9 && !solaris && !aix && !android

package storage

import (
	"os"
	"syscall"
)

// releaseLock drops the flock that bbolt took on f. Closing f alone would
// not: a mapping of the file that bbolt left behind when it panicked keeps
// the open file, and with it the lock, alive until the process exits.
func releaseLock(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
