package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"
)

func TestWriteErrorKindFindsLackOfSpaceWrappedOrFlattened(t *testing.T) {
	pathErr := func(errno syscall.Errno) error { return &fs.PathError{Op: "write", Path: "/r.gopline", Err: errno} }
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"ENOSPC of a write", pathErr(syscall.ENOSPC), ErrDiskFull},
		{"EDQUOT of a write", pathErr(syscall.EDQUOT), ErrDiskFull},
		{"EFBIG of a write", pathErr(syscall.EFBIG), ErrDiskFull},
		{"EFBIG flattened by bbolt's growth", fmt.Errorf("file resize error: %s", pathErr(syscall.EFBIG)), ErrDiskFull},
		{"ENOSPC flattened by bbolt's sync", fmt.Errorf("file sync error: %s", pathErr(syscall.ENOSPC)), ErrDiskFull},
		{"EDQUOT flattened", fmt.Errorf("mmap allocate error: %s", syscall.EDQUOT), ErrDiskFull},
		{"EIO", pathErr(syscall.EIO), ErrWriteFailed},
		{"EROFS", pathErr(syscall.EROFS), ErrWriteFailed},
		{"ENOMEM of a mapping", fmt.Errorf("mmap allocate error: %s", syscall.ENOMEM), ErrWriteFailed},
		{"anything else", errors.New("bbolt: something"), ErrWriteFailed},
	} {
		if got := writeErrorKind(tc.err); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
