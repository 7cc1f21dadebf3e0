package h264

// RemoveEmulationPrevention turns a NAL unit's payload into its raw byte
// sequence payload (RBSP) by dropping every emulation_prevention_three_byte,
// the 03 in each 00 00 03 (ITU-T H.264 7.4.1).
//
// It returns b itself when there is nothing to remove, and otherwise a new
// slice; b is never modified.
func RemoveEmulationPrevention(b []byte) []byte {
	first := emulationPreventionIndex(b)
	if first < 0 {
		return b
	}
	out := make([]byte, 0, len(b)-1)
	out = append(out, b[:first]...)
	zeros := 2 // the two zeros before b[first], already copied
	for i := first; i < len(b); i++ {
		if zeros >= 2 && b[i] == 3 {
			zeros = 0
			continue
		}
		if b[i] == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, b[i])
	}
	return out
}

// emulationPreventionIndex returns the index of the first
// emulation_prevention_three_byte in b, or -1 when there is none.
func emulationPreventionIndex(b []byte) int {
	zeros := 0
	for i, c := range b {
		switch {
		case zeros >= 2 && c == 3:
			return i
		case c == 0:
			zeros++
		default:
			zeros = 0
		}
	}
	return -1
}
