package h264

import (
	"bytes"
	"fmt"
)

// startCode3 is the three-byte start code that opens every NAL unit of an
// Annex B byte stream; the four-byte form is a zero_byte followed by it.
var startCode3 = []byte{0, 0, 1}

// startCode4 is the start code AppendAnnexB writes. The four-byte form is
// what Annex B requires before parameter sets and the first NAL unit of an
// access unit, and it is valid before any NAL unit.
var startCode4 = []byte{0, 0, 0, 1}

// SplitAnnexB splits an Annex B byte stream holding one access unit into its
// NAL units.
//
// The stream may open with any number of zero bytes before its first start
// code, and use three- and four-byte start codes freely. Zero bytes before a
// start code or at the end of the stream (trailing_zero_8bits) are dropped: a
// NAL unit never ends in a zero byte. Empty NAL units, found between two
// start codes with nothing but zero bytes in between, are skipped rather than
// reported.
//
// The returned NAL units alias b: nothing is copied, so they are valid only
// as long as b is and change when b does. Each has its capacity cut to its
// length, so appending to one never overwrites b.
//
// It returns ErrEmpty for an empty input or one without any NAL unit,
// ErrNoStartCode when b does not begin with a start code, and ErrTooManyNALUs
// beyond MaxNALUsPerAccessUnit NAL units.
func SplitAnnexB(b []byte) ([][]byte, error) { return AppendSplitAnnexB(nil, b) }

// AppendSplitAnnexB is SplitAnnexB appending the NAL units of b to dst: it
// returns the extended slice, or dst as it was and the error. A caller
// that splits one access unit after another into the same dst[:0]
// allocates nothing once dst has grown.
func AppendSplitAnnexB(dst [][]byte, b []byte) ([][]byte, error) {
	if len(b) == 0 {
		return dst, ErrEmpty
	}
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	if zeros < 2 || zeros == len(b) || b[zeros] != 1 {
		return dst, fmt.Errorf("%w: stream begins with % x", ErrNoStartCode, b[:min(len(b), 4)])
	}
	nalus, first := dst, len(dst)
	pos := zeros + 1
	for {
		end, next := len(b), -1
		if i := bytes.Index(b[pos:], startCode3); i >= 0 {
			end, next = pos+i, pos+i+len(startCode3)
		}
		if nalu := trimTrailingZeros(b[pos:end]); len(nalu) > 0 {
			if len(nalus)-first == MaxNALUsPerAccessUnit {
				return dst, fmt.Errorf("%w: more than %d", ErrTooManyNALUs, MaxNALUsPerAccessUnit)
			}
			nalus = append(nalus, nalu[:len(nalu):len(nalu)])
		}
		if next < 0 {
			break
		}
		pos = next
	}
	if len(nalus) == first {
		return dst, fmt.Errorf("%w: only start codes and zero bytes", ErrEmpty)
	}
	return nalus, nil
}

// trimTrailingZeros drops the zero bytes that end b. They belong to the next
// start code's zero_byte or to trailing_zero_8bits, never to the NAL unit.
func trimTrailingZeros(b []byte) []byte {
	n := len(b)
	for n > 0 && b[n-1] == 0 {
		n--
	}
	return b[:n]
}

// JoinAnnexB writes NAL units as an Annex B byte stream, each behind a
// four-byte start code, into a new slice. Empty NAL units are skipped. The
// NAL units must already carry their emulation prevention bytes.
func JoinAnnexB(nalus [][]byte) []byte {
	size := 0
	for _, nalu := range nalus {
		if len(nalu) > 0 {
			size += len(startCode4) + len(nalu)
		}
	}
	return AppendAnnexB(make([]byte, 0, size), nalus)
}

// AppendAnnexB is JoinAnnexB writing into dst: it appends the byte stream to
// dst and returns the extended slice.
func AppendAnnexB(dst []byte, nalus [][]byte) []byte {
	for _, nalu := range nalus {
		if len(nalu) == 0 {
			continue
		}
		dst = append(dst, startCode4...)
		dst = append(dst, nalu...)
	}
	return dst
}
