package storage

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/gopline/gopline/media"
)

// recordVersion is the first byte of every packet record this version of
// gopline writes. A reader rejects records of any other version.
const recordVersion = 1

// recordHeaderSize is the size of a version 1 record's fixed header, which
// comes in front of the packet's data. All integers are big-endian:
//
//	offset size field
//	     0    1 record version (1)
//	     1    1 flags: bit 0 = keyframe; the other bits are zero
//	     2    1 codec (media.Codec)
//	     3    1 pixel format (media.PixelFormat)
//	     4    4 width
//	     8    4 height
//	    12    8 epoch
//	    20    8 seq
//	    28    8 gop
//	    36    8 capture time, Unix nanoseconds (signed)
//	    44    4 data length
//	    48    4 CRC-32C (Castagnoli) of bytes 0..47 and of the data
//	    52    n data
//
// bbolt checksums only its meta pages, so the CRC is what tells a damaged
// record from a good one.
const recordHeaderSize = 52

const (
	flagKey      = 1 << 0
	knownFlags   = flagKey
	crcOffset    = 48
	lengthOffset = 44
)

// encodeRecord returns the record of p in a new slice. p must have passed
// checkPacket.
func encodeRecord(p *media.Packet) []byte {
	b := make([]byte, recordHeaderSize+len(p.Data))
	b[0] = recordVersion
	if p.Key {
		b[1] |= flagKey
	}
	b[2] = byte(p.Codec)
	b[3] = byte(p.Format)
	binary.BigEndian.PutUint32(b[4:], uint32(p.Width))
	binary.BigEndian.PutUint32(b[8:], uint32(p.Height))
	binary.BigEndian.PutUint64(b[12:], p.Epoch)
	binary.BigEndian.PutUint64(b[20:], p.Seq)
	binary.BigEndian.PutUint64(b[28:], p.GOP)
	binary.BigEndian.PutUint64(b[36:], uint64(p.CaptureTime.UnixNano()))
	binary.BigEndian.PutUint32(b[lengthOffset:], uint32(len(p.Data)))
	copy(b[recordHeaderSize:], p.Data)
	binary.BigEndian.PutUint32(b[crcOffset:], recordCRC(b))
	return b
}

// recordCRC is the checksum of a record's header (without the CRC field) and
// data.
func recordCRC(b []byte) uint32 {
	table := crc32.MakeTable(crc32.Castagnoli) // made once by hash/crc32, then shared
	crc := crc32.Update(0, table, b[:crcOffset])
	return crc32.Update(crc, table, b[recordHeaderSize:])
}

// decodeRecord decodes a record strictly: every byte must be accounted for,
// the checksum must match, and the packet must pass media.Packet.Validate.
// The returned packet's Data is a copy: b is not retained or modified, so b
// may be memory that bbolt owns only for a transaction. Errors wrap
// ErrCorruptRecord.
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
	if err := checkRecordHeader(b); err != nil {
		return nil, err
	}
	if got, want := binary.BigEndian.Uint32(b[crcOffset:]), recordCRC(b); got != want {
		return nil, fmt.Errorf("checksum %08x, want %08x", want, got)
	}
	p := &media.Packet{
		Codec:       media.Codec(b[2]),
		Format:      media.PixelFormat(b[3]),
		Key:         b[1]&flagKey != 0,
		Width:       int(binary.BigEndian.Uint32(b[4:])),
		Height:      int(binary.BigEndian.Uint32(b[8:])),
		Epoch:       binary.BigEndian.Uint64(b[12:]),
		Seq:         binary.BigEndian.Uint64(b[20:]),
		GOP:         binary.BigEndian.Uint64(b[28:]),
		CaptureTime: time.Unix(0, int64(binary.BigEndian.Uint64(b[36:]))),
		Data:        append([]byte(nil), b[recordHeaderSize:]...),
	}
	if p.Format != media.PixelFormatUnknown && !p.Format.Valid() {
		return nil, fmt.Errorf("pixel format %d", b[3])
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// checkRecordHeader checks what can be checked without reading the data:
// the length, the version, the flags and the data length.
func checkRecordHeader(b []byte) error {
	n, err := recordLength(b)
	if err != nil {
		return err
	}
	if n != len(b) {
		return fmt.Errorf("header says %d data bytes, record holds %d", n-recordHeaderSize, len(b)-recordHeaderSize)
	}
	if b[1]&^knownFlags != 0 {
		return fmt.Errorf("unknown flags %#02x", b[1])
	}
	return nil
}

// recordLength returns the length of the record that b starts with, header
// and data, as its header says. It fails when b is too short for that or for
// a header, or when the record's version is unknown, since another version's
// header may be laid out differently.
func recordLength(b []byte) (int, error) {
	if len(b) < recordHeaderSize {
		return 0, fmt.Errorf("%d bytes, shorter than the %d-byte header", len(b), recordHeaderSize)
	}
	if b[0] != recordVersion {
		return 0, fmt.Errorf("record version %d, want %d", b[0], recordVersion)
	}
	n := uint64(binary.BigEndian.Uint32(b[lengthOffset:])) + recordHeaderSize
	if n > uint64(len(b)) {
		return 0, fmt.Errorf("header says %d data bytes, %d are left", n-recordHeaderSize, len(b)-recordHeaderSize)
	}
	return int(n), nil
}

// recordSummary is what the writer, retention and the statistics need of a
// record, read from its header without checking the data's checksum.
type recordSummary struct {
	key     bool
	capture int64 // Unix nanoseconds
	seq     uint64
	gop     uint64
	epoch   uint64
}

// summarizeRecord reads a record's header. ok is false when the header is
// damaged.
func summarizeRecord(b []byte) (s recordSummary, ok bool) {
	if checkRecordHeader(b) != nil {
		return s, false
	}
	return recordSummary{
		key:     b[1]&flagKey != 0,
		capture: int64(binary.BigEndian.Uint64(b[36:])),
		epoch:   binary.BigEndian.Uint64(b[12:]),
		seq:     binary.BigEndian.Uint64(b[20:]),
		gop:     binary.BigEndian.Uint64(b[28:]),
	}, true
}
