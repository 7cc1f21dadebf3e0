package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Snapshot is what Peek read of a recording: its streams as of one commit.
// It is a plain value that holds no file.
type Snapshot struct {
	// Path is the recording's file.
	Path string
	// Created is the recording's creation time.
	Created time.Time
	// TxID is bbolt's number of the commit the figures are as of: a
	// writer's commits number on from it.
	TxID uint64
	// Modified is the file's modification time when it was read: the time
	// of that commit, or a little later when the writer had begun the
	// next one.
	Modified time.Time
	// FileBytes is the file's size when it was read.
	FileBytes int64
	// Streams are the recording's streams, in the order of their names.
	Streams []SnapshotStream
	// Total is the statistics of all streams together, as RecordingStats.
	Total Stats
}

// SnapshotStream is one stream of a Snapshot.
type SnapshotStream struct {
	Info  StreamInfo
	Stats Stats
}

// Peek reads the streams and statistics of the recording at path without
// opening it, as of its last commit, while a writer in this process or
// another has it open (Open returns ErrLocked then). It reads the file
// directly, taking no lock and making no mapping, and only what Stats and
// RecordingStats read: the meta bucket, each stream's info and counters,
// and its first and last chunks.
//
// A writer does not know of such a reader: bbolt reuses the pages that a
// commit frees from the commit after next on. Peek therefore reads the
// newest valid meta page, follows the trees of the state it describes, and
// reads the meta pages again: when a commit happened meanwhile it starts
// over (up to peekTries times), and when none did, every page it read
// belonged to that state, since a commit writes its pages into pages free
// in the state before it and only then its meta page. A file written
// faster than that returns an error wrapping ErrLocked.
//
// A file that is not a recording, is truncated or damaged returns the
// errors that Open returns for it (ErrNotRecording, ErrCorruptFile,
// ErrNewerVersion, ErrOlderVersion). Peek never writes to the file.
func Peek(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("storage: peek recording: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("storage: peek recording: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s: not a regular file", ErrNotRecording, path)
	}
	for range peekTries {
		s, consistent, err := peekOnce(f, path)
		if consistent {
			return s, err
		}
		time.Sleep(peekPause)
	}
	return nil, fmt.Errorf("%w: %s: the recording is being written too fast to read a consistent view; try again", ErrLocked, path)
}

// peekTries and peekPause bound Peek's attempts: a recorder commits every
// 100 ms or so, and reading a recording's summary takes a few page reads,
// so the first or the second try reads between two commits.
const (
	peekTries = 20
	peekPause = 10 * time.Millisecond
)

// peekOnce reads the state that the newest valid meta page describes.
// consistent is false when a commit happened while it read: its result and
// its error are then those of pages that may have been rewritten.
func peekOnce(f *os.File, path string) (s *Snapshot, consistent bool, err error) {
	before, err := newestMeta(f, path)
	if err != nil {
		return nil, true, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, true, fmt.Errorf("storage: peek recording: %w", err)
	}
	s, err = readSnapshot(f, path, before, fi.Size())
	after, metaErr := newestMeta(f, path)
	if metaErr != nil || after.txid != before.txid {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	s.Modified = fi.ModTime()
	return s, true, nil
}

// newestMeta returns the newest valid meta page of the file.
func newestMeta(r io.ReaderAt, path string) (boltMeta, error) {
	var newest boltMeta
	found, damaged := false, false
	head := make([]byte, boltPageHeaderSize+boltMetaSize)
	// The first meta page says the page size, and so where the second lies;
	// when it is damaged, the second is sought at each page size.
	for at := int64(0); at <= maxBoltPageSize; at = max(at*2, minBoltPageSize) {
		if found && at != int64(newest.pageSize) {
			continue
		}
		n, err := r.ReadAt(head, at)
		if n < len(head) {
			if err != nil && !errors.Is(err, io.EOF) {
				return boltMeta{}, fmt.Errorf("storage: peek recording: %w", err)
			}
			break
		}
		m, ok := parseBoltMeta(head)
		if !ok || (at != 0 && int64(m.pageSize) != at) {
			p, _ := readBoltPage(head)
			damaged = damaged || (p.flags == boltMetaPage && le.Uint32(head[boltPageHeaderSize:]) == boltMagic)
			continue
		}
		if !found || m.txid > newest.txid {
			newest = m
		}
		if found = true; at != 0 {
			break
		}
	}
	switch {
	case !found && damaged:
		return boltMeta{}, fmt.Errorf("%w: %s: both of bbolt's meta pages are damaged; %s", ErrCorruptFile, path, recoverHint(path))
	case !found:
		return boltMeta{}, fmt.Errorf("%w: %s: not a bbolt file (or both its meta pages are damaged)", ErrNotRecording, path)
	}
	return newest, nil
}

// readSnapshot reads the recording's meta bucket and streams in the state
// that meta m describes, from a file of size bytes.
func readSnapshot(r io.ReaderAt, path string, m boltMeta, size int64) (*Snapshot, error) {
	if need := int64(m.pages) * int64(m.pageSize); m.pages > uint64(size) || size < need {
		return nil, fmt.Errorf("%w: %s: truncated: %d bytes, its pages need %d; %s", ErrCorruptFile, path, size, need, recoverHint(path))
	}
	t := newTreeReader(r, m)
	s := &Snapshot{Path: path, TxID: m.txid, FileBytes: size}
	corrupt := func(err error) error {
		return fmt.Errorf("%w: %s: %v; %s", ErrCorruptFile, path, err, recoverHint(path))
	}
	root := treeBucket{root: m.root}
	meta, found, err := t.bucket(root, []byte(bucketMeta))
	if err != nil {
		return nil, corrupt(err)
	}
	if !found {
		return nil, notRecording(t, root, path)
	}
	var values [3][]byte
	for i, key := range []string{keyMagic, keyVersion, keyCreated} {
		if values[i], err = t.value(meta, []byte(key)); err != nil {
			return nil, corrupt(err)
		}
	}
	if string(values[0]) != magic {
		return nil, fmt.Errorf("%w: %s: a bbolt file without gopline's meta bucket", ErrNotRecording, path)
	}
	if _, s.Created, err = checkMeta(path, values[1], values[2]); err != nil {
		return nil, err
	}
	prefix := []byte(streamPrefix)
	var walkErr error
	for e := range t.elements(root, false, &walkErr) {
		if !bytes.HasPrefix(e.key, prefix) {
			continue
		}
		name := string(e.key[len(prefix):])
		st, err := peekStream(t, e, name)
		if err != nil {
			return nil, corrupt(fmt.Errorf("stream %q: %w", name, err))
		}
		st.Stats.FileBytes = size
		s.Streams = append(s.Streams, st)
		s.Total.add(st.Stats)
	}
	if walkErr != nil {
		return nil, corrupt(walkErr)
	}
	s.Total.finish()
	s.Total.FileBytes = size
	return s, nil
}

// notRecording is the error of a file whose root bucket t has no meta
// bucket: one with no buckets at all is a recording whose creation has not
// committed yet, or was cut short.
func notRecording(t *treeReader, root treeBucket, path string) error {
	var err error
	for range t.elements(root, false, &err) {
		return fmt.Errorf("%w: %s: a bbolt file without gopline's meta bucket", ErrNotRecording, path)
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %v; %s", ErrCorruptFile, path, err, recoverHint(path))
	}
	return fmt.Errorf("%w: %s: a bbolt file with no buckets", ErrNotRecording, path)
}

// peekStream reads a stream's info, counters and span from its bucket's
// element e in the top-level bucket.
func peekStream(t *treeReader, e leafElement, name string) (SnapshotStream, error) {
	b, _, err := bucketOf(e)
	if err != nil {
		return SnapshotStream{}, err
	}
	v, err := t.value(b, []byte(keyInfo))
	if err != nil {
		return SnapshotStream{}, err
	}
	info, err := decodeStreamInfo(v)
	if err != nil {
		return SnapshotStream{}, fmt.Errorf("info: %w", err)
	}
	if info.Name != name {
		return SnapshotStream{}, fmt.Errorf("info names stream %q", info.Name)
	}
	if v, err = t.value(b, []byte(keyCounters)); err != nil {
		return SnapshotStream{}, err
	}
	c, err := decodeCounters(v)
	if err != nil {
		return SnapshotStream{}, err
	}
	var fwdErr, backErr error
	first, last, ok := spanOf(t.chunks(b, false, &fwdErr), t.chunks(b, true, &backErr))
	if err := errors.Join(fwdErr, backErr); err != nil {
		return SnapshotStream{}, err
	}
	st := streamStatsOf(c, first, last, ok)
	return SnapshotStream{Info: info, Stats: st}, nil
}

// chunks returns the chunks of stream bucket b, first to last or last to
// first, as far as the caller reads. A walk that fails stops and leaves its
// error in *err.
func (t *treeReader) chunks(b treeBucket, reverse bool, err *error) func(yield func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for e := range t.elements(b, reverse, err) {
			if !isChunkKey(e.key) {
				if reverse {
					continue // the stream's other keys sort after its chunks
				}
				return
			}
			cb, _, e2 := bucketOf(e)
			if e2 != nil {
				*err = e2
				return
			}
			v, e2 := t.value(cb, chunkValueKey)
			if e2 != nil {
				*err = e2
				return
			}
			if !yield(v) {
				return
			}
		}
	}
}
