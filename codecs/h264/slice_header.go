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

// SliceHeader is the part of a coded slice's header (slice_header, ITU-T
// H.264 7.3.3) that identifies the picture and its place in output order:
// from first_mb_in_slice to the picture order count, and whether its
// reference picture marking holds memory_management_control_operation 5,
// which restarts the count. The elements in between are read past, and
// those after the marking are not read.
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

	// MMCO5 says dec_ref_pic_marking holds
	// memory_management_control_operation 5: all reference pictures are
	// dropped and the picture order count starts over after this
	// picture, as at an IDR. It is false when the marking could not be
	// read (see ParseSliceHeader).
	MMCO5 bool

	// markingErr is why the elements after the picture order count could
	// not be read, or nil.
	markingErr error
}

// ParseSliceHeader parses the header of a coded slice NAL unit
// (nal_unit_type 1 or 5), including its one-byte NAL header, with the
// parameter sets of sets that its pic_parameter_set_id names. It looks at no
// more than the first 1024 bytes of the slice, and neither modifies nalu
// nor keeps a reference to it.
//
// It returns ErrNotSlice for another NAL unit type, ErrMissingParameterSets
// when sets lacks the PPS or its SPS, ErrTruncated when the syntax up to the
// picture order count runs past the end and ErrInvalidSliceHeader for
// values out of range there. The elements after the picture order count
// only tell MMCO5: when they cannot be read, MMCO5 is false and the header
// is returned all the same, since its picture order count is sound.
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
	h.markingErr = readMarking(s, h, sps, pps)
	if h.markingErr != nil {
		h.MMCO5 = false
	}
	return h, nil
}

// Ranges of the slice header elements after the picture order count.
const (
	maxRedundantPicCnt       = 127 // redundant_pic_cnt
	maxModificationOfPicNums = 3   // modification_of_pic_nums_idc
	maxLog2WeightDenom       = 7   // luma_log2_weight_denom, chroma_log2_weight_denom
	maxMMCO                  = 6   // memory_management_control_operation
	// maxModificationsPerList bounds a list's modifications: one per
	// reference index, and the end.
	maxModificationsPerList = maxNumRefIdxActiveMinus1 + 2
	// maxMarkingOperations bounds the operations of one marking: one per
	// reference frame of each kind (short- and long-term), a limit, a
	// reset, a mark of the current picture and the end.
	maxMarkingOperations = 2*maxNumRefFrames + 4
)

// readMarking reads the elements from redundant_pic_cnt to dec_ref_pic_marking
// and sets h.MMCO5.
func readMarking(s *syntaxReader, h *SliceHeader, sps *SPS, pps *PPS) error {
	if pps.RedundantPicCntPresent {
		s.ueLimit(maxRedundantPicCnt, "redundant_pic_cnt", ErrInvalidSliceHeader)
	}
	if h.Type == SliceB {
		s.flag("direct_spatial_mv_pred_flag")
	}
	refsL0, refsL1 := pps.NumRefIdxL0DefaultActive, pps.NumRefIdxL1DefaultActive
	if h.Type == SliceP || h.Type == SliceSP || h.Type == SliceB {
		if s.flag("num_ref_idx_active_override_flag") {
			refsL0 = s.ueLimit(maxNumRefIdxActiveMinus1, "num_ref_idx_l0_active_minus1", ErrInvalidSliceHeader) + 1
			if h.Type == SliceB {
				refsL1 = s.ueLimit(maxNumRefIdxActiveMinus1, "num_ref_idx_l1_active_minus1", ErrInvalidSliceHeader) + 1
			}
		}
	}
	if h.Type != SliceI && h.Type != SliceSI {
		skipRefPicListModification(s)
		if h.Type == SliceB {
			skipRefPicListModification(s)
		}
	}
	if (pps.WeightedPred && (h.Type == SliceP || h.Type == SliceSP)) || (pps.WeightedBipredIDC == 1 && h.Type == SliceB) {
		s.ueLimit(maxLog2WeightDenom, "luma_log2_weight_denom", ErrInvalidSliceHeader)
		chroma := sps.ChromaArrayType() != 0
		if chroma {
			s.ueLimit(maxLog2WeightDenom, "chroma_log2_weight_denom", ErrInvalidSliceHeader)
		}
		skipWeights(s, refsL0, chroma)
		if h.Type == SliceB {
			skipWeights(s, refsL1, chroma)
		}
	}
	if h.NALRefIDC != 0 {
		readDecRefPicMarking(s, h)
	}
	return s.err
}

// skipRefPicListModification reads past one list's part of
// ref_pic_list_modification (ITU-T H.264 7.3.3.1).
func skipRefPicListModification(s *syntaxReader) {
	if !s.flag("ref_pic_list_modification_flag") {
		return
	}
	for range maxModificationsPerList {
		switch s.ueLimit(maxModificationOfPicNums, "modification_of_pic_nums_idc", ErrInvalidSliceHeader) {
		case 0, 1:
			s.ue("abs_diff_pic_num_minus1")
		case 2:
			s.ue("long_term_pic_num")
		case 3:
			return
		}
		if s.err != nil {
			return
		}
	}
	s.fail(ErrInvalidSliceHeader, "ref_pic_list_modification: more modifications than references")
}

// skipWeights reads past one list's part of pred_weight_table (ITU-T H.264
// 7.3.3.2).
func skipWeights(s *syntaxReader, refs uint32, chroma bool) {
	for i := uint32(0); i < refs && s.err == nil; i++ {
		if s.flag("luma_weight_flag") {
			s.se("luma_weight")
			s.se("luma_offset")
		}
		if chroma && s.flag("chroma_weight_flag") {
			for range 2 {
				s.se("chroma_weight")
				s.se("chroma_offset")
			}
		}
	}
}

// readDecRefPicMarking reads dec_ref_pic_marking (ITU-T H.264 7.3.3.3) and
// sets h.MMCO5.
func readDecRefPicMarking(s *syntaxReader, h *SliceHeader) {
	if h.IDR {
		s.flag("no_output_of_prior_pics_flag")
		s.flag("long_term_reference_flag")
		return
	}
	if !s.flag("adaptive_ref_pic_marking_mode_flag") {
		return
	}
	for range maxMarkingOperations {
		op := s.ueLimit(maxMMCO, "memory_management_control_operation", ErrInvalidSliceHeader)
		switch op {
		case 0: // the end
			return
		case 1: // a short-term picture unused
			s.ue("difference_of_pic_nums_minus1")
		case 2: // a long-term picture unused
			s.ue("long_term_pic_num")
		case 3: // a short-term picture made long-term
			s.ue("difference_of_pic_nums_minus1")
			s.ue("long_term_frame_idx")
		case 4: // the long-term limit
			s.ue("max_long_term_frame_idx_plus1")
		case 5: // every picture unused: the count starts over
			h.MMCO5 = true
		case 6: // this picture made long-term
			s.ue("long_term_frame_idx")
		}
		if s.err != nil {
			return
		}
	}
	s.fail(ErrInvalidSliceHeader, "dec_ref_pic_marking: too many operations")
}
