package h264

import (
	"encoding/binary"
	"fmt"
)

// validLengthSize reports whether n is a NAL unit length size an
// AVCDecoderConfigurationRecord can declare: lengthSizeMinusOne is 0, 1 or 3
// (ISO/IEC 14496-15 5.3.3.1.2).
func validLengthSize(n int) bool {
	return n == 1 || n == 2 || n == 4
}

// SplitAVCC splits a sample in AVCC form, as MP4 and Matroska store access
// units, into its NAL units. Each NAL unit is preceded by its length in
// lengthSize bytes, big-endian; lengthSize is 1, 2 or 4, as the avcC record
// (DecoderConfig.LengthSize) declares.
//
// The returned NAL units alias b: nothing is copied, so they are valid only
// as long as b is. Each has its capacity cut to its length, so appending to
// one never overwrites b. NAL units of length zero are skipped.
//
// It returns ErrEmpty for an empty input or one holding only zero lengths,
// ErrInvalidLength for another lengthSize or a length that overruns b, and
// ErrTooManyNALUs beyond MaxNALUsPerAccessUnit NAL units.
func SplitAVCC(b []byte, lengthSize int) ([][]byte, error) {
	if !validLengthSize(lengthSize) {
		return nil, fmt.Errorf("%w: length size %d, want 1, 2 or 4", ErrInvalidLength, lengthSize)
	}
	if len(b) == 0 {
		return nil, ErrEmpty
	}
	var nalus [][]byte
	for pos := 0; pos < len(b); {
		if len(b)-pos < lengthSize {
			return nil, fmt.Errorf("%w: %d bytes left at offset %d, too few for a %d-byte length",
				ErrInvalidLength, len(b)-pos, pos, lengthSize)
		}
		length := readLength(b[pos:], lengthSize)
		pos += lengthSize
		if length > uint64(len(b)-pos) {
			return nil, fmt.Errorf("%w: NAL unit of %d bytes at offset %d, only %d left",
				ErrInvalidLength, length, pos, len(b)-pos)
		}
		if length == 0 {
			continue
		}
		if len(nalus) == MaxNALUsPerAccessUnit {
			return nil, fmt.Errorf("%w: more than %d", ErrTooManyNALUs, MaxNALUsPerAccessUnit)
		}
		end := pos + int(length)
		nalus = append(nalus, b[pos:end:end])
		pos = end
	}
	if len(nalus) == 0 {
		return nil, fmt.Errorf("%w: only zero lengths", ErrEmpty)
	}
	return nalus, nil
}

func readLength(b []byte, size int) uint64 {
	switch size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.BigEndian.Uint16(b))
	default:
		return uint64(binary.BigEndian.Uint32(b))
	}
}

// JoinAVCC writes NAL units in AVCC form, each behind its length in
// lengthSize bytes, into a new slice. Empty NAL units are skipped. It returns
// ErrInvalidLength for a lengthSize other than 1, 2 or 4, or a NAL unit too
// long for it.
func JoinAVCC(nalus [][]byte, lengthSize int) ([]byte, error) {
	size := 0
	for _, nalu := range nalus {
		if len(nalu) > 0 {
			size += lengthSize + len(nalu)
		}
	}
	return AppendAVCC(make([]byte, 0, size), nalus, lengthSize)
}

// AppendAVCC is JoinAVCC writing into dst: it appends the NAL units to dst
// and returns the extended slice. On error it returns dst unchanged.
func AppendAVCC(dst []byte, nalus [][]byte, lengthSize int) ([]byte, error) {
	if !validLengthSize(lengthSize) {
		return dst, fmt.Errorf("%w: length size %d, want 1, 2 or 4", ErrInvalidLength, lengthSize)
	}
	maxLength := uint64(1)<<(8*lengthSize) - 1
	for i, nalu := range nalus {
		if uint64(len(nalu)) > maxLength {
			return dst, fmt.Errorf("%w: NAL unit %d has %d bytes, more than a %d-byte length can hold",
				ErrInvalidLength, i, len(nalu), lengthSize)
		}
	}
	for _, nalu := range nalus {
		if len(nalu) == 0 {
			continue
		}
		switch lengthSize {
		case 1:
			dst = append(dst, byte(len(nalu)))
		case 2:
			dst = binary.BigEndian.AppendUint16(dst, uint16(len(nalu)))
		default:
			dst = binary.BigEndian.AppendUint32(dst, uint32(len(nalu)))
		}
		dst = append(dst, nalu...)
	}
	return dst, nil
}
