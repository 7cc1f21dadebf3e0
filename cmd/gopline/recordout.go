package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopline/gopline/storage"
)

// checkOut opens the file the run writes first (outFile(0)) as the
// recorder will, and closes it, before the pipeline starts: a file the
// recorder cannot use (another recorder's, not a recording, in a
// directory it may not write) fails the run at once, naming why, instead
// of after the pipeline ran with nothing recorded. A missing directory of
// --out is created, as ros2 bag record -o creates its bag's (madeDirs),
// and removed again when the check fails. A file the check created is
// removed again, so that a run that records nothing leaves none
// (removeUnused).
func (f *recordFlags) checkOut() error {
	if strings.HasSuffix(f.out, "/") || isDir(f.out) {
		// ros2 bag record -o names a directory it makes; gopline's --out
		// is a file.
		return usagef("--out %s names a directory: gopline records to a file (or, split, to files named after it): give one, such as %s",
			f.out, filepath.Join(f.out, "recording.gopline"))
	}
	path := f.outFile(0)
	made, err := makeDirsOf(path)
	f.madeDirs = made
	if err != nil {
		f.removeUnused()
		return fmt.Errorf("cannot record to %s: %w", path, err)
	}
	_, statErr := os.Stat(path)
	rec, err := storage.Open(path)
	if err != nil {
		f.removeUnused()
		return fmt.Errorf("cannot record to %s: %w", path, err)
	}
	f.held = heldText(rec)
	err = rec.Close()
	if errors.Is(statErr, fs.ErrNotExist) {
		err = errors.Join(err, os.Remove(path))
	}
	if err != nil {
		return fmt.Errorf("cannot record to %s: %w", path, err)
	}
	return nil
}

// removeUnused removes the directories checkOut made for the run's
// files when none was written into them.
func (f *recordFlags) removeUnused() {
	removeDirs(f.madeDirs)
}

// makeDirsOf creates the missing directories of path's directory, as ros2
// bag record -o creates its bag's, and returns them, the deepest first,
// for removeDirs to take away again when nothing was written into them.
func makeDirsOf(path string) ([]string, error) {
	var missing []string
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) || dir == filepath.Dir(dir) {
			break
		}
		missing = append(missing, dir)
	}
	if len(missing) == 0 {
		return nil, nil
	}
	return missing, os.MkdirAll(missing[0], 0o755)
}

// removeDirs removes the directories makeDirsOf made, the deepest first,
// as long as they are empty.
func removeDirs(dirs []string) {
	for _, dir := range dirs {
		if os.Remove(dir) != nil {
			return
		}
	}
}

// isDir reports whether path is a directory.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
