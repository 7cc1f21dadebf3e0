package h264

// IsIntraPicture reports whether an access unit, given as its NAL units,
// is a picture coded with I (or SI) slices alone: its slices refer to no
// other picture. Unless it is an IDR or carries a recovery point
// (AccessOf), the pictures after it may still refer to pictures before it,
// so it is no random access point; a stream of such pictures without IDRs
// is still a sign of a camera that uses open GOPs. A slice whose type cannot
// be read counts as not intra. nalus is not modified or kept.
func IsIntraPicture(nalus [][]byte) bool {
	slices := 0
	for _, nalu := range nalus {
		if t := TypeOf(nalu); t != NALUTypeNonIDR && t != NALUTypeIDR {
			continue
		}
		typ, ok := sliceTypeOf(nalu)
		if !ok || (typ != SliceI && typ != SliceSI) {
			return false
		}
		slices++
	}
	return slices > 0
}

// sliceTypeOf reads the slice_type of a coded slice, which needs no
// parameter set: it follows first_mb_in_slice, the header's first element.
func sliceTypeOf(nalu []byte) (SliceType, bool) {
	s := &syntaxReader{r: NewBitReader(RemoveEmulationPrevention(headOf(nalu[1:])))}
	s.ue("first_mb_in_slice")
	typ := s.ueLimit(maxSliceType, "slice_type", ErrInvalidSliceHeader)
	if s.err != nil {
		return 0, false
	}
	return SliceType(typ % 5), true
}
