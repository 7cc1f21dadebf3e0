package h264

import "fmt"

// seiRecoveryPoint is the payloadType of the recovery point SEI message
// (ITU-T H.264 D.1.8).
const seiRecoveryPoint = 6

// maxRecoveryFrameCount bounds recovery_frame_cnt: the standard allows up
// to MaxFrameNum - 1, and MaxFrameNum is at most 2^16 (D.2.8).
const maxRecoveryFrameCount = 1<<16 - 1

// RecoveryPoint is the recovery point SEI message (ITU-T H.264 D.2.8). A
// decoder that starts at the access unit carrying it outputs correct
// pictures from FrameCount frames after it on, in output order: at once for
// an open-GOP I picture (FrameCount 0), after the refresh wave has swept
// the picture for intra refresh (FrameCount about a GOP).
type RecoveryPoint struct {
	// FrameCount is recovery_frame_cnt: how many frames after this one
	// may still show what came before the recovery point.
	FrameCount uint32
	// ExactMatch is exact_match_flag: the pictures from the recovery on
	// are exactly those of a decoder that started earlier.
	ExactMatch bool
	// BrokenLink is broken_link_flag: pictures around the recovery point
	// may be seriously wrong (a splice).
	BrokenLink bool
}

// FindRecoveryPoint returns the recovery point SEI message of an access
// unit, given as its NAL units, and whether it holds one. SEI NAL units
// that do not parse are skipped. nalus is not modified or kept.
func FindRecoveryPoint(nalus [][]byte) (RecoveryPoint, bool) {
	for _, nalu := range nalus {
		if TypeOf(nalu) != NALUTypeSEI {
			continue
		}
		if rp, ok, err := ParseRecoveryPoint(nalu); ok && err == nil {
			return rp, true
		}
	}
	return RecoveryPoint{}, false
}

// ParseRecoveryPoint reads the SEI messages of an SEI NAL unit (its header
// byte included) and returns its recovery point message, and whether it
// holds one. It returns ErrNotSEI for another NAL unit type and
// ErrTruncated when a message runs past the end of the NAL unit before the
// recovery point is found. It neither modifies nalu nor keeps it.
func ParseRecoveryPoint(nalu []byte) (RecoveryPoint, bool, error) {
	if TypeOf(nalu) != NALUTypeSEI {
		return RecoveryPoint{}, false, fmt.Errorf("%w: nal_unit_type is %v", ErrNotSEI, TypeOf(nalu))
	}
	rbsp := RemoveEmulationPrevention(nalu[1:])
	for moreSEIMessages(rbsp) {
		typ, payload, rest, err := nextSEIMessage(rbsp)
		if err != nil {
			return RecoveryPoint{}, false, err
		}
		if typ == seiRecoveryPoint {
			rp, err := readRecoveryPoint(payload)
			return rp, err == nil, err
		}
		rbsp = rest
	}
	return RecoveryPoint{}, false, nil
}

// moreSEIMessages reports whether rbsp holds more than its trailing bits
// (a single 0x80, maybe followed by zero bytes).
func moreSEIMessages(rbsp []byte) bool {
	for i, b := range rbsp {
		if b == 0x80 && allZero(rbsp[i+1:]) {
			return false
		}
		return true
	}
	return false
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// nextSEIMessage splits the first sei_message of rbsp: its payloadType, its
// payload and the bytes after it.
func nextSEIMessage(rbsp []byte) (typ int, payload, rest []byte, err error) {
	typ, rbsp, err = seiNumber(rbsp, "payloadType")
	if err != nil {
		return 0, nil, nil, err
	}
	size, rbsp, err := seiNumber(rbsp, "payloadSize")
	if err != nil {
		return 0, nil, nil, err
	}
	if size > len(rbsp) {
		return 0, nil, nil, fmt.Errorf("%w: SEI payload of %d bytes, %d left", ErrTruncated, size, len(rbsp))
	}
	return typ, rbsp[:size], rbsp[size:], nil
}

// seiNumber reads a payloadType or payloadSize: 0xFF bytes, each adding
// 255, then a last byte added as it is. The count of 0xFF bytes is bounded
// by the input's length.
func seiNumber(b []byte, element string) (int, []byte, error) {
	n := 0
	for i, c := range b {
		n += int(c)
		if c != 0xff {
			return n, b[i+1:], nil
		}
	}
	return 0, nil, fmt.Errorf("%w (reading %s)", ErrTruncated, element)
}

// readRecoveryPoint reads a recovery point SEI payload.
func readRecoveryPoint(payload []byte) (RecoveryPoint, error) {
	s := &syntaxReader{r: NewBitReader(payload)}
	var rp RecoveryPoint
	rp.FrameCount = s.ueLimit(maxRecoveryFrameCount, "recovery_frame_cnt", ErrInvalidSEI)
	rp.ExactMatch = s.flag("exact_match_flag")
	rp.BrokenLink = s.flag("broken_link_flag")
	s.u(2, "changing_slice_group_idc")
	if s.err != nil {
		return RecoveryPoint{}, s.err
	}
	return rp, nil
}
