package export

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"

	"github.com/gopline/gopline/storage"
)

// The file an export writes: a temporary one beside the file asked for
// (createTemp, reserveTemp), put in place once complete (commit) or removed
// (discard), through a symbolic link (linkTarget), with an error naming the
// file asked for (outputError, noRoom).

// tempAttempts bounds the names createTemp tries: each is random, so
// a clash means another export is writing beside this one, and a few
// more tries find a free name.
const tempAttempts = 100

// commit syncs the finished temporary file to disk and renames it to path,
// or to the file path links to (linkTarget), returning the file's size. The
// sync comes first so that, after a crash, a file at path is never a
// renamed but empty one.
func commit(tmp, path string) (int64, error) {
	path = linkTarget(path)
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	err = f.Sync()
	fi, serr := f.Stat()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = serr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return 0, outputError(path, err)
	}
	return fi.Size(), nil
}

// outputError names the output file in an error of writing it, in the
// words of noRoom when the disk is full; nil stays nil.
func outputError(path string, err error) error {
	if err == nil {
		return nil
	}
	if full := noRoom(path, err); full != err {
		return full
	}
	return fmt.Errorf("export: %s: %w", path, err)
}

// spaceErrors are the errors of a write that found no room: a full file
// system, a spent quota, a file at the size limit of the process.
var spaceErrors = []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EFBIG}

// noRoom returns err, an error of writing the export to path, as a
// noRoomError (ErrNoRoom) when the write found no room, else err as it is.
func noRoom(path string, err error) error {
	for _, errno := range spaceErrors {
		if errors.Is(err, errno) {
			return &noRoomError{path: path, errno: errno, err: err}
		}
	}
	return err
}

// noRoomError is an export to path that found no room, errno saying why.
// It names path, not the temporary file that err, the write's, names.
type noRoomError struct {
	path  string
	errno syscall.Errno
	err   error
}

func (e *noRoomError) Error() string {
	return fmt.Sprintf("export: no room to write %s (%v): free space there, or give --out on another disk", e.path, e.errno)
}

func (e *noRoomError) Unwrap() []error { return []error{ErrNoRoom, e.err} }

// createTemp creates the temporary file of an export to path, beside it
// so that the rename is within one file system: PATH.RANDOM.tmp, a name
// no other file has, so that a PATH.tmp of the user's, or another export
// to the same path, is never written over. It is made with the mode
// os.Create gives, which the finished export keeps. It refuses a path where
// a named pipe, a device or a socket is (storage.ErrNotAFile), which the
// rename would replace with the export.
func createTemp(path string) (*os.File, error) {
	path = linkTarget(path)
	if fi, err := os.Stat(path); err == nil {
		if what := storage.NotAFile(fi.Mode()); what != "" {
			return nil, fmt.Errorf("export: %w: %s is %s: an export is written to a file, through a temporary one renamed into place, "+
				"which would put a file where it is", storage.ErrNotAFile, path, what)
		}
	}
	var err error
	for range tempAttempts {
		name := fmt.Sprintf("%s.%08x.tmp", path, rand.Uint32())
		var f *os.File
		f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	return nil, fmt.Errorf("export: %w", err)
}

// maxLinks bounds the symbolic links linkTarget follows, as the kernel's
// ELOOP does.
const maxLinks = 40

// linkTarget returns the path an export to path writes: path itself, or,
// when path is a symbolic link, the file it leads to (one that does not
// exist yet for a dangling link), as ffmpeg -y and cp write through a link:
// the link stays, and the file it names is replaced.
func linkTarget(path string) string {
	for range maxLinks {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return path
		}
		to, err := os.Readlink(path)
		if err != nil {
			return path
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(path), to)
		}
		path = to
	}
	return path
}

// reserveTemp creates the temporary file of an export to path
// (createTemp) and closes it, for a writer that opens it by name (FFmpeg's
// MP4 muxer), and returns its name.
func reserveTemp(path string) (string, error) {
	f, err := createTemp(path)
	if err != nil {
		return "", err
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		_ = os.Remove(name)
		return "", fmt.Errorf("export: %w", err)
	}
	return name, nil
}

// discard removes tmp, the temporary file of a failed export.
func discard(tmp string) { _ = os.Remove(tmp) }
