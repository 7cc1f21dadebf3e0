package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
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

// A write that the process's file size limit stopped (EFBIG, as bbolt
// reports it too) says that limit, not the disk's room, is reached; a
// full disk does not.
func TestAWriteErrorOfTheFileSizeLimitSaysSo(t *testing.T) {
	const limit = "its file size limit, ulimit -f, is reached"
	for _, tc := range []struct {
		cause error
		says  bool
	}{
		{&fs.PathError{Op: "write", Path: "/r.gopline", Err: syscall.EFBIG}, true},
		{fmt.Errorf("file resize error: %s", &fs.PathError{Op: "truncate", Path: "/r.gopline", Err: syscall.EFBIG}), true},
		{&fs.PathError{Op: "write", Path: "/r.gopline", Err: syscall.ENOSPC}, false},
	} {
		e := &WriteError{Path: "/r.gopline", Kind: writeErrorKind(tc.cause), Err: tc.cause, First: true}
		if got := strings.Contains(e.Error(), limit); got != tc.says {
			t.Errorf("%v: %q; want the limit said: %v", tc.cause, e.Error(), tc.says)
		}
	}
}

// The failure's bookkeeping alone, without a file system to fill (the tests
// in diskfull_test.go fill a real one where they may mount it).
func TestAFailureDropsUntilAKeyframeAfterTheRetryTimeAndCountsWhatItDrops(t *testing.T) {
	r := &Recording{path: "/r.gopline", kept: kept{packets: 40, bytes: 4000}}
	st := &streamState{chain: media.ChainAfter(1, 0, 3)}
	delta := &media.Packet{Epoch: 1, GOP: 0, Seq: 4}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := r.waitingLocked(st, false, t0); err != nil || !st.chain.Check(delta).Decodes() {
		t.Fatalf("writing well: %v, or the chain broke", err)
	}
	cause := &fs.PathError{Op: "write", Path: "/r.gopline", Err: syscall.ENOSPC}
	first := r.failLocked(cause, 5, t0, false)
	if !first.First || first.Dropped != 5 || first.Lost != 5 || first.Kept != 40 || first.KeptBytes != 4000 ||
		!first.Since.Equal(t0) || !first.Retry.Equal(t0.Add(RetryInterval)) || !errors.Is(first, ErrDiskFull) || !errors.Is(first, syscall.ENOSPC) {
		t.Fatalf("the first error: %+v", first)
	}
	for i, tc := range []struct {
		at   time.Duration
		key  bool
		drop bool
	}{
		{0, true, true},                  // a keyframe before the retry time
		{RetryInterval / 2, false, true}, // a delta
		{RetryInterval, false, true},     // a delta at the retry time: it needs a keyframe
		{RetryInterval, true, false},     // the keyframe that tries again
	} {
		err := r.waitingLocked(st, tc.key, t0.Add(tc.at))
		if (err != nil) != tc.drop {
			t.Fatalf("packet %d: %v, want dropped %v", i, err, tc.drop)
		}
		var werr *WriteError
		if tc.drop && (!errors.As(err, &werr) || werr.First || werr.Dropped != 1 || werr.Lost != int64(5+i+1)) {
			t.Fatalf("packet %d: %+v", i, werr)
		}
	}
	if r.lost != 8 {
		t.Fatalf("Lost: %d, want 8", r.lost)
	}
	if st.chain.Check(delta).Decodes() {
		t.Fatal("a dropped packet left its stream's chain whole: the next delta would not decode")
	}
	again := r.failLocked(cause, 1, t0.Add(RetryInterval), false)
	if again.First || again.Lost != 9 || !again.Retry.Equal(t0.Add(2*RetryInterval)) {
		t.Fatalf("a failed try: %+v", again)
	}
	stuck := r.failLocked(errors.New("mmap allocate error: cannot allocate memory"), 1, t0.Add(2*RetryInterval), true)
	if !stuck.Retry.IsZero() || !errors.Is(stuck, ErrWriteFailed) || r.waitingLocked(st, true, t0.Add(time.Hour)) == nil {
		t.Fatalf("a failure that cannot pass: %+v", stuck)
	}
}
