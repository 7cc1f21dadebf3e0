package h264

import "fmt"

// Scaling list sizes: 4x4 lists have 16 coefficients, 8x8 lists 64.
const (
	scalingList4x4Size = 16
	scalingList8x8Size = 64
	// scalingLists4x4 is the number of 4x4 lists: intra and inter for Y, Cb, Cr.
	scalingLists4x4 = 6
)

// Range of delta_scale (ITU-T H.264 7.4.2.1.1).
const (
	minDeltaScale = -128
	maxDeltaScale = 127
)

// skipScalingLists reads past the seq_scaling_list_present_flag[] and
// scaling_list() syntax of an SPS: 8 lists, or 12 in 4:4:4, where each chroma
// plane has 8x8 lists of its own.
func skipScalingLists(s *syntaxReader, chromaFormatIDC uint32) {
	lists := 8
	if chromaFormatIDC == 3 {
		lists = 12
	}
	for i := 0; i < lists && s.err == nil; i++ {
		if !s.flag("seq_scaling_list_present_flag") {
			continue
		}
		size := scalingList8x8Size
		if i < scalingLists4x4 {
			size = scalingList4x4Size
		}
		skipScalingList(s, size)
	}
}

// skipScalingList reads past one scaling_list() of size coefficients
// (ITU-T H.264 7.3.2.1.1.1). Coding stops early when a coefficient's next
// scale is 0: the rest of the list repeats the last one, or the whole list
// is the default when that happens at the first coefficient.
func skipScalingList(s *syntaxReader, size int) {
	lastScale, nextScale := int32(8), int32(8)
	for j := 0; j < size && s.err == nil; j++ {
		if nextScale == 0 {
			return
		}
		delta := s.se("delta_scale")
		if delta < minDeltaScale || delta > maxDeltaScale {
			s.err = fmt.Errorf("%w: delta_scale %d outside [%d, %d]", ErrInvalidSPS, delta, minDeltaScale, maxDeltaScale)
			return
		}
		nextScale = (lastScale + delta + 256) % 256
		if nextScale != 0 {
			lastScale = nextScale
		}
	}
}
