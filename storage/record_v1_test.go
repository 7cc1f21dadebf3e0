package storage

import (
	"encoding/binary"

	"github.com/gopline/gopline/media"
)

// encodeRecordV1 returns the version 1 record of p, as format version 2
// files hold them. p must have passed checkPacket.
func encodeRecordV1(p *media.Packet) []byte {
	b := make([]byte, recordHeaderSizeV1+len(p.Data))
	b[0] = recordVersion1
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
	binary.BigEndian.PutUint32(b[lengthOffsetV1:], uint32(len(p.Data)))
	copy(b[recordHeaderSizeV1:], p.Data)
	binary.BigEndian.PutUint32(b[crcOffsetV1:], recordCRC(b[:crcOffsetV1], b[recordHeaderSizeV1:]))
	return b
}

// encodeRecordAs returns the record of p in the given record version.
func encodeRecordAs(version byte, p *media.Packet) []byte {
	if version == recordVersion1 {
		return encodeRecordV1(p)
	}
	return encodeRecord(p)
}

// fixRecord returns a copy of b, a record of either version, with its
// length and checksum made right for the bytes it holds, or nil when b's
// header is too damaged to tell where those fields are. Fuzz tests use it to
// reach the checks behind the checksum.
func fixRecord(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case recordVersion1:
		if len(b) < recordHeaderSizeV1 {
			return nil
		}
		fixed := append([]byte(nil), b...)
		binary.BigEndian.PutUint32(fixed[lengthOffsetV1:], uint32(len(fixed)-recordHeaderSizeV1))
		binary.BigEndian.PutUint32(fixed[crcOffsetV1:], recordCRC(fixed[:crcOffsetV1], fixed[recordHeaderSizeV1:]))
		return fixed
	case recordVersion2:
		_, n := binary.Uvarint(b[1:])
		if n <= 0 {
			return nil
		}
		start := 1 + n // the flags
		off := start + 3
		if off > len(b) {
			return nil
		}
		for range 5 { // width, height, seq, seq minus GOP, capture time
			_, n := binary.Uvarint(b[off:])
			if n <= 0 {
				return nil
			}
			off += n
		}
		off += 8 // the epoch; the CRC follows
		if off+4 > len(b) {
			return nil
		}
		fixed := binary.AppendUvarint([]byte{recordVersion2}, uint64(len(b)-start))
		crcAt := len(fixed) + off - start
		fixed = append(fixed, b[start:]...)
		binary.BigEndian.PutUint32(fixed[crcAt:], recordCRC(fixed[:crcAt], fixed[crcAt+4:]))
		return fixed
	}
	return nil
}
