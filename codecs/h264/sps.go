package h264

// SPS is a parsed sequence parameter set (seq_parameter_set_data, ITU-T H.264
// 7.3.2.1.1). Fields hold the syntax elements under their standard names;
// where the bitstream codes a value minus a constant (bit_depth_luma_minus8,
// log2_max_frame_num_minus4, ...) the field holds the value itself and says
// so. An SPS from ParseSPS shares no memory with the NAL unit it came from.
type SPS struct {
	ProfileIDC uint8 // profile_idc: 66 Baseline, 77 Main, 100 High, ...
	// ConstraintSetFlags is the byte after profile_idc as coded:
	// constraint_set0_flag in the most significant bit, then constraint_set1
	// to constraint_set5, then two reserved zero bits. It is kept whole
	// because codec strings and avcC records repeat it verbatim.
	ConstraintSetFlags uint8
	LevelIDC           uint8  // level_idc: ten times the level number, 31 for level 3.1
	ID                 uint32 // seq_parameter_set_id, 0 to 31

	// ChromaFormatIDC is chroma_format_idc: 0 monochrome, 1 4:2:0, 2 4:2:2,
	// 3 4:4:4. It is 1 for the profiles that do not code it.
	ChromaFormatIDC             uint32
	SeparateColourPlane         bool   // separate_colour_plane_flag
	BitDepthLuma                uint32 // bit_depth_luma_minus8 + 8
	BitDepthChroma              uint32 // bit_depth_chroma_minus8 + 8
	QPPrimeYZeroTransformBypass bool   // qpprime_y_zero_transform_bypass_flag
	// ScalingMatrixPresent is seq_scaling_matrix_present_flag. The scaling
	// lists themselves are read past, not kept.
	ScalingMatrixPresent bool

	Log2MaxFrameNum uint32 // log2_max_frame_num_minus4 + 4

	PicOrderCntType           uint32  // pic_order_cnt_type, 0 to 2
	Log2MaxPicOrderCntLsb     uint32  // log2_max_pic_order_cnt_lsb_minus4 + 4; type 0 only
	DeltaPicOrderAlwaysZero   bool    // delta_pic_order_always_zero_flag; type 1 only
	OffsetForNonRefPic        int32   // offset_for_non_ref_pic; type 1 only
	OffsetForTopToBottomField int32   // offset_for_top_to_bottom_field; type 1 only
	OffsetForRefFrame         []int32 // offset_for_ref_frame[], one per frame of the cycle; type 1 only

	MaxNumRefFrames       uint32 // max_num_ref_frames
	GapsInFrameNumAllowed bool   // gaps_in_frame_num_value_allowed_flag

	PicWidthInMBsMinus1       uint32 // pic_width_in_mbs_minus1
	PicHeightInMapUnitsMinus1 uint32 // pic_height_in_map_units_minus1
	FrameMBSOnly              bool   // frame_mbs_only_flag: false when fields may be coded
	MBAdaptiveFrameField      bool   // mb_adaptive_frame_field_flag
	Direct8x8Inference        bool   // direct_8x8_inference_flag

	// FrameCropping is frame_cropping_flag. The four offsets count crop
	// units, not samples: see Width and Height.
	FrameCropping bool
	CropLeft      uint32 // frame_crop_left_offset
	CropRight     uint32 // frame_crop_right_offset
	CropTop       uint32 // frame_crop_top_offset
	CropBottom    uint32 // frame_crop_bottom_offset

	// VUI holds the video usability information, or is nil when
	// vui_parameters_present_flag is 0.
	VUI *VUI
}

// ChromaArrayType is ChromaArrayType of ITU-T H.264 7.4.2.1.1: the chroma
// format, or 0 when the colour planes are coded apart as monochrome pictures.
func (s *SPS) ChromaArrayType() uint32 {
	if s.SeparateColourPlane {
		return 0
	}
	return s.ChromaFormatIDC
}

// CropUnitX is the number of luma samples one horizontal cropping offset
// counts (ITU-T H.264 equations 7-19 and 7-21): 1 without chroma or in 4:4:4,
// 2 when chroma is subsampled horizontally.
func (s *SPS) CropUnitX() int {
	if s.ChromaArrayType() == 1 || s.ChromaArrayType() == 2 {
		return 2
	}
	return 1
}

// CropUnitY is the number of luma rows one vertical cropping offset counts
// (ITU-T H.264 equations 7-20 and 7-22): doubled when the picture may be made
// of fields, and again in 4:2:0, where chroma is subsampled vertically.
func (s *SPS) CropUnitY() int {
	unit := 1
	if !s.FrameMBSOnly {
		unit = 2
	}
	if s.ChromaArrayType() == 1 {
		unit *= 2
	}
	return unit
}

// frameHeightInMBs is FrameHeightInMbs (equation 7-18): map units are field
// macroblock pairs when frame_mbs_only_flag is 0.
func (s *SPS) frameHeightInMBs() int64 {
	height := int64(s.PicHeightInMapUnitsMinus1) + 1
	if !s.FrameMBSOnly {
		height *= 2
	}
	return height
}

// Width returns the width of the decoded pictures in luma samples, after
// cropping. It returns 0 for an SPS whose values ParseSPS would reject.
func (s *SPS) Width() int {
	coded := (int64(s.PicWidthInMBsMinus1) + 1) * mbSize
	crop := int64(s.CropUnitX()) * (int64(s.CropLeft) + int64(s.CropRight))
	return croppedSize(coded, crop)
}

// Height returns the height of the decoded frames in luma samples, after
// cropping: (2 - frame_mbs_only_flag) × map units × 16, less the cropped
// rows. It returns 0 for an SPS whose values ParseSPS would reject.
func (s *SPS) Height() int {
	coded := s.frameHeightInMBs() * mbSize
	crop := int64(s.CropUnitY()) * (int64(s.CropTop) + int64(s.CropBottom))
	return croppedSize(coded, crop)
}

func croppedSize(coded, crop int64) int {
	if coded > MaxDimensionInMBs*mbSize || crop >= coded {
		return 0
	}
	return int(coded - crop)
}

// PictureSize returns the picture size, after cropping, that the last SPS
// among an access unit's NAL units gives: the size of the GOP a keyframe
// begins, which may differ from the stream's first (a camera that changed
// resolution, files joined). ok is false when the last SPS cannot be read,
// or there is none.
func PictureSize(nalus [][]byte) (width, height int, ok bool) {
	for i := len(nalus) - 1; i >= 0; i-- {
		if TypeOf(nalus[i]) != NALUTypeSPS {
			continue
		}
		sps, err := ParseSPS(nalus[i])
		if err != nil {
			return 0, 0, false
		}
		return sps.Width(), sps.Height(), true
	}
	return 0, 0, false
}
