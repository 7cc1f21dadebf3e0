package h264

// Access says whether, and how, decoding can start at an access unit.
type Access uint8

const (
	// AccessNone: decoding cannot start here; the pictures after may refer
	// to pictures before.
	AccessNone Access = iota
	// AccessIDR: an IDR picture; no later picture refers to an earlier one
	// and every picture from it on is correct.
	AccessIDR
	// AccessRecoveryPoint: a picture with a recovery point SEI message
	// (FindRecoveryPoint), as cameras that use intra refresh or open GOPs
	// send instead of IDRs; pictures are correct from the recovery point's
	// FrameCount frames on (at once for an open GOP's I picture).
	AccessRecoveryPoint
)

// String returns "none", "IDR" or "recovery point".
func (a Access) String() string {
	switch a {
	case AccessIDR:
		return "IDR"
	case AccessRecoveryPoint:
		return "recovery point"
	}
	return "none"
}

// AccessOf returns how decoding can start at an access unit, given as its
// NAL units: at an IDR slice, or at a coded picture that carries a recovery
// point SEI message. nalus is not modified or kept.
func AccessOf(nalus [][]byte) Access {
	if IsIDR(nalus) {
		return AccessIDR
	}
	if hasSlice(nalus) {
		if _, ok := FindRecoveryPoint(nalus); ok {
			return AccessRecoveryPoint
		}
	}
	return AccessNone
}

// IsRandomAccess reports whether decoding can start at an access unit,
// given as its NAL units: whether it holds an IDR slice or is a picture
// with a recovery point SEI message (AccessOf).
func IsRandomAccess(nalus [][]byte) bool {
	return AccessOf(nalus) != AccessNone
}

// IsIDR reports whether an access unit, given as its NAL units, holds a
// slice of an IDR picture: no picture before it is referenced.
func IsIDR(nalus [][]byte) bool {
	for _, nalu := range nalus {
		if TypeOf(nalu) == NALUTypeIDR {
			return true
		}
	}
	return false
}

// hasSlice reports whether nalus holds a coded slice of a picture.
func hasSlice(nalus [][]byte) bool {
	for _, nalu := range nalus {
		if t := TypeOf(nalu); t == NALUTypeNonIDR || t == NALUTypeIDR {
			return true
		}
	}
	return false
}
