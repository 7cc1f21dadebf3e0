package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/gopline/gopline/media"
)

// Recording is one recording file: its streams and their packets. Open
// returns one; Close releases it.
//
// A Recording is safe for concurrent use: one goroutine (the recorder) may
// Append while others read through Cursors. Appends and Flush serialize on
// one lock, which a commit holds for its fsync; reads take no lock of the
// Recording and never wait for a commit.
type Recording struct {
	path string
	cfg  config
	db   *bolt.DB
	// file is bbolt's handle on the file, kept to report its size and to trim
	// it at Close.
	file    *os.File
	created time.Time
	version uint32 // the file's format version
	// opened is the clock's time at Open: the start of this writing session.
	opened time.Time

	closed atomic.Bool

	// durables are the durable caches open on the recording (durable.go).
	durableMu sync.Mutex
	durables  []*DurableCache

	mu           sync.Mutex // guards the fields below and serializes writes
	streams      map[string]*streamState
	pending      []pendingPacket
	pendingBytes int
	pendingSince time.Time // when the oldest pending packet was appended
	// failing is set while commits fail (fault.go); lost counts the packets
	// dropped so since Open; kept is what the file holds as of the last
	// commit that succeeded; overwritten is what a full disk cost the
	// oldest GOPs since Open (WithOverwriteOldest).
	failing     *failure
	lost        int64
	kept        kept
	overwritten struct{ gops, bytes int64 }
}

// streamState is what a writer keeps in memory about a stream.
type streamState struct {
	info StreamInfo
	// width and height are the picture size of every packet of the stream:
	// info's, or when info has none, that of its first packet (the last
	// stored one when the file is opened again); 0 until known.
	width, height int
	next          uint64 // index of the next appended packet
	// chain is what the next packet must continue (media.Chain).
	chain media.Chain
	// latest is the latest capture time of the stream's packets, in Unix
	// nanoseconds (0: none yet), against which a keyframe's is checked
	// (ErrTimeWentBack).
	latest           int64
	sessionSegmented bool // this session's segment entry is written or pending
}

// Open opens the recording at path, creating it when no file exists there
// or the file there is empty (unless WithReadOnly is given). A creation that
// fails, on a full disk say, removes the file it made. See the package
// documentation for what Open checks and the errors it returns; every error
// names the file.
func Open(path string, opts ...Option) (*Recording, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return nil, fmt.Errorf("%w: %s is a directory", ErrNotRecording, path)
	case err == nil && !fi.Mode().IsRegular():
		return nil, checkFileType(path, fi.Mode(), !cfg.readOnly)
	case err == nil && fi.Size() == 0 && cfg.readOnly:
		return nil, fmt.Errorf("%w: %w: %s is an empty file: nothing was ever recorded in it (a creation cut short, on a full disk say, leaves one; opening it for writing starts a recording in it)",
			ErrNotRecording, ErrNeverWritten, path)
	case err != nil && (cfg.readOnly || !errors.Is(err, fs.ErrNotExist)):
		return nil, fmt.Errorf("storage: open recording: %w", err)
	case !cfg.readOnly && (err != nil || fi.Size() == 0):
		if err := CheckName(path); err != nil {
			return nil, err // a new recording named as a video
		}
	}
	r := &Recording{path: path, cfg: cfg, streams: make(map[string]*streamState), opened: cfg.clock()}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

// Path returns the file's path as given to Open.
func (r *Recording) Path() string { return r.path }

// Created returns when the recording was created, by the clock of the
// process that created it.
func (r *Recording) Created() time.Time { return r.created }

// Close closes the recording's durable caches (writing what they have
// queued), commits the pending packets, trims the file's unused tail and
// closes the file. It returns the errors of the caches and of the last
// commit, if any; the file is closed either way. Cursors of a closed
// Recording return ErrClosed. Calling Close again does nothing and returns
// nil.
func (r *Recording) Close() error {
	r.durableMu.Lock()
	durables := r.durables
	r.durables = nil
	r.durableMu.Unlock()
	var cacheErrs []error
	for _, d := range durables {
		cacheErrs = append(cacheErrs, d.Close())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		return nil
	}
	errs := cacheErrs
	if !r.cfg.readOnly {
		errs = append(errs, r.commitLocked())
		if r.failing == nil || !r.failing.reopen {
			errs = append(errs, r.trimLocked())
		}
	}
	r.closed.Store(true)
	if err := r.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("storage: %s: close: %w", r.path, err))
	}
	return errors.Join(errs...)
}

// trimLocked cuts the file to the pages bbolt uses. bbolt grows a file ahead
// of its data, to the next power of two below 16 MiB and by 16 MiB steps
// above; for a short recording that slack can double the file. The lock on
// the file is still held, and bbolt never reads past its high-water mark, so
// the cut is safe; the next writer grows the file again. A system that
// cannot truncate a mapped file (Windows) keeps the slack: the trim only
// saves space, so its failure is not an error.
func (r *Recording) trimLocked() error {
	var size int64
	if err := r.view(func(tx *bolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		return fmt.Errorf("storage: %s: trim: %w", r.path, err)
	}
	fi, err := r.file.Stat()
	if err != nil {
		return fmt.Errorf("storage: %s: trim: %w", r.path, err)
	}
	if fi.Size() > size {
		_ = r.file.Truncate(size)
	}
	return nil
}

// CreateStream adds a stream to the recording and commits it at once. A zero
// info.Created is set to the recording's clock.
func (r *Recording) CreateStream(info StreamInfo) error {
	if err := info.validate(); err != nil {
		return fmt.Errorf("%w (%s)", err, r.path)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.writableLocked(); err != nil {
		return err
	}
	if _, ok := r.streams[info.Name]; ok {
		return r.errorf(ErrStreamExists, "stream %q", info.Name)
	}
	if info.Created.IsZero() {
		info.Created = r.cfg.clock()
	}
	enc, err := encodeStreamInfo(info)
	if err != nil {
		return fmt.Errorf("storage: %s: stream %q: %w", r.path, info.Name, err)
	}
	err = r.update(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucket(streamKey(info.Name))
		if err != nil {
			return err
		}
		if err := root.Put([]byte(keyInfo), enc); err != nil {
			return err
		}
		if err := root.Put([]byte(keyCounters), streamCounters{}.encode()); err != nil {
			return err
		}
		for _, name := range []string{bucketKeys, bucketGOPs, bucketSegments} {
			if _, err := root.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: %s: create stream %q: %w", writeErrorKind(err), r.path, info.Name, err)
	}
	r.streams[info.Name] = &streamState{info: info, width: info.Width, height: info.Height}
	return nil
}

// Streams returns the recording's streams, sorted by name.
func (r *Recording) Streams() ([]StreamInfo, error) {
	var infos []StreamInfo
	err := r.view(func(tx *bolt.Tx) error {
		return forEachStream(tx, func(name string, b *bolt.Bucket) error {
			if b == nil {
				return nil // not a stream
			}
			info, err := decodeStreamInfo(b.Get([]byte(keyInfo)))
			if err != nil {
				return r.errorf(ErrCorruptFile, "stream %q: info: %v", name, err)
			}
			infos = append(infos, info)
			return nil
		})
	})
	return infos, err
}

// writableLocked returns ErrClosed or ErrReadOnly when writes are not allowed.
func (r *Recording) writableLocked() error {
	switch {
	case r.closed.Load():
		return r.errorf(ErrClosed, "")
	case r.cfg.readOnly:
		return r.errorf(ErrReadOnly, "")
	}
	return nil
}

// view runs fn in a read transaction, guarded against bbolt's panics on a
// damaged page. fn builds its errors with errorf, so that they name the
// file.
func (r *Recording) view(fn func(tx *bolt.Tx) error) error {
	if r.closed.Load() {
		return r.errorf(ErrClosed, "")
	}
	err := guard(r.path, func() error { return r.db.View(fn) })
	switch {
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return r.errorf(ErrClosed, "")
	case errors.Is(err, berrors.ErrInvalidMapping):
		return fmt.Errorf("%w: %s: a commit failed to map the grown file, and bbolt lost its mapping; "+
			"the committed packets are safe in the file: close the recording and open it again (%w)", ErrWriteFailed, r.path, err)
	}
	return err
}

// update runs fn in a write transaction, guarded like view. bbolt rolls the
// transaction back when fn panics.
func (r *Recording) update(fn func(tx *bolt.Tx) error) error {
	return guard(r.path, func() error { return r.db.Update(fn) })
}

// errorf returns an error that wraps sentinel and names the file, then what
// format says.
func (r *Recording) errorf(sentinel error, format string, args ...any) error {
	if format == "" {
		return fmt.Errorf("%w: %s", sentinel, r.path)
	}
	return fmt.Errorf("%w: %s: %s", sentinel, r.path, fmt.Sprintf(format, args...))
}
