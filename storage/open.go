package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/gopline/gopline/media"
)

// open opens the bbolt file and loads or creates gopline's metadata. When
// it made the file and fails, it removes the file: a creation that a full
// disk cuts short leaves nothing in the way of the next one.
func (r *Recording) open() error {
	var file *os.File
	var made os.FileInfo // the file, when this open created it
	opts := r.boltOptions(func(name string, flag int, perm os.FileMode) (*os.File, error) {
		var err error
		file, made, err = openFile(name, flag, perm)
		return file, err
	})
	err := guard(r.path, func() error {
		db, err := bolt.Open(r.path, 0o644, opts)
		if err != nil {
			return r.boltOpenError(err)
		}
		r.db = db
		return nil
	})
	if err != nil {
		if r.db == nil && file != nil && errors.Is(err, ErrCorruptFile) {
			// bbolt panicked half-way through Open and kept its file: unlock
			// and close it. Its mapping of the file, if it made one, stays
			// until the process exits.
			releaseLock(file)
			_ = file.Close()
			return r.diagnose(err) // which names recover
		}
		return r.removeMade(made, err)
	}
	r.file = file
	fresh := false
	err = r.view(func(tx *bolt.Tx) error { return r.load(tx, &fresh) })
	switch {
	case err != nil:
	case fresh && r.cfg.readOnly:
		err = fmt.Errorf("%w: %w: %s: a bbolt file with no buckets, as a recording cut before its first write leaves: it holds no packet",
			ErrNotRecording, ErrNeverWritten, r.path)
	case fresh:
		err = r.initialize()
	case !r.cfg.readOnly && r.version < formatVersion:
		err = r.upgradeFormat()
	}
	if err != nil {
		err = r.removeMade(made, err) // while the lock is held
		_ = r.db.Close()
		return err
	}
	return nil
}

// boltOptions returns the options of bolt.Open, which opens the file with
// openFile.
func (r *Recording) boltOptions(openFile func(string, int, os.FileMode) (*os.File, error)) *bolt.Options {
	return &bolt.Options{
		Timeout:      lockTimeout,
		ReadOnly:     r.cfg.readOnly,
		NoSync:       r.cfg.sync == SyncNone,
		NoGrowSync:   r.cfg.sync == SyncNone,
		FreelistType: bolt.FreelistMapType,
		PageSize:     pageSize,
		OpenFile:     openFile,
	}
}

// openFile opens the file at name as bbolt asks (flag), and returns its
// FileInfo as made when the flag lets it create the file and it did.
func openFile(name string, flag int, perm os.FileMode) (f *os.File, made os.FileInfo, err error) {
	if flag&os.O_CREATE != 0 {
		f, err = os.OpenFile(name, flag|os.O_EXCL, perm)
		if err == nil {
			made, _ = f.Stat()
			return f, made, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, nil, err
		}
	}
	f, err = os.OpenFile(name, flag, perm)
	return f, nil, err
}

// removeMade removes the file at the recording's path when it is made, the
// file that this Open created, and returns failed, the error that ends the
// Open. A file locked by another opener is theirs, and is left.
func (r *Recording) removeMade(made os.FileInfo, failed error) error {
	if made == nil || errors.Is(failed, ErrLocked) {
		return failed
	}
	if fi, err := os.Stat(r.path); err != nil || !os.SameFile(fi, made) {
		return failed
	}
	if err := os.Remove(r.path); err != nil {
		return fmt.Errorf("%w; the file it made is left: %v", failed, err)
	}
	return failed
}

// guard runs f, a bbolt call, and turns a panic into an error wrapping
// ErrCorruptFile. bbolt trusts the pages of its file (it checksums only the
// meta pages): a damaged page makes it panic, or read outside the mapping of
// the file, which debug.SetPanicOnFault turns into a panic of this
// goroutine. Open and every transaction of this package run in guard.
func guard(path string, f func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: %s: bbolt failed reading it: %v; %s", ErrCorruptFile, path, v, recoverHint(path))
		}
	}()
	return f()
}

// diagnose looks, read-only, for the likely cause of a panic in bolt.Open,
// a truncated file, and returns a clearer error than the panic when it finds
// one. A read-only bbolt reads no page at Open (a writer reads its freelist),
// so it can compare the file's size with the meta page's safely.
func (r *Recording) diagnose(panicked error) error {
	var truncated error
	_ = guard(r.path, func() error {
		db, err := bolt.Open(r.path, 0o644, &bolt.Options{ReadOnly: true, Timeout: lockTimeout})
		if err != nil {
			return err
		}
		defer db.Close()
		return db.View(func(tx *bolt.Tx) error {
			fi, err := os.Stat(r.path)
			if err == nil {
				truncated = r.checkSize(fi.Size(), tx.Size())
			}
			return nil
		})
	})
	if truncated != nil {
		return truncated
	}
	return panicked
}

// checkSize returns an error wrapping ErrCorruptFile when the file is
// shorter than the pages its meta page counts.
func (r *Recording) checkSize(size, need int64) error {
	if size < need {
		return r.errorf(ErrCorruptFile, "truncated: %d bytes, its pages need %d; %s", size, need, recoverHint(r.path))
	}
	return nil
}

// boltOpenError names the file in an error of bolt.Open and maps it to this
// package's sentinels.
func (r *Recording) boltOpenError(err error) error {
	var pathErr *fs.PathError
	if errors.Is(err, berrors.ErrTimeout) {
		if r.cfg.readOnly {
			// Readers share the lock: a writer holds it, and may for
			// hours. What it has committed is readable through a copy.
			return r.errorf(ErrLocked, "a recorder is writing it (bbolt's file lock is held); %s", liveCopyHint(r.path))
		}
		return r.errorf(ErrLocked, "bbolt's file lock is held")
	}
	if kind, size, serr := SniffFile(r.path); serr == nil {
		if err := r.sniffedError(kind, size, err); err != nil {
			return err
		}
	}
	switch {
	case errors.Is(err, berrors.ErrInvalid):
		return r.errorf(ErrNotRecording, "not a bbolt file (or both its meta pages are damaged)")
	case errors.As(err, &pathErr) && writeErrorKind(err) == ErrDiskFull:
		// Making the file's first pages found no room: the disk is full,
		// which a recorder counts as it counts a failed commit.
		return fmt.Errorf("%w: %s: %w", ErrDiskFull, r.path, err)
	case errors.As(err, &pathErr):
		return fmt.Errorf("storage: open recording: %w", err)
	}
	return r.errorf(ErrCorruptFile, "%v; %s", err, recoverHint(r.path))
}

// mcapMagic opens every MCAP file.
const mcapMagic = "\x89MCAP0\r\n"

// sniffedError is the error of a file that bolt.Open refused (failed) when
// its first bytes say more than bbolt's error: another format's file (an
// MP4, an MCAP), or a file too short to hold bbolt's two meta pages, a
// recording's first pages cut short or another file. It is nil when they
// say nothing more. size is the file's.
func (r *Recording) sniffedError(kind FileKind, size int64, failed error) error {
	switch {
	case kind.IsBag():
		stem, _ := SplitBagName(r.path)
		return fmt.Errorf("%w: %w: %s: this is %s: gopline reads its own .gopline recordings (gopline import %s --out %s makes one of its pictures)",
			ErrNotRecording, ErrOtherFormat, r.path, kind, r.path, stem+".gopline")
	case kind.IsVideo():
		return fmt.Errorf("%w: %w: %s: this is %s, which gopline reads with videosrc location=%s, not a recording",
			ErrNotRecording, ErrOtherFormat, r.path, kind, r.path)
	case kind.IsOther():
		return fmt.Errorf("%w: %w: %s: this is %s, not a recording", ErrNotRecording, ErrOtherFormat, r.path, kind)
	case kind == KindBolt && size < 2*pageSize:
		return r.errorf(ErrCorruptFile, "truncated: %d bytes, fewer than its first two pages (%d bytes): nothing in it can be read (a copy cut short? copy it again)",
			size, 2*pageSize)
	case size < 2*pageSize && errors.Is(failed, berrors.ErrInvalid):
		return r.errorf(ErrNotRecording, "%d bytes, fewer than a recording's first two pages (%d bytes): another file, or a recording cut short before its end",
			size, 2*pageSize)
	}
	return nil
}

// load checks a bbolt file's gopline metadata and loads the streams' state.
// It sets *fresh for a file with no buckets at all: one just created, or one
// whose creation was cut short before its first commit.
func (r *Recording) load(tx *bolt.Tx, fresh *bool) error {
	fi, err := r.file.Stat()
	if err != nil {
		return fmt.Errorf("storage: %s: %w", r.path, err)
	}
	if err := r.checkSize(fi.Size(), tx.Size()); err != nil {
		return err
	}
	if k, _ := tx.Cursor().First(); k == nil {
		*fresh = true
		return nil
	}
	meta := tx.Bucket([]byte(bucketMeta))
	if meta == nil || string(meta.Get([]byte(keyMagic))) != magic {
		return r.errorf(ErrNotRecording, "a bbolt file without gopline's meta bucket")
	}
	r.version, r.created, err = checkMeta(r.path, meta.Get([]byte(keyVersion)), meta.Get([]byte(keyCreated)))
	if err != nil {
		return err
	}
	err = forEachStream(tx, func(name string, b *bolt.Bucket) error {
		if b == nil {
			return r.errorf(ErrCorruptFile, "stray key %q among the streams", name)
		}
		st, err := loadStream(tx, name)
		if err != nil {
			return r.errorf(ErrCorruptFile, "stream %q: %v", name, err)
		}
		r.streams[st.info.Name] = st
		return nil
	})
	if err != nil {
		return err
	}
	r.kept, err = r.countKept(tx)
	return err
}

// loadStream reads a stream's info and where its packets end. A delta may
// continue the last stored packet's chain: a recorder that restarts while its
// encoder keeps running loses nothing but the packets it missed.
func loadStream(tx *bolt.Tx, name string) (*streamState, error) {
	sb, ok := openStreamBuckets(tx, name)
	if !ok {
		return nil, errors.New("missing buckets")
	}
	info, err := decodeStreamInfo(sb.root.Get([]byte(keyInfo)))
	if err != nil {
		return nil, fmt.Errorf("info: %w", err)
	}
	if info.Name != name {
		return nil, fmt.Errorf("info names stream %q", info.Name)
	}
	if _, err := sb.counters(); err != nil {
		return nil, err
	}
	st := &streamState{info: info, width: info.Width, height: info.Height}
	last, ok, err := newChunkCursor(sb.root).last()
	if err != nil || !ok {
		return st, err
	}
	s := summarizeChunk(last.b)
	if st.width == 0 && s.readable {
		st.width, st.height = s.last.width, s.last.height
	}
	if s.readable {
		st.latest = s.latest
	}
	st.next = last.first + uint64(s.records)
	if s.broken {
		// The chunk's framing breaks after s.records records: readers
		// report the next index as lost, so the stream goes on after it.
		st.next++
	}
	if s.tail {
		st.chain = media.ChainAfter(s.last.epoch, s.last.gop, s.last.seq)
	}
	return st, nil
}

// upgradeFormat raises the format version of a file opened for writing to
// formatVersion, in a transaction of its own before any Append: the records
// this gopline writes are of a version that older ones do not read, and a
// file that holds some must say so. Reading needs no upgrade: this gopline
// reads the records of every version it opens.
func (r *Recording) upgradeFormat() error {
	err := r.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte(bucketMeta))
		return meta.Put([]byte(keyVersion), binary.BigEndian.AppendUint32(nil, formatVersion))
	})
	if err != nil {
		return fmt.Errorf("storage: %s: raise format version %d to %d: %w", r.path, r.version, formatVersion, err)
	}
	r.version = formatVersion
	return nil
}

// initialize writes the metadata of a new recording.
func (r *Recording) initialize() error {
	r.created, r.version = r.cfg.clock(), formatVersion
	err := r.update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
		if err != nil {
			return err
		}
		for _, kv := range [][2][]byte{
			{[]byte(keyMagic), []byte(magic)},
			{[]byte(keyVersion), binary.BigEndian.AppendUint32(nil, formatVersion)},
			{[]byte(keyCreated), nanosValue(r.created.UnixNano())},
		} {
			if err := meta.Put(kv[0], kv[1]); err != nil {
				return err
			}
		}
		_, err = tx.CreateBucketIfNotExists([]byte(bucketQoSCache))
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: %s: create: %w", r.path, err)
	}
	return nil
}

// liveCopyHint ends the error of a read-only Open of a recording being
// written: the command that copies what the writer has committed so far
// into a new recording beside it, which opens (Recover reads the pages
// without the lock).
func liveCopyHint(path string) string {
	ext := filepath.Ext(path)
	if ext == "" {
		ext = ".gopline"
	}
	snapshot := strings.TrimSuffix(path, filepath.Ext(path)) + "-snapshot" + ext
	return "to read what it has recorded so far, gopline recover " + shellWord(path) + " --out " + shellWord(snapshot) + " copies it into a new recording"
}
