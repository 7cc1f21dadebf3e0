package h264

import "fmt"

// maxPPSID is the largest pic_parameter_set_id (ITU-T H.264 7.4.2.2).
const maxPPSID = 255

// PPS is the head of a picture parameter set (pic_parameter_set_rbsp, ITU-T
// H.264 7.3.2.2): the elements a slice header's picture order count needs.
// The rest (slice groups, reference defaults, weighted prediction, ...) is
// not read.
type PPS struct {
	ID                uint32 // pic_parameter_set_id, 0 to 255
	SPSID             uint32 // seq_parameter_set_id of the SPS it refers to, 0 to 31
	EntropyCodingMode bool   // entropy_coding_mode_flag: CABAC rather than CAVLC
	// BottomFieldPicOrderInFramePresent is
	// bottom_field_pic_order_in_frame_present_flag: slice headers of
	// frames code the bottom field's picture order count apart.
	BottomFieldPicOrderInFramePresent bool
}

// ParsePPS parses the head of a picture parameter set NAL unit, including
// its one-byte NAL header. nalu is not modified, and the PPS keeps no
// reference to it.
//
// It returns ErrNotPPS for another NAL unit type, ErrTruncated when the
// syntax runs past the end and ErrInvalidPPS for an identifier out of
// range.
func ParsePPS(nalu []byte) (*PPS, error) {
	if len(nalu) == 0 {
		return nil, ErrEmpty
	}
	if typ := TypeOf(nalu); typ != NALUTypePPS {
		return nil, fmt.Errorf("%w: nal_unit_type is %d (%v)", ErrNotPPS, uint8(typ), typ)
	}
	s := &syntaxReader{r: NewBitReader(RemoveEmulationPrevention(headOf(nalu[1:])))}
	pps := &PPS{
		ID:    s.ueLimit(maxPPSID, "pic_parameter_set_id", ErrInvalidPPS),
		SPSID: s.ueLimit(maxSPSID, "seq_parameter_set_id", ErrInvalidPPS),
	}
	pps.EntropyCodingMode = s.flag("entropy_coding_mode_flag")
	pps.BottomFieldPicOrderInFramePresent = s.flag("bottom_field_pic_order_in_frame_present_flag")
	if s.err != nil {
		return nil, s.err
	}
	return pps, nil
}

// maxHeadBytes bounds the bytes of a NAL unit's payload that ParsePPS and
// ParseSliceHeader look at: the elements they read take at most a few
// dozen (each exp-Golomb code at most 63 bits), so a slice's picture data
// is neither copied nor scanned.
const maxHeadBytes = 128

// headOf returns the first maxHeadBytes of payload.
func headOf(payload []byte) []byte {
	return payload[:min(len(payload), maxHeadBytes)]
}
