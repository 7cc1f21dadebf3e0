package storage

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gopline/gopline/media"
)

// A version 2 record's header holds the same fields as version 1's, most of
// them as varints (encoding/binary's: unsigned LEB128, and zigzag for
// signed), which makes it about 34 bytes for a 320x240 H.264 packet instead
// of 52:
//
//	size  field
//	   1  record version (2)
//	1-10  length: uvarint, the record's bytes after this field (the rest of
//	      the header and the data)
//	   1  flags: bit 0 = keyframe, bit 1 = composition offset follows the
//	      capture time (format version 4); the other bits are zero
//	   1  codec (media.Codec)
//	   1  pixel format (media.PixelFormat)
//	 1-3  width: uvarint, at most media.MaxDimension
//	 1-3  height: uvarint, at most media.MaxDimension
//	1-10  seq: uvarint
//	1-10  seq minus GOP: uvarint, 0 for a keyframe (a GOP is never ahead of
//	      its seq, media.Packet.Validate)
//	1-10  capture time: varint (zigzag), Unix nanoseconds
//	1-10  only with flag bit 1: composition offset, varint (zigzag),
//	      nanoseconds, not zero
//	   8  epoch, big-endian: random, so a varint would not save a byte
//	   4  CRC-32C of the header's bytes before it and of the data, big-endian
//	   n  data, the rest of the record
//
// The length comes first so that, as in version 1, where a record ends
// depends on its version and length alone: damage elsewhere in its header
// makes that record fail to decode and leaves the records after it in its
// chunk readable. Every varint must be minimal (no trailing zero groups, at
// most 10 bytes, within 64 bits), so that a record decodes only from the
// bytes that encodeRecord makes of its packet.
//
// maxRecordHeaderSizeV2 is the longest header, every field at its longest.
const maxRecordHeaderSizeV2 = 1 + binary.MaxVarintLen64 + 3 + 2*maxDimensionVarintLen + 4*binary.MaxVarintLen64 + 8 + 4

// minRecordHeaderSizeV2 is the shortest version 2 header: every varint of
// one byte.
const minRecordHeaderSizeV2 = 1 + 1 + 3 + 5 + 8 + 4

// maxDimensionVarintLen is the longest uvarint of a width or height up to
// media.MaxDimension (16384, 15 bits).
const maxDimensionVarintLen = 3

// encodeRecord returns the version 2 record of p in a new slice. p must have
// passed checkPacket.
func encodeRecord(p *media.Packet) []byte {
	var fields [maxRecordHeaderSizeV2]byte
	f := fields[:0]
	var flags byte
	if p.Key {
		flags |= flagKey
	}
	if p.CompositionOffset != 0 {
		flags |= flagComposition
	}
	f = append(f, flags, byte(p.Codec), byte(p.Format))
	f = binary.AppendUvarint(f, uint64(p.Width))
	f = binary.AppendUvarint(f, uint64(p.Height))
	f = binary.AppendUvarint(f, p.Seq)
	f = binary.AppendUvarint(f, p.Seq-p.GOP)
	f = binary.AppendVarint(f, p.CaptureTime.UnixNano())
	if p.CompositionOffset != 0 {
		f = binary.AppendVarint(f, int64(p.CompositionOffset))
	}
	f = binary.BigEndian.AppendUint64(f, p.Epoch)
	rest := uint64(len(f) + 4 + len(p.Data))
	var length [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(length[:], rest)
	b := make([]byte, 0, 1+n+int(rest))
	b = append(b, recordVersion2)
	b = append(b, length[:n]...)
	b = append(b, f...)
	b = binary.BigEndian.AppendUint32(b, recordCRC(b, p.Data))
	return append(b, p.Data...)
}

// recordLengthV2 is recordLength for a record of version 2.
func recordLengthV2(b []byte) (int, error) {
	rest, n, err := readUvarint(b[1:])
	if err != nil {
		return 0, fmt.Errorf("length: %v", err)
	}
	if left := uint64(len(b) - 1 - n); rest > left {
		return 0, fmt.Errorf("header says %d bytes follow its length, %d are left", rest, left)
	}
	return 1 + n + int(rest), nil
}

// readHeaderV2 reads the header of b, a whole record of version 2, as
// recordLengthV2 framed it.
func readHeaderV2(b []byte) (recordHeader, error) {
	var h recordHeader
	_, off, _ := readUvarint(b[1:]) // recordLengthV2 has read it
	off++
	if len(b)-off < 3 {
		return h, fmt.Errorf("header longer than the record's %d bytes", len(b))
	}
	h.flags, h.codec, h.format = b[off], media.Codec(b[off+1]), media.PixelFormat(b[off+2])
	off += 3
	var fields [5]uint64
	for i, name := range [...]string{"width", "height", "seq", "seq minus GOP", "capture time"} {
		v, n, err := readUvarint(b[off:])
		if err != nil {
			return h, fmt.Errorf("%s: %v", name, err)
		}
		fields[i], off = v, off+n
	}
	width, height, seq, back, capture := fields[0], fields[1], fields[2], fields[3], fields[4]
	if width > media.MaxDimension || height > media.MaxDimension {
		return h, fmt.Errorf("size %dx%d", width, height)
	}
	if back > seq {
		return h, fmt.Errorf("seq %d is %d after its GOP", seq, back)
	}
	if h.flags&flagComposition != 0 {
		offset, n, err := readUvarint(b[off:])
		if err != nil {
			return h, fmt.Errorf("composition offset: %v", err)
		}
		if offset == 0 {
			return h, errors.New("composition offset flagged but zero")
		}
		h.offset, off = unzigzag(offset), off+n
	}
	if len(b)-off < 12 {
		return h, fmt.Errorf("header longer than the record's %d bytes", len(b))
	}
	h.width, h.height = int(width), int(height)
	h.seq, h.gop = seq, seq-back
	h.capture = unzigzag(capture)
	h.epoch = binary.BigEndian.Uint64(b[off:])
	h.crcAt = off + 8
	h.crc = binary.BigEndian.Uint32(b[h.crcAt:])
	h.size = h.crcAt + 4
	return h, nil
}

// unzigzag decodes a zigzag varint's value, as binary.Varint does.
func unzigzag(v uint64) int64 { return int64(v>>1) ^ -int64(v&1) }

// readUvarint reads the minimal uvarint that b starts with and returns it
// with its length. binary.Uvarint also accepts longer encodings of a value
// (trailing groups of zeros), which would let two records differ in bytes
// and not in what they say.
func readUvarint(b []byte) (uint64, int, error) {
	v, n := binary.Uvarint(b)
	switch {
	case n == 0:
		return 0, 0, errors.New("varint cut short")
	case n < 0:
		return 0, 0, errors.New("varint longer than 10 bytes or past 64 bits")
	case n > 1 && b[n-1] == 0:
		return 0, 0, fmt.Errorf("varint of %d bytes is not minimal", n)
	}
	return v, n, nil
}
