package storage

import (
	"fmt"

	"github.com/gopline/gopline/media"
)

// chunkVersion is the first byte of every chunk this version of gopline
// writes. A reader treats a chunk of any other version as one whose framing
// is broken.
const chunkVersion = 1

// A chunk holds the records of consecutive packets of one stream, all of one
// GOP: a keyframe always starts a new chunk. It is stored under the index of
// its first packet (chunkKey); the packet of its j-th record has that index
// plus j. The chunk is:
//
//	offset size field
//	     0    1 chunk version (1)
//	     1    . records, back to back, each as encodeRecord makes it
//
// A record's header says how long the record is (record.go), so the records
// need no framing of their own, and the last one ends exactly at the end of
// the value. A chunk needs no count either: the keys give it (a chunk ends
// where the next begins), and a stream's last chunk is walked to its end. A
// chunk may hold records of both versions: a writer that opens a file of
// format version 2 appends version 2 records to its open chunk of version 1
// records.
const chunkHeaderSize = 1

// maxChunkBytes closes a chunk: a record joins the stream's open chunk only
// if the chunk stays within this many bytes, so a chunk holds more than that
// only when it is a single record. bbolt rounds each chunk up to whole
// pages, so at 1 KiB pages a full chunk wastes under 2%; 64 KiB holds a GOP
// of a 320x240 H.264 stream (30 packets of about 1.2 KB) whole.
const maxChunkBytes = 64 << 10

// rewriteRatio and maxRewriteBytes bound what a commit writes over again. A
// commit appends to a stream's open chunk, rewriting it whole, only while the
// chunk holds at most rewriteRatio times the bytes the commit adds to the
// stream, and at most maxRewriteBytes; otherwise it starts a new chunk. So a
// commit writes at most 1+rewriteRatio times the bytes it adds, and never
// more than maxRewriteBytes over again per stream.
//
// The bounds also keep the file small. bbolt frees the old copy of a
// rewritten chunk, and a growing chunk rarely fits where its smaller copies
// were, so rewriting large chunks for small commits leaves free pages
// behind: about 300 KB per stream with 64 KiB chunks and commits of three
// 1.2 KB packets, as a live 30 fps camera's recorder makes them. Small
// chunks cost too, as bbolt rounds each up to whole pages. A commit of a
// whole GOP still writes it as one chunk. The values balanced the two best
// (measured with 150 and 9000 packets of 1.2 and 3 KB, committed one and
// three at a time).
const (
	rewriteRatio    = 3
	maxRewriteBytes = 16 << 10
)

// newChunk returns a chunk holding record, with room for a few more records
// of its size.
func newChunk(record []byte) []byte {
	b := make([]byte, 0, max(chunkHeaderSize+len(record), min(maxChunkBytes, 4*len(record))))
	b = append(b, chunkVersion)
	return append(b, record...)
}

// chunkTakes reports whether a record of n bytes joins a chunk of size bytes
// without crossing maxChunkBytes.
func chunkTakes(size, n int) bool { return size+n <= maxChunkBytes }

// chunkWalker steps through a chunk's records by their headers' lengths,
// without checking their checksums. It does not modify or retain the chunk
// beyond its own life.
type chunkWalker struct {
	b   []byte
	off int   // where the next record starts
	n   int   // records returned
	err error // why the framing broke; nil at a clean end
}

// walkChunk returns a walker over b's records. A chunk of an unknown version
// yields no record and a framing error.
func walkChunk(b []byte) chunkWalker {
	w := chunkWalker{b: b, off: chunkHeaderSize}
	switch {
	case len(b) < chunkHeaderSize:
		w.off, w.err = len(b), fmt.Errorf("empty chunk")
	case b[0] != chunkVersion:
		w.off, w.err = len(b), fmt.Errorf("chunk version %d, want %d", b[0], chunkVersion)
	case len(b) == chunkHeaderSize:
		w.err = fmt.Errorf("chunk holds no record")
	}
	return w
}

// next returns the next record, which may still fail to decode, or ok =
// false at the end of the chunk or where its framing breaks (w.err says
// which). A record whose header cannot say where it ends breaks the framing:
// the records after it cannot be found.
func (w *chunkWalker) next() (record []byte, ok bool) {
	rest := w.b[w.off:]
	if len(rest) == 0 || w.err != nil {
		return nil, false
	}
	n, err := recordLength(rest)
	if err != nil {
		w.err = fmt.Errorf("record %d of the chunk: %v; the chunk's later records are lost", w.n, err)
		w.off = len(w.b)
		return nil, false
	}
	w.off += n
	w.n++
	return rest[:n], true
}

// decodeChunk decodes the records of chunk b from the from-th on (it steps
// over the records before without reading their data) and calls fn with each
// record's position j in the chunk, its size in bytes, and its packet, or
// the error that says what is wrong with the record. fn returns false to
// stop. decodeChunk returns the number of records it stepped through, and an
// error when the framing broke after them: the n-th record and all after it
// are lost. Its errors say only what is wrong, for callers that wrap them
// with where the chunk lies. It does not modify b or retain it, and the
// packets own their data, so b may be memory that bbolt owns only for a
// transaction.
func decodeChunk(b []byte, from int, fn func(j, size int, p *media.Packet, err error) bool) (n int, err error) {
	w := walkChunk(b)
	for {
		rec, ok := w.next()
		if !ok {
			return w.n, w.err
		}
		if j := w.n - 1; j >= from {
			p, err := parseRecord(rec)
			if !fn(j, len(rec), p, err) {
				return w.n, nil
			}
		}
	}
}

// chunkSummary is what the writer and the statistics need of a chunk, read
// from its records' headers: how many records it holds up to where its
// framing breaks (all of them when broken is false), and its first and last
// records whose headers read (readable is false when none does). tail says
// whether the last of them is the chunk's very last record.
type chunkSummary struct {
	records     int
	broken      bool
	first, last recordSummary
	// latest is the latest capture time of its readable records: the last
	// record's, unless the stream has reordering (B-frames).
	latest   int64
	readable bool
	tail     bool
}

// summarizeChunk walks a chunk's headers.
func summarizeChunk(b []byte) chunkSummary {
	var s chunkSummary
	w := walkChunk(b)
	for {
		rec, ok := w.next()
		if !ok {
			break
		}
		r, ok := summarizeRecord(rec)
		if ok {
			if !s.readable {
				s.first, s.latest = r, r.capture
			}
			s.last, s.readable, s.latest = r, true, max(s.latest, r.capture)
		}
		s.tail = ok
	}
	s.records, s.broken = w.n, w.err != nil
	s.tail = s.tail && !s.broken
	return s
}

// chunkPayload returns the data bytes of the n records of chunk b, read from
// their headers: what retention takes off a stream's payload counter when it
// deletes the chunk. Version 2 headers vary in size, so it walks them, which
// reads the chunk's pages. The bytes of records whose headers do not read,
// and those after a break in the framing, count less a minimal header per
// record.
func chunkPayload(b []byte, n uint64) int64 {
	var payload, unread int64 = 0, int64(len(b)) - chunkHeaderSize
	var read uint64
	w := walkChunk(b)
	for {
		rec, ok := w.next()
		if !ok {
			break
		}
		if r, ok := summarizeRecord(rec); ok {
			payload += int64(r.payload)
			unread -= int64(len(rec))
			read++
		}
	}
	if read < n {
		unread -= int64(min(n-read, uint64(len(b)))) * minRecordHeaderSizeV2
	}
	return payload + max(0, unread)
}
