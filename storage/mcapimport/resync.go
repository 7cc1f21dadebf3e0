package mcapimport

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/foxglove/mcap/go/mcap"
)

// The data section of an MCAP file is its records one after the other,
// each an opcode and a length: a damaged length hides where the next
// record begins. In a chunked file the summary's chunk index says where
// the next chunk is; in one without chunks (or after its last chunk)
// nothing does, and the reading looks for it: the first place after the
// damaged record where whole records begin, one after the other.

// Bounds on that search.
const (
	// resyncRun is how many records in a row, each whole and of the kinds
	// a data section holds (or whole records up to the section's end), a
	// place must begin to be taken for a record's start: bytes inside a
	// picture that look like one record seldom look like four.
	resyncRun = 4
	// resyncWindow is the part of the file the search holds at once; each
	// byte is read once.
	resyncWindow = 1 << 20
	// resyncLookups bounds the reads outside the window that one search
	// makes to follow a run of records past it (a run of large pictures):
	// a crafted file whose every byte begins a record that seems whole
	// costs that many reads, not one per byte.
	resyncLookups = 4096
)

// resync looks for where whole records begin again after the damaged one
// at failed, in the data section of a whole MCAP file (its summary read,
// im.summary.dataEnd its end): within maxRecord of it, since the record
// after a damaged one begins where the damaged one really ended. It
// returns that place, or -1 when there is none.
func (im *importer) resync(at io.ReaderAt, failed int64) int64 {
	r := recordSearch{at: at, end: im.summary.dataEnd, known: func(id uint16) bool {
		_, inSummary := im.summary.channels[id]
		return inSummary || im.channels[id] != nil
	}}
	if s := im.summary.stats; s != nil && s.MessageCount > 0 {
		r.first, r.last = s.MessageStartTime, s.MessageEndTime
	}
	return r.find(failed)
}

// recordSearch finds a run of whole records in a data section.
type recordSearch struct {
	at      io.ReaderAt
	end     int64 // the data section's end
	known   func(channel uint16) bool
	buf     []byte // the window: the file's bytes from offset from
	from    int64
	lookups int
	// first and last bound the log times of the file's messages, as its
	// statistics say; last is 0 when they say none.
	first, last uint64
}

// find returns the first place after failed, and within maxRecord of it,
// where a run of whole records begins, or -1.
func (r *recordSearch) find(failed int64) int64 {
	limit := min(r.end, failed+9+maxRecord)
	for off := failed + 1; off < limit; off++ {
		if off+9 > r.from+int64(len(r.buf)) {
			if !r.fill(off) {
				return -1
			}
		}
		if dataRecord(mcap.OpCode(r.buf[off-r.from])) && r.run(off) {
			return off
		}
	}
	return -1
}

// fill moves the window to begin at off.
func (r *recordSearch) fill(off int64) bool {
	n := min(resyncWindow, r.end-off)
	if n < 9 {
		return false
	}
	if r.buf == nil {
		r.buf = make([]byte, 0, resyncWindow)
	}
	r.buf, r.from = r.buf[:n], off
	_, err := r.at.ReadAt(r.buf, off)
	return err == nil
}

// run says whether resyncRun whole records follow one another from off,
// or whole records up to the data section's end.
func (r *recordSearch) run(off int64) bool {
	for range resyncRun {
		n := r.record(off)
		if n < 0 {
			return false
		}
		if off += n; off == r.end {
			return true
		}
	}
	return true
}

// record returns the length of the record at off, opcode and length
// included, when it can be a whole record of the data section: of a kind
// a data section holds, ending within it, a message of a channel the file
// defines logged within the time its statistics give; else -1.
func (r *recordSearch) record(off int64) int64 {
	h, ok := r.bytes(off, 9)
	if !ok {
		return -1
	}
	op, n := mcap.OpCode(h[0]), binary.LittleEndian.Uint64(h[1:9])
	if !dataRecord(op) || n > uint64(r.end-off-9) {
		return -1
	}
	switch op {
	case mcap.OpDataEnd:
		if n != 4 || off+9+4 != r.end {
			return -1
		}
	case mcap.OpMessage:
		// Its channel id, sequence, log time and publish time.
		if n < 22 {
			return -1
		}
		m, ok := r.bytes(off+9, 22)
		if !ok || !r.known(binary.LittleEndian.Uint16(m)) {
			return -1
		}
		if logTime := binary.LittleEndian.Uint64(m[6:]); r.last != 0 && (logTime < r.first || logTime > r.last) {
			return -1
		}
	}
	return 9 + int64(n)
}

// bytes returns the n bytes of the file at off: from the window, or read
// while the search has lookups left.
func (r *recordSearch) bytes(off int64, n int) ([]byte, bool) {
	if off+int64(n) > r.end {
		return nil, false
	}
	if off >= r.from && off+int64(n) <= r.from+int64(len(r.buf)) {
		return r.buf[off-r.from:][:n], true
	}
	if r.lookups == resyncLookups {
		return nil, false
	}
	r.lookups++
	b := make([]byte, n)
	if _, err := r.at.ReadAt(b, off); err != nil {
		return nil, false
	}
	return b, true
}

// dataRecord says whether a data section holds records of kind op.
func dataRecord(op mcap.OpCode) bool {
	switch op {
	case mcap.OpSchema, mcap.OpChannel, mcap.OpMessage, mcap.OpChunk, mcap.OpMessageIndex,
		mcap.OpAttachment, mcap.OpMetadata, mcap.OpDataEnd:
		return true
	}
	return false
}

// damageAt says what is wrong with the record at failed of a whole file's
// data section, which the reading could not take (lerr): a length that
// runs past the section's end, or what lerr says.
func (im *importer) damageAt(at io.ReaderAt, failed int64, lerr error) string {
	h := make([]byte, 9)
	if _, err := at.ReadAt(h, failed); err == nil && failed+9 <= im.summary.dataEnd {
		op, n := mcap.OpCode(h[0]), binary.LittleEndian.Uint64(h[1:9])
		if n > uint64(im.summary.dataEnd-failed-9) {
			what := "a record of an unknown kind (opcode " + fmt.Sprintf("0x%02x", byte(op)) + ")"
			if dataRecord(op) {
				what = "a " + op.String() + " record"
			}
			return fmt.Sprintf("%s whose length, %d bytes, runs past the file's data, which ends at byte %d", what, n, im.summary.dataEnd)
		}
	}
	return lerr.Error()
}

// countLost counts, once a file is read whose summary holds and whose
// reading went past damage or stopped at it (ReadPast and Stopped beyond
// the first damage of them), or read to its end (whole), the messages its
// statistics count that the reading did not reach: lost with the damage,
// or skipped by the MCAP reader as records of a kind it does not know (a
// message record whose opcode was damaged), without a sign but the count.
func (im *importer) countLost(damage int, whole bool) {
	s := im.summary.stats
	damaged := len(im.res.ReadPast)+len(im.res.Stopped) > damage
	if im.summary.whole && s != nil && (damaged || whole) && s.MessageCount > im.fileMessages {
		im.res.Lost += int64(s.MessageCount - im.fileMessages)
	}
}
