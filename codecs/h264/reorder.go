package h264

// maxDPBFrames is the most frames a decoded picture buffer holds at any
// level (ITU-T H.264 A.3.1, MaxDpbFrames).
const maxDPBFrames = 16

// maxDPBMbs is MaxDpbMbs of ITU-T H.264 table A-1, by level_idc (9 is
// level 1b).
var maxDPBMbs = map[uint8]int{
	9: 396, 10: 396, 11: 900, 12: 2376, 13: 2376, 20: 2376, 21: 4752, 22: 8100,
	30: 8100, 31: 18000, 32: 20480, 40: 32768, 41: 32768, 42: 34816,
	50: 110400, 51: 184320, 52: 184320, 60: 696320, 61: 696320, 62: 696320,
}

// constraintSet3 is constraint_set3_flag in SPS.ConstraintSetFlags.
const constraintSet3 = 0x10

// MaxReorderFrames returns max_num_reorder_frames: how many frames may
// precede a frame in decode order and follow it in output order, that is
// how many frames a decoder holds back before it outputs one. It is the
// VUI's value when its bitstream restrictions give it, and otherwise the
// value ITU-T H.264 E.2.1 infers: 0 for the intra-only profiles, else
// MaxDpbFrames, the frames the level's decoded picture buffer holds at the
// SPS's picture size (at most 16; 16 for an unknown level).
//
// A stream of pic_order_cnt_type 2 never reorders whatever this says: see
// PresentationOrder.
func (s *SPS) MaxReorderFrames() int {
	if s.VUI != nil && s.VUI.BitstreamRestriction {
		return int(min(s.VUI.MaxNumReorderFrames, maxDPBFrames))
	}
	switch s.ProfileIDC {
	case 44, 86, 100, 110, 122, 244:
		if s.ConstraintSetFlags&constraintSet3 != 0 {
			return 0
		}
	}
	mbs, ok := maxDPBMbs[s.LevelIDC]
	if !ok {
		return maxDPBFrames
	}
	frame := (int(s.PicWidthInMBsMinus1) + 1) * int(s.frameHeightInMBs())
	return min(mbs/max(frame, 1), maxDPBFrames)
}
