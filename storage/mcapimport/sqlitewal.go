package mcapimport

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// A rosbag2 SQLite file written in WAL journal mode (rosbag2's storage
// preset "resilient") says so in its header, and its newest transactions
// are in its write-ahead log, NAME.db3-wal, until SQLite checkpoints them
// into the file: all of them when a recorder is killed. The SQLite reader
// gopline uses reads files in rollback journal mode only, so such a file is
// read from a copy with the log's committed transactions written into it,
// as SQLite's checkpoint does, and its header set to the rollback journal.
// A transaction the recorder had not finished (its frames after the log's
// last commit, or a frame whose checksum does not hold) is left out, as
// SQLite leaves it out when it opens the file.

const (
	walHeaderSize      = 32
	walFrameHeaderSize = 24
	walMagic           = 0x377f0682 // | 1: checksums of big-endian words
	walVersion         = 3007000
)

// inWALMode reports whether header, the start of a SQLite file, says the
// file is in WAL journal mode (its read and write versions 2).
func inWALMode(header []byte) bool {
	return len(header) >= 20 && header[18] == 2 && header[19] == 2
}

// walPages are what a write-ahead log holds when it is read: for each page
// of the database, the offset in the log of its newest committed version.
type walPages struct {
	pageSize int
	offsets  map[uint32]int64
	// dbPages is the database's size in pages after the last commit.
	dbPages uint32
	// frames counts the log's whole frames; committed those up to its
	// last commit whose checksums hold.
	frames, committed int
}

// readWAL reads the write-ahead log r of size bytes of a database of
// filePages pages of pageSize bytes (pageSize 0: the file has no header
// yet, and the log's own page size holds). A log without a valid header
// holds nothing (SQLite ignores it); a log that does not end after a
// commit is read up to its last commit. A commit that would make the
// database larger than its file and every page of the log could is where
// the log is taken to end.
func readWAL(r io.ReaderAt, size int64, pageSize int, filePages int64) (walPages, error) {
	w := walPages{offsets: map[uint32]int64{}}
	var hdr [walHeaderSize]byte
	if size < walHeaderSize {
		return w, nil
	}
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return w, err
	}
	magic := binary.BigEndian.Uint32(hdr[0:])
	logPageSize := int(binary.BigEndian.Uint32(hdr[8:]))
	if logPageSize == 1 {
		logPageSize = 1 << 16
	}
	if magic&^1 != walMagic || binary.BigEndian.Uint32(hdr[4:]) != walVersion ||
		logPageSize < 512 || logPageSize > 1<<16 || logPageSize&(logPageSize-1) != 0 ||
		(pageSize != 0 && logPageSize != pageSize) {
		return w, nil
	}
	order := binary.ByteOrder(binary.LittleEndian)
	if magic&1 == 1 {
		order = binary.BigEndian
	}
	s0, s1 := walChecksum(order, hdr[:24], 0, 0)
	if s0 != binary.BigEndian.Uint32(hdr[24:]) || s1 != binary.BigEndian.Uint32(hdr[28:]) {
		return w, nil
	}
	w.pageSize = logPageSize
	frameSize := int64(walFrameHeaderSize + logPageSize)
	w.frames = int((size - walHeaderSize) / frameSize)
	maxPages := filePages + int64(w.frames)
	pending := map[uint32]int64{}
	frame := make([]byte, frameSize)
	for i := range w.frames {
		off := walHeaderSize + int64(i)*frameSize
		if _, err := r.ReadAt(frame, off); err != nil {
			return w, err
		}
		pgno, commit := binary.BigEndian.Uint32(frame[0:]), binary.BigEndian.Uint32(frame[4:])
		if pgno == 0 || [8]byte(frame[8:16]) != [8]byte(hdr[16:24]) {
			break // not this log's frame: one left from before its last reset
		}
		s0, s1 = walChecksum(order, frame[:8], s0, s1)
		s0, s1 = walChecksum(order, frame[walFrameHeaderSize:], s0, s1)
		if s0 != binary.BigEndian.Uint32(frame[16:]) || s1 != binary.BigEndian.Uint32(frame[20:]) {
			break
		}
		pending[pgno] = off + walFrameHeaderSize
		if commit == 0 {
			continue
		}
		if int64(commit) > maxPages {
			break
		}
		for p, at := range pending {
			w.offsets[p] = at
		}
		clear(pending)
		w.dbPages, w.committed = commit, i+1
	}
	for p := range w.offsets {
		if p > w.dbPages {
			delete(w.offsets, p) // the database shrank below it
		}
	}
	return w, nil
}

// walChecksum continues the checksum s0, s1 of a write-ahead log over b
// (a multiple of 8 bytes), its 32-bit words read in order.
func walChecksum(order binary.ByteOrder, b []byte, s0, s1 uint32) (uint32, uint32) {
	for i := 0; i+8 <= len(b); i += 8 {
		s0 += order.Uint32(b[i:]) + s1
		s1 += order.Uint32(b[i+4:]) + s0
	}
	return s0, s1
}

// checkpointedCopy writes into dir a copy of the SQLite file at path, in WAL
// journal mode, with the committed transactions of its write-ahead log
// (path-wal, if there is one) written into it and its header set to the
// rollback journal. It returns the copy's path, which the caller removes,
// and what of the log was left out ("" when nothing was).
func checkpointedCopy(ctx context.Context, path, dir string) (copyPath, leftOut string, err error) {
	in, err := os.Open(path)
	if err != nil {
		return "", "", fmt.Errorf("mcapimport: %w", err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return "", "", fmt.Errorf("mcapimport: %w", err)
	}
	pageSize := 0
	var hdr [18]byte
	if _, err := in.ReadAt(hdr[:], 0); err == nil {
		pageSize = int(binary.BigEndian.Uint16(hdr[16:]))
		if pageSize == 1 {
			pageSize = 1 << 16
		}
	}
	var w walPages
	log, err := os.Open(path + "-wal")
	switch {
	case errors.Is(err, os.ErrNotExist): // closed cleanly: every transaction is in the file
	case err != nil:
		return "", "", fmt.Errorf("mcapimport: %s's write-ahead log: %w", filepath.Base(path), err)
	default:
		defer log.Close()
		li, err := log.Stat()
		if err != nil {
			return "", "", fmt.Errorf("mcapimport: %w", err)
		}
		filePages := int64(0)
		if pageSize > 0 {
			filePages = fi.Size() / int64(pageSize)
		}
		if w, err = readWAL(log, li.Size(), pageSize, filePages); err != nil {
			return "", "", fmt.Errorf("mcapimport: %s's write-ahead log: %w", filepath.Base(path), err)
		}
		if n := w.frames - w.committed; n > 0 {
			leftOut = fmt.Sprintf("its write-ahead log's last %d of %d pages, after its last commit or damaged, are left out "+
				"(a transaction its recorder did not finish)", n, w.frames)
		}
	}
	out, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.checkpointed")
	if err != nil {
		return "", "", fmt.Errorf("mcapimport: copying %s to read its write-ahead log: %w", filepath.Base(path), err)
	}
	copyPath = out.Name()
	fail := func(err error) (string, string, error) {
		out.Close()
		os.Remove(copyPath)
		return "", "", fmt.Errorf("mcapimport: copying %s into %s to read its write-ahead log: %w", filepath.Base(path), dir, err)
	}
	for { // in steps, so that Ctrl-C does not wait for a copy of gigabytes
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		if _, err := io.CopyN(out, in, 64<<20); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fail(err)
		}
	}
	page := make([]byte, w.pageSize)
	for pgno, at := range w.offsets {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		if _, err := log.ReadAt(page, at); err != nil {
			return fail(err)
		}
		if _, err := out.WriteAt(page, int64(pgno-1)*int64(w.pageSize)); err != nil {
			return fail(err)
		}
	}
	if w.dbPages > 0 {
		if err := out.Truncate(int64(w.dbPages) * int64(w.pageSize)); err != nil {
			return fail(err)
		}
	}
	if _, err := out.WriteAt([]byte{1, 1}, 18); err != nil { // the rollback journal's read and write versions
		return fail(err)
	}
	if err := out.Close(); err != nil {
		os.Remove(copyPath)
		return "", "", fmt.Errorf("mcapimport: copying %s into %s to read its write-ahead log: %w", filepath.Base(path), dir, err)
	}
	return copyPath, leftOut, nil
}

// readHead returns the first n bytes of the file at path, or fewer.
func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, n)
	k, err := io.ReadFull(f, head)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	return head[:k], err
}
