package h264

import "testing"

func TestPicOrderCounterCountsType0AcrossTheLsbWrap(t *testing.T) {
	sps := &SPS{PicOrderCntType: 0, Log2MaxPicOrderCntLsb: 4, Log2MaxFrameNum: 4, FrameMBSOnly: true}
	pictures := []struct {
		h    SliceHeader
		want int64
	}{
		{SliceHeader{IDR: true, NALRefIDC: 3}, 0},
		{SliceHeader{NALRefIDC: 2, PicOrderCntLsb: 14}, -2}, // far above the last: the count went back
		{SliceHeader{NALRefIDC: 2, PicOrderCntLsb: 6}, 6},
		{SliceHeader{NALRefIDC: 2, PicOrderCntLsb: 12}, 12},
		{SliceHeader{NALRefIDC: 2, PicOrderCntLsb: 2}, 18}, // wrapped
		{SliceHeader{NALRefIDC: 0, PicOrderCntLsb: 14}, 14},
		{SliceHeader{NALRefIDC: 2, PicOrderCntLsb: 8}, 24}, // the non-reference picture did not move the base
		{SliceHeader{NALRefIDC: 2, PicOrderCntLsb: 10, DeltaPicOrderCntBottom: -3}, 23},
		{SliceHeader{NALRefIDC: 2, PicOrderCntLsb: 12, FieldPic: true, BottomField: true}, 28},
		{SliceHeader{IDR: true, NALRefIDC: 3, PicOrderCntLsb: 4}, 4}, // an IDR starts over
		{SliceHeader{NALRefIDC: 2, PicOrderCntLsb: 6}, 6},
	}
	var c PicOrderCounter
	for i, p := range pictures {
		if got := c.Count(&p.h, sps); got != p.want {
			t.Errorf("picture %d (%+v): count %d, want %d", i, p.h, got, p.want)
		}
	}
}

func TestPicOrderCounterCountsType1(t *testing.T) {
	sps := &SPS{PicOrderCntType: 1, Log2MaxFrameNum: 4, OffsetForNonRefPic: -1, OffsetForTopToBottomField: 1,
		OffsetForRefFrame: []int32{2, 4}}
	pictures := []struct {
		h    SliceHeader
		want int64
	}{
		{SliceHeader{IDR: true, NALRefIDC: 3}, 0},
		{SliceHeader{NALRefIDC: 2, FrameNum: 1}, 2},                                                             // first of the cycle
		{SliceHeader{NALRefIDC: 2, FrameNum: 2}, 6},                                                             // second: +4
		{SliceHeader{NALRefIDC: 0, FrameNum: 3}, 5},                                                             // non-reference: as frame 2, less 1
		{SliceHeader{NALRefIDC: 2, FrameNum: 3, DeltaPicOrderCnt: [2]int32{0, -5}}, 4},                          // bottom field first: 8+1-5
		{SliceHeader{NALRefIDC: 2, FrameNum: 4, FieldPic: true, BottomField: true}, 13},                         // 6+2+4, +1
		{SliceHeader{NALRefIDC: 2, FrameNum: 0, FieldPic: true, DeltaPicOrderCnt: [2]int32{1, 0}}, 7*6 + 6 + 1}, // frame_num wrapped: 16
	}
	var c PicOrderCounter
	for i, p := range pictures {
		if got := c.Count(&p.h, sps); got != p.want {
			t.Errorf("picture %d (%+v): count %d, want %d", i, p.h, got, p.want)
		}
	}
}

func TestPicOrderCounterCountsType2InDecodeOrder(t *testing.T) {
	sps := &SPS{PicOrderCntType: 2, Log2MaxFrameNum: 4}
	pictures := []struct {
		h    SliceHeader
		want int64
	}{
		{SliceHeader{IDR: true, NALRefIDC: 3}, 0},
		{SliceHeader{NALRefIDC: 2, FrameNum: 1}, 2},
		{SliceHeader{NALRefIDC: 0, FrameNum: 2}, 3},
		{SliceHeader{NALRefIDC: 2, FrameNum: 15}, 30},
		{SliceHeader{NALRefIDC: 2, FrameNum: 0}, 32}, // frame_num wrapped
		{SliceHeader{IDR: true, NALRefIDC: 3}, 0},
	}
	var c PicOrderCounter
	for i, p := range pictures {
		if got := c.Count(&p.h, sps); got != p.want {
			t.Errorf("picture %d (%+v): count %d, want %d", i, p.h, got, p.want)
		}
	}
}

func TestPicOrderCounterStartsOverAfterMMCO5(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sps      *SPS
		pictures []SliceHeader
		want     []int64
	}{
		{"type 0", &SPS{PicOrderCntType: 0, Log2MaxPicOrderCntLsb: 6, Log2MaxFrameNum: 4},
			[]SliceHeader{{IDR: true, NALRefIDC: 3}, {NALRefIDC: 2, PicOrderCntLsb: 30}, {NALRefIDC: 2, PicOrderCntLsb: 50, MMCO5: true},
				{NALRefIDC: 2, PicOrderCntLsb: 4}, {NALRefIDC: 0, PicOrderCntLsb: 62}},
			[]int64{0, 30, 0, 4, -2}},
		{"type 0, bottom field first", &SPS{PicOrderCntType: 0, Log2MaxPicOrderCntLsb: 6, Log2MaxFrameNum: 4},
			[]SliceHeader{{IDR: true, NALRefIDC: 3}, {NALRefIDC: 2, PicOrderCntLsb: 20, DeltaPicOrderCntBottom: -2, MMCO5: true},
				{NALRefIDC: 2, PicOrderCntLsb: 6}},
			[]int64{0, 0, 6}}, // the top field's count after the reset is 2; 6 stays 6
		{"type 1", &SPS{PicOrderCntType: 1, Log2MaxFrameNum: 4, OffsetForRefFrame: []int32{2}},
			[]SliceHeader{{IDR: true, NALRefIDC: 3}, {NALRefIDC: 2, FrameNum: 1}, {NALRefIDC: 2, FrameNum: 2, MMCO5: true},
				{NALRefIDC: 2, FrameNum: 1}},
			[]int64{0, 2, 0, 2}},
		{"type 2", &SPS{PicOrderCntType: 2, Log2MaxFrameNum: 4},
			[]SliceHeader{{IDR: true, NALRefIDC: 3}, {NALRefIDC: 2, FrameNum: 9}, {NALRefIDC: 2, FrameNum: 10, MMCO5: true},
				{NALRefIDC: 2, FrameNum: 1}},
			[]int64{0, 18, 0, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c PicOrderCounter
			for i := range tc.pictures {
				if got := c.Count(&tc.pictures[i], tc.sps); got != tc.want[i] {
					t.Errorf("picture %d: count %d, want %d", i, got, tc.want[i])
				}
			}
		})
	}
}
