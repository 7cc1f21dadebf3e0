package h264

// PicOrderCounter computes the picture order count (PicOrderCnt, ITU-T
// H.264 8.2.1) of pictures given one at a time in decode order: the number
// that orders a coded video sequence's pictures for output. It starts over
// at every IDR picture, and after a picture with
// memory_management_control_operation 5 (SliceHeader.MMCO5), whose own
// count is then 0. All three pic_order_cnt_type values are computed.
//
// The zero value is ready to use. A PicOrderCounter is not safe for
// concurrent use.
type PicOrderCounter struct {
	// type 0: PicOrderCntMsb and pic_order_cnt_lsb of the previous
	// reference picture
	prevMsb, prevLsb int64
	// types 1 and 2: FrameNumOffset and frame_num of the previous picture
	prevFrameNumOffset int64
	prevFrameNum       uint32
}

// Count returns the PicOrderCnt of the picture whose first slice header is
// h, coded with sps (the SPS h's PPS refers to), and takes the picture as
// the previous one for the next call. For a frame it is the lesser of its
// two fields' counts; for a field, the field's. Arithmetic wraps rather than
// fails on hostile values: the result is then meaningless but harmless.
func (c *PicOrderCounter) Count(h *SliceHeader, sps *SPS) int64 {
	var count, top int64
	switch sps.PicOrderCntType {
	case 0:
		count, top = c.countType0(h, sps)
	case 1:
		count, top = c.countType1(h, sps), 0
	default:
		count, top = c.countType2(h, sps), 0
	}
	if !h.MMCO5 {
		return count
	}
	// After the reset the picture's count is 0 (8.2.1, tempPicOrderCnt),
	// and it is the previous picture of the next count as if it were 0.
	c.prevMsb, c.prevLsb = 0, 0
	if sps.PicOrderCntType == 0 && !(h.FieldPic && h.BottomField) {
		c.prevLsb = top - count // its top field's count after the reset
	}
	c.prevFrameNumOffset, c.prevFrameNum = 0, 0
	return 0
}

// countType0 is ITU-T H.264 8.2.1.1. It also returns the top field's
// count (TopFieldOrderCnt).
func (c *PicOrderCounter) countType0(h *SliceHeader, sps *SPS) (count, top int64) {
	if h.IDR {
		c.prevMsb, c.prevLsb = 0, 0
	}
	maxLsb := int64(1) << sps.Log2MaxPicOrderCntLsb
	lsb := int64(h.PicOrderCntLsb)
	msb := c.prevMsb
	switch {
	case lsb < c.prevLsb && c.prevLsb-lsb >= maxLsb/2:
		msb += maxLsb
	case lsb > c.prevLsb && lsb-c.prevLsb > maxLsb/2:
		msb -= maxLsb
	}
	if h.NALRefIDC != 0 {
		c.prevMsb, c.prevLsb = msb, lsb
	}
	top = msb + lsb
	if h.FieldPic {
		return top, top // a bottom field's count is computed the same way
	}
	return min(top, top+int64(h.DeltaPicOrderCntBottom)), top
}

// frameNumOffset is FrameNumOffset of equations 8-6 and 8-11, and takes the
// picture as the previous one.
func (c *PicOrderCounter) frameNumOffset(h *SliceHeader, sps *SPS) int64 {
	offset := c.prevFrameNumOffset
	switch {
	case h.IDR:
		offset = 0
	case c.prevFrameNum > h.FrameNum:
		offset += int64(1) << sps.Log2MaxFrameNum
	}
	c.prevFrameNumOffset, c.prevFrameNum = offset, h.FrameNum
	return offset
}

// countType1 is ITU-T H.264 8.2.1.2.
func (c *PicOrderCounter) countType1(h *SliceHeader, sps *SPS) int64 {
	offset := c.frameNumOffset(h, sps)
	cycle := int64(len(sps.OffsetForRefFrame))
	var absFrameNum int64
	if cycle != 0 {
		absFrameNum = offset + int64(h.FrameNum)
	}
	if h.NALRefIDC == 0 && absFrameNum > 0 {
		absFrameNum--
	}
	var expected int64
	if absFrameNum > 0 {
		var deltaPerCycle int64
		for _, o := range sps.OffsetForRefFrame {
			deltaPerCycle += int64(o)
		}
		cycles, inCycle := (absFrameNum-1)/cycle, (absFrameNum-1)%cycle
		expected = cycles * deltaPerCycle
		for _, o := range sps.OffsetForRefFrame[:inCycle+1] {
			expected += int64(o)
		}
	}
	if h.NALRefIDC == 0 {
		expected += int64(sps.OffsetForNonRefPic)
	}
	switch {
	case !h.FieldPic:
		top := expected + int64(h.DeltaPicOrderCnt[0])
		bottom := top + int64(sps.OffsetForTopToBottomField) + int64(h.DeltaPicOrderCnt[1])
		return min(top, bottom)
	case h.BottomField:
		return expected + int64(sps.OffsetForTopToBottomField) + int64(h.DeltaPicOrderCnt[0])
	default:
		return expected + int64(h.DeltaPicOrderCnt[0])
	}
}

// countType2 is ITU-T H.264 8.2.1.3: output order is decode order.
func (c *PicOrderCounter) countType2(h *SliceHeader, sps *SPS) int64 {
	offset := c.frameNumOffset(h, sps)
	if h.IDR {
		return 0
	}
	count := 2 * (offset + int64(h.FrameNum))
	if h.NALRefIDC == 0 {
		count--
	}
	return count
}
