package h264

import "testing"

func TestMaxReorderFramesReadsOrInfersTheDepth(t *testing.T) {
	x264, err := ParseSPS(mustDecodeHex(t, spsCases[0].hex))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sps  *SPS
		want int
	}{
		{"x264's bitstream restrictions", x264, int(x264.VUI.MaxNumReorderFrames)},
		{"stated", &SPS{VUI: &VUI{BitstreamRestriction: true, MaxNumReorderFrames: 3}}, 3},
		{"intra-only profile", &SPS{ProfileIDC: 110, ConstraintSetFlags: constraintSet3, LevelIDC: 40}, 0},
		{"level 3.0 at 720x576: 8100 / 1620 macroblocks", &SPS{ProfileIDC: 77, LevelIDC: 30, PicWidthInMBsMinus1: 44, PicHeightInMapUnitsMinus1: 35, FrameMBSOnly: true}, 5},
		{"level 4.0 at 1920x1088: 32768 / 8160 macroblocks", &SPS{ProfileIDC: 100, LevelIDC: 40, PicWidthInMBsMinus1: 119, PicHeightInMapUnitsMinus1: 67, FrameMBSOnly: true}, 4},
		{"small pictures: at most 16", &SPS{ProfileIDC: 100, LevelIDC: 51, FrameMBSOnly: true}, 16},
		{"unknown level", &SPS{ProfileIDC: 100, LevelIDC: 99, FrameMBSOnly: true}, 16},
	}
	for _, tc := range tests {
		if got := tc.sps.MaxReorderFrames(); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestParseSPSReadsTheBitstreamRestrictions(t *testing.T) {
	// x264's defaults, three B-frames in a pyramid: two frames reordered,
	// four buffered.
	sps, err := ParseSPS(mustDecodeHex(t, "6764000dacd94141fb0110000003001000000303c0f1429960"))
	if err != nil {
		t.Fatal(err)
	}
	if v := sps.VUI; v == nil || !v.BitstreamRestriction || v.MaxNumReorderFrames != 2 || v.MaxDecFrameBuffering != 4 {
		t.Errorf("VUI %+v", v)
	}
}
