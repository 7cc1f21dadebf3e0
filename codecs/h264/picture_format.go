package h264

import "fmt"

// PictureFormat is what an SPS says about the pictures a decoder must
// handle: the profile, the chroma subsampling and the sample bit depths.
// Browsers and Foxglove decode only part of H.264 (8-bit 4:2:0 in the
// Baseline, Main and High profiles), so a stream outside that part records
// well but shows nothing in a viewer; PictureFormat lets a pipeline say so.
type PictureFormat struct {
	ProfileIDC         uint8  // profile_idc
	ConstraintSetFlags uint8  // the byte after profile_idc, as in SPS
	ChromaFormatIDC    uint32 // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
	BitDepthLuma       uint32 // bits per luma sample
	BitDepthChroma     uint32 // bits per chroma sample
}

// Profiles whose names depend on a constraint flag (ITU-T H.264 A.2).
const (
	profileBaseline      = 66
	profileMain          = 77
	profileHigh          = 100
	profileHigh10        = 110
	profileHigh422       = 122
	profileHigh444       = 244
	constraintSet1Flag   = 0x40 // Constrained Baseline when profile_idc is 66
	constraintSet3Flag   = 0x10 // an Intra profile when profile_idc is 110, 122 or 244
	chromaFormat420      = 1
	browserBitDepth      = 8
	profileNameIntraSufx = " Intra"
)

// profileNames names each profile_idc of ITU-T H.264 Annex A, G and H.
var profileNames = map[uint8]string{
	44: "CAVLC 4:4:4 Intra", 66: "Baseline", 77: "Main", 88: "Extended",
	100: "High", 110: "High 10", 122: "High 4:2:2", 244: "High 4:4:4 Predictive",
	83: "Scalable Baseline", 86: "Scalable High", 118: "Multiview High", 128: "Stereo High",
	134: "MFC High", 135: "MFC Depth High", 138: "Multiview Depth High", 139: "Enhanced Multiview Depth High",
}

// PictureFormat returns the format s codes.
func (s *SPS) PictureFormat() PictureFormat {
	return PictureFormat{
		ProfileIDC:         s.ProfileIDC,
		ConstraintSetFlags: s.ConstraintSetFlags,
		ChromaFormatIDC:    s.ChromaFormatIDC,
		BitDepthLuma:       s.BitDepthLuma,
		BitDepthChroma:     s.BitDepthChroma,
	}
}

// ParsePictureFormat reads the format from an SPS NAL unit, header
// included. It reads only the syntax up to the bit depths, so it names the
// format of an SPS that ParseSPS rejects later on (a picture too large, an
// unknown VUI); for any SPS that ParseSPS accepts it returns the same as
// SPS.PictureFormat. nalu is not modified. Errors are those of ParseSPS.
func ParsePictureFormat(nalu []byte) (PictureFormat, error) {
	sps, _, err := parseSPSHead(nalu)
	if err != nil {
		return PictureFormat{}, err
	}
	return sps.PictureFormat(), nil
}

// ProfileName is the name ITU-T H.264 Annex A gives the profile, such as
// "Constrained Baseline" or "High 4:4:4 Intra", or "profile_idc N" for a
// value it does not name.
func (f PictureFormat) ProfileName() string {
	name, ok := profileNames[f.ProfileIDC]
	if !ok {
		return fmt.Sprintf("profile_idc %d", f.ProfileIDC)
	}
	switch f.ProfileIDC {
	case profileBaseline:
		if f.ConstraintSetFlags&constraintSet1Flag != 0 {
			return "Constrained Baseline"
		}
	case profileHigh10, profileHigh422:
		if f.ConstraintSetFlags&constraintSet3Flag != 0 {
			return name + profileNameIntraSufx
		}
	case profileHigh444:
		if f.ConstraintSetFlags&constraintSet3Flag != 0 {
			return "High 4:4:4" + profileNameIntraSufx
		}
	}
	return name
}

// ChromaName is the chroma subsampling: "4:2:0", "4:2:2", "4:4:4" or
// "monochrome".
func (f PictureFormat) ChromaName() string {
	switch f.ChromaFormatIDC {
	case 0:
		return "monochrome"
	case 1:
		return "4:2:0"
	case 2:
		return "4:2:2"
	case 3:
		return "4:4:4"
	}
	return fmt.Sprintf("chroma_format_idc %d", f.ChromaFormatIDC)
}

// String names the format the way a user reads it:
// "High 4:4:4 Predictive, 4:4:4, 8 bit", or "High 10, 4:2:0, 10/8 bit" when
// luma and chroma depths differ.
func (f PictureFormat) String() string {
	depth := fmt.Sprintf("%d bit", f.BitDepthLuma)
	if f.BitDepthChroma != f.BitDepthLuma {
		depth = fmt.Sprintf("%d/%d bit", f.BitDepthLuma, f.BitDepthChroma)
	}
	return f.ProfileName() + ", " + f.ChromaName() + ", " + depth
}

// BrowserDecodable reports whether browsers decode the format: the
// Baseline (Constrained Baseline included), Main or High profile, 4:2:0,
// 8 bits per sample. WebRTC offers only these profiles (see the fmtp lines
// of web/), the decoders of MSE and WebCodecs in Chrome, Firefox and Safari
// go no further, and Foxglove decodes with the browser's decoder. A stream
// outside them is recorded well but a viewer shows nothing.
func (f PictureFormat) BrowserDecodable() bool {
	switch f.ProfileIDC {
	case profileBaseline, profileMain, profileHigh:
	default:
		return false
	}
	return f.ChromaFormatIDC == chromaFormat420 &&
		f.BitDepthLuma == browserBitDepth && f.BitDepthChroma == browserBitDepth
}

// FindPictureFormat returns the format of the last SPS among an access
// unit's NAL units whose format it can read, and false when there is none
// (a picture other than a keyframe carries no SPS).
func FindPictureFormat(nalus [][]byte) (PictureFormat, bool) {
	for i := len(nalus) - 1; i >= 0; i-- {
		if TypeOf(nalus[i]) != NALUTypeSPS {
			continue
		}
		if format, err := ParsePictureFormat(nalus[i]); err == nil {
			return format, true
		}
	}
	return PictureFormat{}, false
}
