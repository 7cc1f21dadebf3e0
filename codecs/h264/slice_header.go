package h264

import "fmt"

// Ranges the standard gives slice header elements (ITU-T H.264 7.4.3).
const (
	maxSliceType = 9     // slice_type; 5 to 9 say every slice of the picture has the type
	maxIDRPicID  = 65535 // idr_pic_id
)

// SliceType is slice_type modulo 5 (ITU-T H.264 table 7-6).
type SliceType uint8

// Slice types.
const (
	SliceP  SliceType = 0
	SliceB  SliceType = 1
	SliceI  SliceType = 2
	SliceSP SliceType = 3
	SliceSI SliceType = 4
)

// SliceHeader is the head of a coded slice's header (slice_header, ITU-T
// H.264 7.3.3), from first_mb_in_slice to the picture order count: what
// identifies the picture and its place in output order. The rest of the
// header is not read.
type SliceHeader struct {
	NALRefIDC uint8 // nal_ref_idc of the NAL unit: 0 when no picture refers to this one
	IDR       bool  // the NAL unit is an IDR slice (nal_unit_type 5)

	FirstMBInSlice uint32    // first_mb_in_slice
	Type           SliceType // slice_type modulo 5
	PPSID          uint32    // pic_parameter_set_id
	ColourPlaneID  uint8     // colour_plane_id; with separate colour planes only
	FrameNum       uint32    // frame_num
	FieldPic       bool      // field_pic_flag: the picture is one field
	BottomField    bool      // bottom_field_flag
	IDRPicID       uint32    // idr_pic_id; IDR only

	PicOrderCntLsb         uint32   // pic_order_cnt_lsb; pic_order_cnt_type 0 only
	DeltaPicOrderCntBottom int32    // delta_pic_order_cnt_bottom; type 0 only
	DeltaPicOrderCnt       [2]int32 // delta_pic_order_cnt[0] and [1]; type 1 only
}

// ParseSliceHeader parses the head of a coded slice NAL unit (nal_unit_type
// 1 or 5), including its one-byte NAL header, with the parameter sets of
// sets that its pic_parameter_set_id names. It looks at no more than the
// first 128 bytes of the slice, and neither modifies nalu nor keeps a
// reference to it.
//
// It returns ErrNotSlice for another NAL unit type, ErrMissingParameterSets
// when sets lacks the PPS or its SPS, ErrTruncated when the syntax runs past
// the end and ErrInvalidSliceHeader for values out of range.
func ParseSliceHeader(nalu []byte, sets *ParamSetTable) (*SliceHeader, error) {
	if len(nalu) == 0 {
		return nil, ErrEmpty
	}
	typ := TypeOf(nalu)
	if typ != NALUTypeNonIDR && typ != NALUTypeIDR {
		return nil, fmt.Errorf("%w: nal_unit_type is %d (%v)", ErrNotSlice, uint8(typ), typ)
	}
	h := &SliceHeader{NALRefIDC: nalu[0] >> 5 & 3, IDR: typ == NALUTypeIDR}
	s := &syntaxReader{r: NewBitReader(RemoveEmulationPrevention(headOf(nalu[1:])))}
	h.FirstMBInSlice = s.ue("first_mb_in_slice")
	h.Type = SliceType(s.ueLimit(maxSliceType, "slice_type", ErrInvalidSliceHeader) % 5)
	h.PPSID = s.ueLimit(maxPPSID, "pic_parameter_set_id", ErrInvalidSliceHeader)
	if s.err != nil {
		return nil, s.err
	}
	sps, pps, err := sets.Lookup(h.PPSID)
	if err != nil {
		return nil, err
	}
	if h.IDR && h.Type != SliceI && h.Type != SliceSI {
		return nil, fmt.Errorf("%w: IDR slice of type %d", ErrInvalidSliceHeader, h.Type)
	}
	if sps.SeparateColourPlane {
		h.ColourPlaneID = uint8(s.u(2, "colour_plane_id"))
	}
	h.FrameNum = s.u(int(sps.Log2MaxFrameNum), "frame_num")
	if !sps.FrameMBSOnly {
		if h.FieldPic = s.flag("field_pic_flag"); h.FieldPic {
			h.BottomField = s.flag("bottom_field_flag")
		}
	}
	if h.IDR {
		h.IDRPicID = s.ueLimit(maxIDRPicID, "idr_pic_id", ErrInvalidSliceHeader)
	}
	bottomDelta := pps.BottomFieldPicOrderInFramePresent && !h.FieldPic
	switch {
	case sps.PicOrderCntType == 0:
		h.PicOrderCntLsb = s.u(int(sps.Log2MaxPicOrderCntLsb), "pic_order_cnt_lsb")
		if bottomDelta {
			h.DeltaPicOrderCntBottom = s.se("delta_pic_order_cnt_bottom")
		}
	case sps.PicOrderCntType == 1 && !sps.DeltaPicOrderAlwaysZero:
		h.DeltaPicOrderCnt[0] = s.se("delta_pic_order_cnt[0]")
		if bottomDelta {
			h.DeltaPicOrderCnt[1] = s.se("delta_pic_order_cnt[1]")
		}
	}
	if s.err != nil {
		return nil, s.err
	}
	return h, nil
}
