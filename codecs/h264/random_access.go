package h264

// IsRandomAccess reports whether an access unit, given as its NAL units,
// holds a slice of an IDR picture: decoding can start there, as no picture
// before it is referenced.
func IsRandomAccess(nalus [][]byte) bool {
	for _, nalu := range nalus {
		if TypeOf(nalu) == NALUTypeIDR {
			return true
		}
	}
	return false
}
