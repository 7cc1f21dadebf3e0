package storage

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// RetryInterval is how long a Recording whose commit failed drops packets
// before it tries to write again (see WriteError). A full disk is freed by
// people, log rotation or another recorder's retention, on a scale of
// seconds; trying once a second finds the space soon after it returns and
// costs one failed write a second while it does not, where trying at every
// packet would turn a quiet failure into a busy one.
const RetryInterval = time.Second

// WriteError is the error of an Append, Flush or Close that could not write
// packets to the file, and of every Append while the recording waits to try
// again. It wraps its Kind, ErrDiskFull or ErrWriteFailed, and its cause:
//
//	var werr *storage.WriteError
//	if errors.As(err, &werr) && werr.First {
//		log.Warn().Err(err).Msg("recording stopped writing") // once per failure
//	}
//	if errors.Is(err, storage.ErrDiskFull) { ... }
//
// A failed commit drops its whole batch, and the file keeps what earlier
// commits wrote: it stays readable, and opens and exports as if the process
// had stopped before the failed commit. The Recording then drops the packets
// appended during the next RetryInterval, each with a WriteError, and tries
// again with the first keyframe after it (each stream needs one to go on);
// the first commit that succeeds ends the failure, and Append returns nil
// again. Lost counts every packet dropped so. A failure that cannot pass by
// itself (bbolt lost its mapping of the file) has a zero Retry: every later
// write returns it, until the recording is closed and opened again.
//
// A WriteError is a value that the Recording made for this call: the caller
// may keep it.
type WriteError struct {
	// Path is the recording's file.
	Path string
	// Kind is ErrDiskFull or ErrWriteFailed.
	Kind error
	// Err is the cause, as the system or bbolt reported it.
	Err error
	// Dropped is the number of packets this call dropped: a failed commit's
	// batch, or the one packet that Append refused while waiting.
	Dropped int
	// Lost is the number of packets dropped since writes began failing,
	// this call's included.
	Lost int64
	// Kept and KeptBytes are the packets the file holds, and their data
	// bytes, as of the last commit that succeeded (all streams).
	Kept, KeptBytes int64
	// Since is when writes began failing, by the Recording's clock.
	Since time.Time
	// Retry is when the Recording tries to write again (with each stream's
	// next keyframe), or zero when it never does.
	Retry time.Time
	// First is true for the call whose commit began the failure: the one to
	// report. Later calls of the same failure have it false.
	First bool
}

// Error says what failed, what was lost and kept, and when writing resumes.
func (e *WriteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v: %s: ", e.Kind, e.Path)
	if e.First {
		fmt.Fprintf(&b, "a commit of %d packets failed; they are dropped", e.Dropped)
	} else {
		fmt.Fprintf(&b, "%d packets dropped while writes fail; %d lost since %s", e.Dropped, e.Lost, e.Since.Format(time.TimeOnly))
	}
	fmt.Fprintf(&b, "; the file keeps the %d packets (%d bytes) committed before", e.Kept, e.KeptBytes)
	if e.Retry.IsZero() {
		b.WriteString("; the recording takes no more packets until it is opened again")
	} else {
		fmt.Fprintf(&b, "; writing resumes at a keyframe after %s", e.Retry.Format(time.TimeOnly))
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if fileSizeLimit(e.Err) {
		// Not a full disk: the process may write no larger file.
		b.WriteString(" (the file is as large as this process may write: its file size limit, ulimit -f, is reached, not the disk's room)")
	}
	return b.String()
}

// fileSizeLimit reports whether err, a failed write's, is EFBIG: the file
// reached the largest size the process may write. bbolt formats it into
// its own error with %s ("file resize error: file too large"), so its
// text is looked for too.
func fileSizeLimit(err error) bool {
	return err != nil && (errors.Is(err, syscall.EFBIG) || strings.Contains(err.Error(), syscall.EFBIG.Error()))
}

// Unwrap returns the error's kind and its cause.
func (e *WriteError) Unwrap() []error { return []error{e.Kind, e.Err} }

// spaceErrors are the errors of a write that found no room: a full file
// system, a spent quota, a file at the size limit of the process.
var spaceErrors = []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EFBIG}

// writeErrorKind returns ErrDiskFull when err, a failed commit's, says the
// file found no room, and ErrWriteFailed otherwise. bbolt formats some of
// the system's errors into its own with %s (growing the file: "file resize
// error: file too large"), which unwraps to nothing, so the system's text
// is looked for too.
func writeErrorKind(err error) error {
	for _, errno := range spaceErrors {
		if errors.Is(err, errno) || strings.Contains(err.Error(), errno.Error()) {
			return ErrDiskFull
		}
	}
	return ErrWriteFailed
}

// failure is the state of a Recording whose writes fail.
type failure struct {
	cause   error
	kind    error
	since   time.Time
	retry   time.Time // zero: never
	lost    int64
	reopen  bool // the failure cannot pass: the recording must be opened again
	noticed bool // First was reported
}

// kept is what the file holds as of the last commit that succeeded.
type kept struct{ packets, bytes int64 }

// failLocked records a failed commit that dropped n packets, and returns its
// error. unmapped says that bbolt lost its mapping of the file, which no
// retry brings back.
func (r *Recording) failLocked(cause error, n int, now time.Time, unmapped bool) *WriteError {
	f := r.failing
	if f == nil {
		f = &failure{since: now}
		r.failing = f
	}
	f.cause, f.kind = cause, writeErrorKind(cause)
	f.reopen = f.reopen || unmapped
	if f.reopen {
		f.kind = ErrWriteFailed
	}
	f.retry = now.Add(RetryInterval)
	return r.dropLocked(n)
}

// dropLocked counts n packets dropped while writes fail and returns the
// error that says so.
func (r *Recording) dropLocked(n int) *WriteError {
	f := r.failing
	f.lost += int64(n)
	r.lost += int64(n)
	e := &WriteError{
		Path: r.path, Kind: f.kind, Err: f.cause, Dropped: n, Lost: f.lost,
		Kept: r.kept.packets, KeptBytes: r.kept.bytes, Since: f.since, First: !f.noticed,
	}
	if !f.reopen {
		e.Retry = f.retry
	}
	f.noticed = true
	return e
}

// waitingLocked returns the error of a packet p of st that Append drops
// while writes fail, or nil when p may be written: writes succeed, or the
// retry time has come and p is a keyframe, which tries them again. A
// dropped packet breaks its stream's chain: the stream goes on at a
// keyframe.
func (r *Recording) waitingLocked(st *streamState, key bool, now time.Time) error {
	f := r.failing
	if f == nil || (!f.reopen && key && !now.Before(f.retry)) {
		return nil
	}
	st.chain.Break()
	return r.dropLocked(1)
}

// Lost returns the number of packets that failed writes dropped since the
// recording was opened (see WriteError): what a recorder reports, and why
// it exits non-zero.
func (r *Recording) Lost() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost
}

// unmapped reports whether bbolt lost its mapping of the file, which it does
// when a commit that grows the file fails to map it again: every
// transaction then fails with ErrInvalidMapping.
func (r *Recording) unmapped() bool {
	return errors.Is(r.db.View(func(*bolt.Tx) error { return nil }), berrors.ErrInvalidMapping)
}

// countKept sums the packets and data bytes of every stream in tx.
func (r *Recording) countKept(tx *bolt.Tx) (kept, error) {
	var k kept
	for name := range r.streams {
		sb, ok := openStreamBuckets(tx, name)
		if !ok {
			return kept{}, r.errorf(ErrCorruptFile, "stream %q: missing buckets", name)
		}
		c, err := sb.counters()
		if err != nil {
			return kept{}, r.errorf(ErrCorruptFile, "stream %q: %v", name, err)
		}
		k.packets += c.packets
		k.bytes += c.payload
	}
	return k, nil
}
