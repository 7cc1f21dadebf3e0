package storage

import (
	"fmt"
	"hash/crc32"
	"time"

	"github.com/gopline/gopline/media"
)

// A record holds one packet: a header, then the packet's data. Its first
// byte is the record version, which says how the rest is laid out. This
// version of gopline writes version 2 (record_v2.go) and reads versions 1
// (record_v1.go, written by format version 2 files) and 2. A record of any
// other version does not say where it ends.
//
// Every version's header carries a CRC-32C (Castagnoli) of the header and
// the data: bbolt checksums only its meta pages, so the CRC is what tells a
// damaged record from a good one.
const (
	recordVersion1 = 1
	recordVersion2 = 2
	recordVersion  = recordVersion2 // the version encodeRecord writes
)

// maxRecordHeaderSize bounds the header of a record of any version: a
// version 2 header with every field at its longest (version 1's is 52
// bytes).
const maxRecordHeaderSize = maxRecordHeaderSizeV2

const (
	flagKey = 1 << 0
	// flagComposition marks a version 2 record whose header carries the
	// packet's composition offset (media.Packet.CompositionOffset) after
	// its capture time; records without it have an offset of zero, and
	// are laid out as before (format version 3).
	flagComposition = 1 << 1
	knownFlags      = flagKey | flagComposition
)

// recordHeader is a record's header, read and range-checked, but with its
// checksum not yet compared with the record's bytes.
type recordHeader struct {
	size    int // the header's bytes, up to the data
	crcAt   int // where the CRC field starts; the CRC covers the bytes before it and the data
	crc     uint32
	flags   byte
	codec   media.Codec
	format  media.PixelFormat
	width   int
	height  int
	epoch   uint64
	seq     uint64
	gop     uint64
	capture int64 // Unix nanoseconds
	offset  int64 // composition offset, nanoseconds
}

// recordLength returns the length of the record that b starts with, header
// and data, as its header says. It fails when b is too short for that, or
// when the record's version is unknown, since another version's header may be
// laid out differently. b may run on past the record (a chunk's later
// records).
func recordLength(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("no byte left for a record")
	}
	switch b[0] {
	case recordVersion1:
		return recordLengthV1(b)
	case recordVersion2:
		return recordLengthV2(b)
	}
	return 0, fmt.Errorf("record version %d, want %d or %d", b[0], recordVersion1, recordVersion2)
}

// readRecord reads the header of b, which must be exactly one record, and
// checks what can be checked without reading the data: its length, its
// version, its fields' encoding and ranges, and its flags.
func readRecord(b []byte) (recordHeader, error) {
	n, err := recordLength(b)
	if err != nil {
		return recordHeader{}, err
	}
	if n != len(b) {
		return recordHeader{}, fmt.Errorf("header says the record is %d bytes, it is %d", n, len(b))
	}
	var h recordHeader
	if b[0] == recordVersion1 {
		h = readHeaderV1(b)
	} else if h, err = readHeaderV2(b); err != nil {
		return recordHeader{}, err
	}
	if h.flags&^knownFlags != 0 {
		return recordHeader{}, fmt.Errorf("unknown flags %#02x", h.flags)
	}
	return h, nil
}

// recordCRC is the checksum of a record: of its header up to the CRC field
// and of its data.
func recordCRC(head, data []byte) uint32 {
	table := crc32.MakeTable(crc32.Castagnoli) // made once by hash/crc32, then shared
	return crc32.Update(crc32.Update(0, table, head), table, data)
}

// decodeRecord decodes a record strictly: every byte must be accounted for,
// every field canonically encoded, the checksum must match, and the packet
// must pass media.Packet.Validate. The returned packet's Data is a copy: b
// is not retained or modified, so b may be memory that bbolt owns only for a
// transaction. Errors wrap ErrCorruptRecord.
func decodeRecord(b []byte) (*media.Packet, error) {
	p, err := parseRecord(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptRecord, err)
	}
	return p, nil
}

// parseRecord is decodeRecord with errors that say only what is wrong, for
// callers that wrap them with where the record lies.
func parseRecord(b []byte) (*media.Packet, error) {
	h, err := readRecord(b)
	if err != nil {
		return nil, err
	}
	if want := recordCRC(b[:h.crcAt], b[h.size:]); h.crc != want {
		return nil, fmt.Errorf("checksum %08x, want %08x", want, h.crc)
	}
	p := &media.Packet{
		Codec:       h.codec,
		Format:      h.format,
		Key:         h.flags&flagKey != 0,
		Width:       h.width,
		Height:      h.height,
		Epoch:       h.epoch,
		Seq:         h.seq,
		GOP:         h.gop,
		CaptureTime: time.Unix(0, h.capture),
		// CompositionOffset is zero for every record of version 1.
		CompositionOffset: time.Duration(h.offset),
		Data:              append([]byte(nil), b[h.size:]...),
	}
	if p.Format != media.PixelFormatUnknown && !p.Format.Valid() {
		return nil, fmt.Errorf("pixel format %d", p.Format)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// recordSummary is what the writer, retention and the statistics need of a
// record, read from its header without checking the data's checksum.
type recordSummary struct {
	key     bool
	capture int64 // Unix nanoseconds
	offset  int64 // composition offset, nanoseconds
	seq     uint64
	gop     uint64
	epoch   uint64
	payload int // data bytes
	width   int
	height  int
}

// summarizeRecord reads the header of b, which must be exactly one record.
// ok is false when the header is damaged.
func summarizeRecord(b []byte) (s recordSummary, ok bool) {
	h, err := readRecord(b)
	if err != nil {
		return s, false
	}
	return recordSummary{
		key:     h.flags&flagKey != 0,
		capture: h.capture,
		offset:  h.offset,
		seq:     h.seq,
		gop:     h.gop,
		epoch:   h.epoch,
		payload: len(b) - h.size,
		width:   h.width,
		height:  h.height,
	}, true
}
