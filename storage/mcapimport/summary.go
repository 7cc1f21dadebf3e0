package mcapimport

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"slices"

	"github.com/foxglove/mcap/go/mcap"
)

// A whole MCAP file repeats its schemas and channels in its summary, after
// its messages. rosbag2 writes them once in the data too, inside the first
// chunk that needs them: a damaged chunk would lose every message of its
// channels. The summary gives them back.

// footerLen is the footer record (opcode, length, summary start, summary
// offset start, summary CRC) and the closing magic.
const footerLen = 1 + 8 + 8 + 8 + 4 + 8

// summary is the schemas and channels of a file's summary section, and
// its statistics and chunk indexes (see inspectIndexed).
type summary struct {
	schemas  map[uint16]*mcap.Schema
	channels map[uint16]*mcap.Channel
	stats    *mcap.Statistics
	chunks   []*mcap.ChunkIndex
	// dataEnd is where the data section ends: the summary's start.
	dataEnd int64
	// whole: every record of the section was read.
	whole bool
}

// readSummary reads the summary section of the MCAP file of size bytes in
// r, or returns an empty summary when the file has none it can read: one
// cut short, compressed whole, or damaged there (its CRC, when the footer
// gives one, does not hold).
func readSummary(r io.ReaderAt, size int64) summary {
	s := summary{schemas: map[uint16]*mcap.Schema{}, channels: map[uint16]*mcap.Channel{}}
	if r == nil || size < int64(len(mcap.Magic))+footerLen {
		return s
	}
	tail := make([]byte, footerLen)
	if _, err := r.ReadAt(tail, size-footerLen); err != nil || string(tail[footerLen-8:]) != string(mcap.Magic) ||
		mcap.OpCode(tail[0]) != mcap.OpFooter {
		return s
	}
	start := binary.LittleEndian.Uint64(tail[9:17])
	end := uint64(size - footerLen)
	if start == 0 || start >= end || end-start > maxRecord {
		return s
	}
	records := make([]byte, end-start)
	if _, err := r.ReadAt(records, int64(start)); err != nil {
		return s
	}
	// The CRC covers the summary and summary offset sections and the
	// footer up to the CRC itself; 0 is none.
	if want := binary.LittleEndian.Uint32(tail[25:29]); want != 0 && crc32.Update(crc32.ChecksumIEEE(records), crc32.IEEETable, tail[:25]) != want {
		return s
	}
	s.whole, s.dataEnd = true, int64(start)
	for len(records) > 0 {
		if len(records) < 9 {
			s.whole = false
			break
		}
		op, n := mcap.OpCode(records[0]), binary.LittleEndian.Uint64(records[1:9])
		if n > uint64(len(records)-9) {
			s.whole = false
			break
		}
		body := records[9 : 9+n]
		records = records[9+n:]
		var err error
		switch op {
		case mcap.OpSchema:
			var schema *mcap.Schema
			if schema, err = parse(mcap.ParseSchema, body); err == nil {
				s.schemas[schema.ID] = schema
			}
		case mcap.OpChannel:
			var c *mcap.Channel
			if c, err = parse(mcap.ParseChannel, body); err == nil {
				s.channels[c.ID] = c
			}
		case mcap.OpStatistics:
			s.stats, err = parse(mcap.ParseStatistics, body)
		case mcap.OpChunkIndex:
			var c *mcap.ChunkIndex
			if c, err = parse(mcap.ParseChunkIndex, body); err == nil {
				s.chunks = append(s.chunks, c)
			}
		}
		s.whole = s.whole && err == nil
	}
	return s
}

// channelIDs returns the ids of the summary's channels, in order: the
// order of their topics in what Inspect and Topics return.
func (s summary) channelIDs() []uint16 {
	ids := make([]uint16, 0, len(s.channels))
	for id := range s.channels {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// chunkAfter returns where the first chunk the summary indexes that begins
// after offset begins, or 0.
func (s summary) chunkAfter(offset int64) int64 {
	next := int64(0)
	for _, c := range s.chunks {
		if at := int64(c.ChunkStartOffset); at > offset && (next == 0 || at < next) {
			next = at
		}
	}
	return next
}
