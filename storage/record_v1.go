package storage

import (
	"encoding/binary"
	"fmt"

	"github.com/gopline/gopline/media"
)

// A version 1 record, as files of format version 2 hold them, has a 52-byte
// header. All integers are big-endian:
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
//	    48    4 CRC-32C of bytes 0..47 and of the data
//	    52    n data
//
// This version of gopline reads such records but writes none.
const (
	recordHeaderSizeV1 = 52
	lengthOffsetV1     = 44
	crcOffsetV1        = 48
)

// recordLengthV1 is recordLength for a record of version 1.
func recordLengthV1(b []byte) (int, error) {
	if len(b) < recordHeaderSizeV1 {
		return 0, fmt.Errorf("%d bytes, shorter than the %d-byte header", len(b), recordHeaderSizeV1)
	}
	n := uint64(binary.BigEndian.Uint32(b[lengthOffsetV1:])) + recordHeaderSizeV1
	if n > uint64(len(b)) {
		return 0, fmt.Errorf("header says %d data bytes, %d are left", n-recordHeaderSizeV1, len(b)-recordHeaderSizeV1)
	}
	return int(n), nil
}

// readHeaderV1 reads the header of b, a whole record of version 1, as
// recordLengthV1 framed it. Every field has its fixed place, so it cannot
// fail; the fields' ranges are checked with the packet, after the checksum.
func readHeaderV1(b []byte) recordHeader {
	return recordHeader{
		size:    recordHeaderSizeV1,
		crcAt:   crcOffsetV1,
		crc:     binary.BigEndian.Uint32(b[crcOffsetV1:]),
		flags:   b[1],
		codec:   media.Codec(b[2]),
		format:  media.PixelFormat(b[3]),
		width:   int(binary.BigEndian.Uint32(b[4:])), // media.Packet.Validate checks the size
		height:  int(binary.BigEndian.Uint32(b[8:])),
		epoch:   binary.BigEndian.Uint64(b[12:]),
		seq:     binary.BigEndian.Uint64(b[20:]),
		gop:     binary.BigEndian.Uint64(b[28:]),
		capture: int64(binary.BigEndian.Uint64(b[36:])),
	}
}
