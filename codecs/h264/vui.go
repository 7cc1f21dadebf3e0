package h264

// VUI holds the parts of the video usability information (ITU-T H.264 E.1.1)
// that describe how to show the pictures: their sample aspect ratio, their
// timing and how far their output order may depart from their decode order
// (the bitstream restrictions). HRD parameters are read past, not kept.
type VUI struct {
	// SARWidth and SARHeight give the sample aspect ratio, from
	// aspect_ratio_idc through table E-1 or from sar_width and sar_height.
	// Both are 0 when it is absent or unspecified.
	SARWidth, SARHeight uint16

	// VideoFullRange is video_full_range_flag: luma spans 0 to 255 rather
	// than 16 to 235 at 8 bits.
	VideoFullRange bool

	// ColourDescription is colour_description_present_flag: the three
	// code points after it (ITU-T H.273) were coded; each is 2,
	// unspecified, when they were not.
	ColourDescription       bool
	ColourPrimaries         uint8 // colour_primaries
	TransferCharacteristics uint8 // transfer_characteristics
	MatrixCoefficients      uint8 // matrix_coefficients

	TimingInfoPresent bool   // timing_info_present_flag
	NumUnitsInTick    uint32 // num_units_in_tick
	TimeScale         uint32 // time_scale, in ticks per second
	FixedFrameRate    bool   // fixed_frame_rate_flag

	// BitstreamRestriction is bitstream_restriction_flag: the two fields
	// after it were coded.
	BitstreamRestriction bool
	MaxNumReorderFrames  uint32 // max_num_reorder_frames
	MaxDecFrameBuffering uint32 // max_dec_frame_buffering
}

// maxCPBCntMinus1 is the largest cpb_cnt_minus1 of hrd_parameters (E.2.2).
const maxCPBCntMinus1 = 31

// unspecifiedColour is H.273's code point for an unspecified colour
// primaries, transfer or matrix: what an absent colour description means.
const unspecifiedColour = 2

// extendedSAR is the aspect_ratio_idc that codes the ratio explicitly.
const extendedSAR = 255

// sampleAspectRatios is table E-1, indexed by aspect_ratio_idc.
var sampleAspectRatios = [...][2]uint16{
	{0, 0}, {1, 1}, {12, 11}, {10, 11}, {16, 11}, {40, 33}, {24, 11}, {20, 11},
	{32, 11}, {80, 33}, {18, 11}, {15, 11}, {64, 33}, {160, 99}, {4, 3}, {3, 2}, {2, 1},
}

// FrameRate returns the frame rate the timing information gives,
// time_scale ÷ (2 × num_units_in_tick): a tick is one field, so two make a
// frame. ok is false when there is no timing information or it is zero.
func (v *VUI) FrameRate() (rate float64, ok bool) {
	if v == nil || !v.TimingInfoPresent || v.NumUnitsInTick == 0 || v.TimeScale == 0 {
		return 0, false
	}
	return float64(v.TimeScale) / (2 * float64(v.NumUnitsInTick)), true
}

// parseVUI reads vui_parameters into v. Fields read before an error stay
// set.
func parseVUI(s *syntaxReader, v *VUI) {
	v.ColourPrimaries, v.TransferCharacteristics, v.MatrixCoefficients = unspecifiedColour, unspecifiedColour, unspecifiedColour
	if s.flag("aspect_ratio_info_present_flag") {
		idc := s.u(8, "aspect_ratio_idc")
		switch {
		case idc == extendedSAR:
			v.SARWidth = uint16(s.u(16, "sar_width"))
			v.SARHeight = uint16(s.u(16, "sar_height"))
		case int(idc) < len(sampleAspectRatios):
			v.SARWidth, v.SARHeight = sampleAspectRatios[idc][0], sampleAspectRatios[idc][1]
		}
	}
	if s.flag("overscan_info_present_flag") {
		s.flag("overscan_appropriate_flag")
	}
	if s.flag("video_signal_type_present_flag") {
		s.u(3, "video_format")
		v.VideoFullRange = s.flag("video_full_range_flag")
		if v.ColourDescription = s.flag("colour_description_present_flag"); v.ColourDescription {
			v.ColourPrimaries = uint8(s.u(8, "colour_primaries"))
			v.TransferCharacteristics = uint8(s.u(8, "transfer_characteristics"))
			v.MatrixCoefficients = uint8(s.u(8, "matrix_coefficients"))
		}
	}
	if s.flag("chroma_loc_info_present_flag") {
		s.ue("chroma_sample_loc_type_top_field")
		s.ue("chroma_sample_loc_type_bottom_field")
	}
	if s.flag("timing_info_present_flag") {
		units := s.u(32, "num_units_in_tick")
		scale := s.u(32, "time_scale")
		fixed := s.flag("fixed_frame_rate_flag")
		if s.err == nil {
			v.TimingInfoPresent, v.NumUnitsInTick, v.TimeScale, v.FixedFrameRate = true, units, scale, fixed
		}
	}
	nalHRD := s.flag("nal_hrd_parameters_present_flag")
	if nalHRD {
		skipHRD(s)
	}
	vclHRD := s.flag("vcl_hrd_parameters_present_flag")
	if vclHRD {
		skipHRD(s)
	}
	if nalHRD || vclHRD {
		s.flag("low_delay_hrd_flag")
	}
	s.flag("pic_struct_present_flag")
	if !s.flag("bitstream_restriction_flag") {
		return
	}
	s.flag("motion_vectors_over_pic_boundaries_flag")
	s.ue("max_bytes_per_pic_denom")
	s.ue("max_bits_per_mb_denom")
	s.ue("log2_max_mv_length_horizontal")
	s.ue("log2_max_mv_length_vertical")
	reorder := s.ueMax(maxNumRefFrames, "max_num_reorder_frames")
	buffering := s.ueMax(maxNumRefFrames, "max_dec_frame_buffering")
	if s.err == nil {
		v.BitstreamRestriction, v.MaxNumReorderFrames, v.MaxDecFrameBuffering = true, reorder, buffering
	}
}

// skipHRD reads past hrd_parameters (E.1.2).
func skipHRD(s *syntaxReader) {
	cpbs := s.ueMax(maxCPBCntMinus1, "cpb_cnt_minus1") + 1
	s.u(4, "bit_rate_scale")
	s.u(4, "cpb_size_scale")
	for i := uint32(0); i < cpbs && s.err == nil; i++ {
		s.ue("bit_rate_value_minus1")
		s.ue("cpb_size_value_minus1")
		s.flag("cbr_flag")
	}
	s.u(5, "initial_cpb_removal_delay_length_minus1")
	s.u(5, "cpb_removal_delay_length_minus1")
	s.u(5, "dpb_output_delay_length_minus1")
	s.u(5, "time_offset_length")
}
