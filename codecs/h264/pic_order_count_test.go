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
