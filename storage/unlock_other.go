//go:build windows || plan9 || solaris || aix || android

package storage

import "os"

// releaseLock does nothing on systems where bbolt's lock is not a flock:
// there the lock of an Open that bbolt panicked in lasts until f's mapping
// goes, at the exit of the process.
func releaseLock(*os.File) {}
