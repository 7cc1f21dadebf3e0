package h264

import "fmt"

// PPS is a parsed picture parameter set (pic_parameter_set_rbsp, ITU-T
// H.264 7.3.2.2) up to redundant_pic_cnt_present_flag: what reading a slice
// header needs. Slice group maps are read past, not kept; the elements
// after redundant_pic_cnt_present_flag (the 8x8 transform and scaling
// lists of the high profiles) are not read.
type PPS struct {
	ID                uint32 // pic_parameter_set_id, 0 to 255
	SPSID             uint32 // seq_parameter_set_id of the SPS it refers to, 0 to 31
	EntropyCodingMode bool   // entropy_coding_mode_flag: CABAC rather than CAVLC
	// BottomFieldPicOrderInFramePresent is
	// bottom_field_pic_order_in_frame_present_flag: slice headers of
	// frames code the bottom field's picture order count apart.
	BottomFieldPicOrderInFramePresent bool
	NumSliceGroups                    uint32 // num_slice_groups_minus1 + 1, 1 to 8
	NumRefIdxL0DefaultActive          uint32 // num_ref_idx_l0_default_active_minus1 + 1, 1 to 32
	NumRefIdxL1DefaultActive          uint32 // num_ref_idx_l1_default_active_minus1 + 1, 1 to 32
	WeightedPred                      bool   // weighted_pred_flag
	WeightedBipredIDC                 uint8  // weighted_bipred_idc, 0 to 2
	PicInitQPMinus26                  int32  // pic_init_qp_minus26
	PicInitQSMinus26                  int32  // pic_init_qs_minus26
	ChromaQPIndexOffset               int32  // chroma_qp_index_offset
	DeblockingFilterControlPresent    bool   // deblocking_filter_control_present_flag
	ConstrainedIntraPred              bool   // constrained_intra_pred_flag
	RedundantPicCntPresent            bool   // redundant_pic_cnt_present_flag
}

// Ranges the standard gives PPS syntax elements (ITU-T H.264 7.4.2.2).
const (
	maxPPSID                 = 255 // pic_parameter_set_id
	maxSliceGroupsMinus1     = 7   // num_slice_groups_minus1
	maxSliceGroupMapType     = 6   // slice_group_map_type
	maxNumRefIdxActiveMinus1 = 31  // num_ref_idx_l*_default_active_minus1
	maxWeightedBipredIDC     = 2   // weighted_bipred_idc
	// maxMapUnits bounds pic_size_in_map_units_minus1 + 1: a picture of
	// MaxDimensionInMBs macroblocks each way.
	maxMapUnits = MaxDimensionInMBs * MaxDimensionInMBs
)

// ParsePPS parses a picture parameter set NAL unit, including its one-byte
// NAL header, up to redundant_pic_cnt_present_flag. nalu is not modified,
// and the PPS keeps no reference to it.
//
// It returns ErrNotPPS for another NAL unit type, ErrTruncated when the
// syntax runs past the end and ErrInvalidPPS for values out of range.
func ParsePPS(nalu []byte) (*PPS, error) {
	if len(nalu) == 0 {
		return nil, ErrEmpty
	}
	if typ := TypeOf(nalu); typ != NALUTypePPS {
		return nil, fmt.Errorf("%w: nal_unit_type is %d (%v)", ErrNotPPS, uint8(typ), typ)
	}
	s := &syntaxReader{r: NewBitReader(RemoveEmulationPrevention(nalu[1:]))}
	pps := &PPS{
		ID:    s.ueLimit(maxPPSID, "pic_parameter_set_id", ErrInvalidPPS),
		SPSID: s.ueLimit(maxSPSID, "seq_parameter_set_id", ErrInvalidPPS),
	}
	pps.EntropyCodingMode = s.flag("entropy_coding_mode_flag")
	pps.BottomFieldPicOrderInFramePresent = s.flag("bottom_field_pic_order_in_frame_present_flag")
	pps.NumSliceGroups = s.ueLimit(maxSliceGroupsMinus1, "num_slice_groups_minus1", ErrInvalidPPS) + 1
	if s.err == nil && pps.NumSliceGroups > 1 {
		skipSliceGroupMap(s, pps.NumSliceGroups)
	}
	pps.NumRefIdxL0DefaultActive = s.ueLimit(maxNumRefIdxActiveMinus1, "num_ref_idx_l0_default_active_minus1", ErrInvalidPPS) + 1
	pps.NumRefIdxL1DefaultActive = s.ueLimit(maxNumRefIdxActiveMinus1, "num_ref_idx_l1_default_active_minus1", ErrInvalidPPS) + 1
	pps.WeightedPred = s.flag("weighted_pred_flag")
	pps.WeightedBipredIDC = uint8(s.u(2, "weighted_bipred_idc"))
	if s.err == nil && pps.WeightedBipredIDC > maxWeightedBipredIDC {
		return nil, fmt.Errorf("%w: weighted_bipred_idc %d", ErrInvalidPPS, pps.WeightedBipredIDC)
	}
	pps.PicInitQPMinus26 = s.se("pic_init_qp_minus26")
	pps.PicInitQSMinus26 = s.se("pic_init_qs_minus26")
	pps.ChromaQPIndexOffset = s.se("chroma_qp_index_offset")
	pps.DeblockingFilterControlPresent = s.flag("deblocking_filter_control_present_flag")
	pps.ConstrainedIntraPred = s.flag("constrained_intra_pred_flag")
	pps.RedundantPicCntPresent = s.flag("redundant_pic_cnt_present_flag")
	if s.err != nil {
		return nil, s.err
	}
	return pps, nil
}

// skipSliceGroupMap reads past the slice group map of a PPS with groups
// slice groups (ITU-T H.264 7.3.2.2).
func skipSliceGroupMap(s *syntaxReader, groups uint32) {
	switch s.ueLimit(maxSliceGroupMapType, "slice_group_map_type", ErrInvalidPPS) {
	case 0:
		for range groups {
			s.ue("run_length_minus1")
		}
	case 2:
		for range groups - 1 {
			s.ue("top_left")
			s.ue("bottom_right")
		}
	case 3, 4, 5:
		s.flag("slice_group_change_direction_flag")
		s.ue("slice_group_change_rate_minus1")
	case 6:
		units := s.ueLimit(maxMapUnits-1, "pic_size_in_map_units_minus1", ErrInvalidPPS) + 1
		bits := 1
		for 1<<bits < groups {
			bits++
		}
		if s.err == nil {
			if err := s.r.Skip(int(units) * bits); err != nil {
				s.fail(err, "slice_group_id")
			}
		}
	}
}

// maxSliceHeaderBytes bounds the bytes of a slice NAL unit's payload that
// ParseSliceHeader looks at, so that a slice's picture data is neither
// copied nor scanned. The header's longest parts are the reference list
// modifications and the weight tables of up to 32 references in each of
// two lists: about 900 bytes at their largest, and a few dozen in
// practice.
const maxSliceHeaderBytes = 1024

// headOf returns the first maxSliceHeaderBytes of payload.
func headOf(payload []byte) []byte {
	return payload[:min(len(payload), maxSliceHeaderBytes)]
}
