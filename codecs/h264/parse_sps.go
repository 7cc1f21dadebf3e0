package h264

import "fmt"

// Ranges the standard gives SPS syntax elements (ITU-T H.264 7.4.2.1.1).
const (
	maxSPSID                    = 31  // seq_parameter_set_id
	maxChromaFormatIDC          = 3   // chroma_format_idc; 4:4:4
	maxBitDepthMinus8           = 6   // bit_depth_*_minus8; 14 bits
	maxLog2MaxFrameNumMinus4    = 12  // log2_max_frame_num_minus4; 16 bits
	maxPicOrderCntType          = 2   // pic_order_cnt_type
	maxLog2MaxPOCLsbMinus4      = 12  // log2_max_pic_order_cnt_lsb_minus4; 16 bits
	maxNumRefFramesInPOCCycle   = 255 // num_ref_frames_in_pic_order_cnt_cycle
	maxNumRefFrames             = 16  // max_num_ref_frames; MaxDpbFrames is at most 16
	spsHeaderBytes              = 3   // profile_idc, constraint flags, level_idc
	defaultBitDepth             = 8   // when the profile does not code it
	defaultChromaFormatIDC      = 1   // 4:2:0, when the profile does not code it
	bitDepthOffset              = 8   // bit_depth_*_minus8
	log2MaxFrameNumOffset       = 4   // log2_max_frame_num_minus4
	log2MaxPicOrderCntLsbOffset = 4   // log2_max_pic_order_cnt_lsb_minus4
)

// hasChromaFormat reports whether profile_idc is one of the profiles whose
// SPS codes chroma format, bit depths and scaling lists.
func hasChromaFormat(profileIDC uint8) bool {
	switch profileIDC {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		return true
	}
	return false
}

// ParseSPS parses a sequence parameter set NAL unit, including its one-byte
// NAL header, as found between start codes or behind a length prefix.
// Emulation prevention bytes are removed first, on a copy: nalu is not
// modified, and the SPS keeps no reference to it.
//
// It reads the whole seq_parameter_set_data syntax, reading past scaling
// lists, and the VUI up to its timing information. A VUI that ends early
// keeps the fields read before the end, as decoders accept such streams; an
// error anywhere before the VUI fails the parse.
//
// It returns ErrNotSPS for another NAL unit type, ErrTruncated when the
// syntax runs past the end, ErrInvalidSPS for values outside their allowed
// range, and ErrUnsupported for a picture larger than MaxDimensionInMBs.
func ParseSPS(nalu []byte) (*SPS, error) {
	sps, s, err := parseSPSHead(nalu)
	if err != nil {
		return nil, err
	}
	if hasChromaFormat(sps.ProfileIDC) {
		sps.QPPrimeYZeroTransformBypass = s.flag("qpprime_y_zero_transform_bypass_flag")
		sps.ScalingMatrixPresent = s.flag("seq_scaling_matrix_present_flag")
		if sps.ScalingMatrixPresent {
			skipScalingLists(s, sps.ChromaFormatIDC)
		}
	}
	parseFrameNumAndPOC(s, sps)
	sps.MaxNumRefFrames = s.ueMax(maxNumRefFrames, "max_num_ref_frames")
	sps.GapsInFrameNumAllowed = s.flag("gaps_in_frame_num_value_allowed_flag")
	parsePictureSize(s, sps)
	if s.err != nil {
		return nil, s.err
	}
	if err := checkPictureSize(sps); err != nil {
		return nil, err
	}
	hasVUI := s.flag("vui_parameters_present_flag")
	if s.err != nil {
		return nil, s.err
	}
	if hasVUI {
		sps.VUI = &VUI{}
		// A VUI cut short keeps what was read: see the doc comment.
		parseVUI(s, sps.VUI)
	}
	return sps, nil
}

// parseSPSHead reads an SPS from its NAL header to the bit depths: what
// names its format. Elements the profile does not code keep their defaults.
// The returned reader continues after bit_depth_chroma_minus8, or after
// seq_parameter_set_id for a profile without chroma format syntax.
func parseSPSHead(nalu []byte) (*SPS, *syntaxReader, error) {
	if len(nalu) == 0 {
		return nil, nil, ErrEmpty
	}
	if typ := TypeOf(nalu); typ != NALUTypeSPS {
		return nil, nil, fmt.Errorf("%w: nal_unit_type is %d (%v)", ErrNotSPS, uint8(typ), typ)
	}
	rbsp := RemoveEmulationPrevention(nalu[1:])
	if len(rbsp) < spsHeaderBytes {
		return nil, nil, fmt.Errorf("%w: SPS has %d bytes after its header, want at least %d", ErrTruncated, len(rbsp), spsHeaderBytes)
	}
	sps := &SPS{
		ProfileIDC:         rbsp[0],
		ConstraintSetFlags: rbsp[1],
		LevelIDC:           rbsp[2],
		ChromaFormatIDC:    defaultChromaFormatIDC,
		BitDepthLuma:       defaultBitDepth,
		BitDepthChroma:     defaultBitDepth,
	}
	s := &syntaxReader{r: NewBitReader(rbsp[spsHeaderBytes:])}
	sps.ID = s.ueMax(maxSPSID, "seq_parameter_set_id")
	if hasChromaFormat(sps.ProfileIDC) {
		parseChromaFormat(s, sps)
	}
	if s.err != nil {
		return nil, nil, s.err
	}
	return sps, s, nil
}

// parseChromaFormat reads the elements only the high profiles code, from
// chroma_format_idc to the bit depths.
func parseChromaFormat(s *syntaxReader, sps *SPS) {
	sps.ChromaFormatIDC = s.ue("chroma_format_idc")
	if s.err == nil && sps.ChromaFormatIDC > maxChromaFormatIDC {
		s.err = fmt.Errorf("%w: chroma_format_idc %d", ErrUnsupported, sps.ChromaFormatIDC)
		return
	}
	if sps.ChromaFormatIDC == 3 {
		sps.SeparateColourPlane = s.flag("separate_colour_plane_flag")
	}
	sps.BitDepthLuma = s.ueMax(maxBitDepthMinus8, "bit_depth_luma_minus8") + bitDepthOffset
	sps.BitDepthChroma = s.ueMax(maxBitDepthMinus8, "bit_depth_chroma_minus8") + bitDepthOffset
}

// parseFrameNumAndPOC reads log2_max_frame_num_minus4 and the picture order
// count syntax of the three pic_order_cnt_type values.
func parseFrameNumAndPOC(s *syntaxReader, sps *SPS) {
	sps.Log2MaxFrameNum = s.ueMax(maxLog2MaxFrameNumMinus4, "log2_max_frame_num_minus4") + log2MaxFrameNumOffset
	sps.PicOrderCntType = s.ueMax(maxPicOrderCntType, "pic_order_cnt_type")
	switch {
	case s.err != nil:
	case sps.PicOrderCntType == 0:
		sps.Log2MaxPicOrderCntLsb = s.ueMax(maxLog2MaxPOCLsbMinus4, "log2_max_pic_order_cnt_lsb_minus4") + log2MaxPicOrderCntLsbOffset
	case sps.PicOrderCntType == 1:
		sps.DeltaPicOrderAlwaysZero = s.flag("delta_pic_order_always_zero_flag")
		sps.OffsetForNonRefPic = s.se("offset_for_non_ref_pic")
		sps.OffsetForTopToBottomField = s.se("offset_for_top_to_bottom_field")
		cycle := s.ueMax(maxNumRefFramesInPOCCycle, "num_ref_frames_in_pic_order_cnt_cycle")
		if s.err != nil || cycle == 0 {
			return
		}
		sps.OffsetForRefFrame = make([]int32, cycle)
		for i := range sps.OffsetForRefFrame {
			sps.OffsetForRefFrame[i] = s.se("offset_for_ref_frame")
		}
	}
}

// parsePictureSize reads the picture size, frame and field flags and the
// cropping offsets.
func parsePictureSize(s *syntaxReader, sps *SPS) {
	sps.PicWidthInMBsMinus1 = s.ue("pic_width_in_mbs_minus1")
	sps.PicHeightInMapUnitsMinus1 = s.ue("pic_height_in_map_units_minus1")
	sps.FrameMBSOnly = s.flag("frame_mbs_only_flag")
	if !sps.FrameMBSOnly {
		sps.MBAdaptiveFrameField = s.flag("mb_adaptive_frame_field_flag")
	}
	sps.Direct8x8Inference = s.flag("direct_8x8_inference_flag")
	sps.FrameCropping = s.flag("frame_cropping_flag")
	if sps.FrameCropping {
		sps.CropLeft = s.ue("frame_crop_left_offset")
		sps.CropRight = s.ue("frame_crop_right_offset")
		sps.CropTop = s.ue("frame_crop_top_offset")
		sps.CropBottom = s.ue("frame_crop_bottom_offset")
	}
}

// checkPictureSize rejects pictures larger than MaxDimensionInMBs and
// cropping that leaves nothing.
func checkPictureSize(sps *SPS) error {
	if sps.PicWidthInMBsMinus1 >= MaxDimensionInMBs {
		return fmt.Errorf("%w: pic_width_in_mbs_minus1 %d, at most %d macroblocks wide", ErrUnsupported, sps.PicWidthInMBsMinus1, MaxDimensionInMBs)
	}
	if height := sps.frameHeightInMBs(); height > MaxDimensionInMBs {
		return fmt.Errorf("%w: frame is %d macroblocks high, at most %d", ErrUnsupported, height, MaxDimensionInMBs)
	}
	if sps.Width() <= 0 || sps.Height() <= 0 {
		return fmt.Errorf("%w: cropping left %d right %d top %d bottom %d leaves no picture", ErrInvalidSPS,
			sps.CropLeft, sps.CropRight, sps.CropTop, sps.CropBottom)
	}
	return nil
}
