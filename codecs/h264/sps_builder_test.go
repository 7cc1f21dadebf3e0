package h264

// spsSpec lists the values buildSPS writes into a sequence parameter set.
// Fields hold coded values (minus1, minus8, ...) as the syntax does.
type spsSpec struct {
	profile, constraints, level uint8
	id                          uint32

	chromaFormatIDC                        uint32
	separateColourPlane                    bool
	bitDepthLumaMinus8, bitDepthChromaMin8 uint32
	// scalingLists, when not nil, sets seq_scaling_matrix_present_flag and
	// gives each list's delta_scale values; a nil list is not present.
	scalingLists [][]int32

	log2MaxFrameNumMinus4 uint32
	pocType               uint32
	log2MaxPOCLsbMinus4   uint32
	deltaPOCAlwaysZero    bool
	offsetNonRef          int32
	offsetTopToBottom     int32
	offsetRefFrames       []int32

	maxNumRefFrames       uint32
	widthMBsMinus1        uint32
	heightMapUnitsMinus1  uint32
	fieldsAllowed         bool // frame_mbs_only_flag = 0
	mbAdaptive, direct8x8 bool
	crop                  []uint32 // left, right, top, bottom; nil for none
	timing                []uint32 // num_units_in_tick, time_scale; nil for no VUI
}

// buildSPS writes the SPS NAL unit spec describes, header and emulation
// prevention included.
func buildSPS(spec spsSpec) []byte {
	w := &bitWriter{}
	w.writeBits(uint64(spec.profile), 8)
	w.writeBits(uint64(spec.constraints), 8)
	w.writeBits(uint64(spec.level), 8)
	w.writeUE(spec.id)
	if hasChromaFormat(spec.profile) {
		w.writeUE(spec.chromaFormatIDC)
		if spec.chromaFormatIDC == 3 {
			w.writeFlag(spec.separateColourPlane)
		}
		w.writeUE(spec.bitDepthLumaMinus8)
		w.writeUE(spec.bitDepthChromaMin8)
		w.writeFlag(false) // qpprime_y_zero_transform_bypass_flag
		w.writeFlag(spec.scalingLists != nil)
		for _, list := range spec.scalingLists {
			w.writeFlag(list != nil)
			for _, delta := range list {
				w.writeSE(delta)
			}
		}
	}
	w.writeUE(spec.log2MaxFrameNumMinus4)
	w.writeUE(spec.pocType)
	switch spec.pocType {
	case 0:
		w.writeUE(spec.log2MaxPOCLsbMinus4)
	case 1:
		w.writeFlag(spec.deltaPOCAlwaysZero)
		w.writeSE(spec.offsetNonRef)
		w.writeSE(spec.offsetTopToBottom)
		w.writeUE(uint32(len(spec.offsetRefFrames)))
		for _, offset := range spec.offsetRefFrames {
			w.writeSE(offset)
		}
	}
	w.writeUE(spec.maxNumRefFrames)
	w.writeFlag(false) // gaps_in_frame_num_value_allowed_flag
	w.writeUE(spec.widthMBsMinus1)
	w.writeUE(spec.heightMapUnitsMinus1)
	w.writeFlag(!spec.fieldsAllowed)
	if spec.fieldsAllowed {
		w.writeFlag(spec.mbAdaptive)
	}
	w.writeFlag(spec.direct8x8)
	w.writeFlag(spec.crop != nil)
	for _, offset := range spec.crop {
		w.writeUE(offset)
	}
	w.writeFlag(spec.timing != nil)
	if spec.timing != nil {
		w.writeFlag(false) // aspect_ratio_info_present_flag
		w.writeFlag(false) // overscan_info_present_flag
		w.writeFlag(false) // video_signal_type_present_flag
		w.writeFlag(false) // chroma_loc_info_present_flag
		w.writeFlag(true)  // timing_info_present_flag
		w.writeBits(uint64(spec.timing[0]), 32)
		w.writeBits(uint64(spec.timing[1]), 32)
		w.writeFlag(true)  // fixed_frame_rate_flag
		w.writeFlag(false) // nal_hrd_parameters_present_flag
		w.writeFlag(false) // vcl_hrd_parameters_present_flag
		w.writeFlag(false) // pic_struct_present_flag
		w.writeFlag(false) // bitstream_restriction_flag
	}
	w.trailingBits()
	return append([]byte{0x67}, addEmulationPrevention(w.buf)...)
}
