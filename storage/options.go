package storage

import (
	"fmt"
	"time"
)

// Group commit defaults. A commit (one bbolt write transaction) happens when
// DefaultBatchPackets packets are pending or when DefaultBatchInterval has
// passed since the oldest pending packet was appended, whichever comes first.
//
// 100 ms bounds what a crash loses to about three frames of a 30 fps camera
// and costs ten commits a second: with SyncEveryCommit that is ten rounds of
// bbolt's two fsyncs, which an SSD absorbs easily and an SD card still keeps
// up with. 30 packets bound the same loss, and the memory held, when many
// streams or a fast camera fill a batch before the interval ends.
const (
	DefaultBatchPackets  = 30
	DefaultBatchInterval = 100 * time.Millisecond
)

// maxBatchBytes commits a batch early once its records hold this many bytes,
// so that a batch of large raw pictures cannot pile up in memory.
const maxBatchBytes = 16 << 20

// lockTimeout is how long Open waits for bbolt's file lock: long enough to
// ride out a previous owner that is just closing, short enough that a second
// opener learns at once that the file is busy (ErrLocked).
const lockTimeout = 100 * time.Millisecond

// pageSize is the bbolt page size of new recordings (a file keeps the size
// it was created with). bbolt gives every B-tree node whole pages, so each
// chunk wastes on average half a page, and a file's fixed pages (two meta
// pages, the freelist, the root, a page per stream and the copies the last
// commit freed) cost eight pages for one stream. Both matter to a short
// recording: the 150-frame benchmark clip takes 1.10 times its payload on
// disk with 1 KiB pages, 1.26 with 4 KiB as H.264, and 1.04 against 1.21 as
// JPEG. 1 KiB is also the smallest size bbolt looks for when it must find
// the second meta page of a file whose first is damaged.
const pageSize = 1024

// SyncPolicy says when a commit reaches the disk.
type SyncPolicy uint8

const (
	// SyncEveryCommit fsyncs every group commit (bbolt's default: the data
	// pages, then the meta page). A crash of the process, of the operating
	// system or of the power loses at most the packets not yet committed:
	// those appended since the last commit (at most one batch). This is the
	// default.
	SyncEveryCommit SyncPolicy = iota

	// SyncNone never fsyncs (bbolt's NoSync and NoGrowSync): commits are
	// written to the operating system's page cache and reach the disk when the
	// kernel writes them back. A crash of the process alone still loses only
	// the packets not yet committed, since the kernel keeps what was written.
	// A crash of the operating system or a power loss can lose any number of
	// recent commits, and because the kernel may write pages back in any
	// order it can leave a file that Open rejects with ErrCorruptFile. Use it
	// for scratch recordings and benchmarks, or where the disk itself is
	// volatile.
	SyncNone
)

// String returns "every-commit" or "none".
func (s SyncPolicy) String() string {
	switch s {
	case SyncEveryCommit:
		return "every-commit"
	case SyncNone:
		return "none"
	}
	return fmt.Sprintf("sync(%d)", uint8(s))
}

// config is what the options set.
type config struct {
	readOnly      bool
	clock         func() time.Time
	batchPackets  int
	batchInterval time.Duration
	sync          SyncPolicy
	maxBytes      int64
	maxAge        time.Duration
	overwrite     bool // make room on a full disk from the oldest GOPs
	roomElsewhere func() bool
	// timeSteps: keyframes captured before their stream's latest packet
	// are stored, not refused (ErrTimeWentBack): Recover copies a file
	// as it was written.
	timeSteps bool
}

func defaultConfig() config {
	return config{
		clock:         time.Now,
		batchPackets:  DefaultBatchPackets,
		batchInterval: DefaultBatchInterval,
		sync:          SyncEveryCommit,
	}
}

// Option configures Open.
type Option func(*config) error

// keepingTimeSteps stores keyframes captured before their stream's latest
// packet (see config.timeSteps).
func keepingTimeSteps(c *config) error { c.timeSteps = true; return nil }

// WithReadOnly opens an existing recording for reading only. The file must
// exist; writes return ErrReadOnly. Several read-only openers may share a file,
// but none can open it while a writer has it (ErrLocked).
func WithReadOnly() Option {
	return func(c *config) error {
		c.readOnly = true
		return nil
	}
}

// WithClock sets the clock that stamps the recording's and the streams'
// creation, times the batch interval and dates retention by age. The default
// is time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrBadOption)
		}
		c.clock = now
		return nil
	}
}

// WithBatch sets group commit: a commit happens when packets packets are
// pending, or at the first Append after interval has passed since the oldest
// pending packet was appended. packets = 1 commits every packet; interval = 0
// leaves commits to the packet count and Flush. The defaults are
// DefaultBatchPackets and DefaultBatchInterval.
func WithBatch(packets int, interval time.Duration) Option {
	return func(c *config) error {
		if packets < 1 || interval < 0 {
			return fmt.Errorf("%w: batch of %d packets every %v", ErrBadOption, packets, interval)
		}
		c.batchPackets, c.batchInterval = packets, interval
		return nil
	}
}

// WithSync sets when commits are made durable (see SyncPolicy). The default is
// SyncEveryCommit.
func WithSync(policy SyncPolicy) Option {
	return func(c *config) error {
		if policy != SyncEveryCommit && policy != SyncNone {
			return fmt.Errorf("%w: sync policy %v", ErrBadOption, policy)
		}
		c.sync = policy
		return nil
	}
}

// WithOverwriteOldest makes a full disk cost the recording its oldest GOPs
// instead of its newest packets, as a loop recorder does: a commit that
// finds no room deletes the oldest GOPs of all streams (by their
// keyframes' capture times, never a stream's newest GOP) and is tried
// again in the room they leave in the file. Only when nothing is left to
// delete, or the deletion itself finds no room, is the batch dropped as
// without it (see WriteError). Overwritten tells what it deleted.
func WithOverwriteOldest() Option {
	return func(c *config) error {
		c.overwrite = true
		return nil
	}
}

// WithRoomElsewhere gives WithOverwriteOldest an older place to overwrite
// first: a commit that finds no room calls free, which deletes something
// older than the recording elsewhere on its disk (a split recording's
// oldest file) and reports whether it did; the commit is then tried again,
// and the recording deletes its own oldest GOPs only when free deleted
// nothing. free is called in the commit, with the recording locked: it
// must not call the recording.
func WithRoomElsewhere(free func() bool) Option {
	return func(c *config) error {
		if free == nil {
			return fmt.Errorf("%w: no function to make room", ErrBadOption)
		}
		c.roomElsewhere = free
		return nil
	}
}

// WithRetention bounds the recording. maxBytes bounds the payload bytes of all
// streams together; maxAge bounds how old (by the clock, against capture
// times) a stored GOP may be. 0 means unlimited. Retention runs with every
// commit and deletes whole GOPs, oldest first, never the newest GOP of a
// stream; see the package documentation.
func WithRetention(maxBytes int64, maxAge time.Duration) Option {
	return func(c *config) error {
		if maxBytes < 0 || maxAge < 0 {
			return fmt.Errorf("%w: retention of %d bytes and %v", ErrBadOption, maxBytes, maxAge)
		}
		c.maxBytes, c.maxAge = maxBytes, maxAge
		return nil
	}
}
