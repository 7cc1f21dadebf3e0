package h264

import (
	"encoding/binary"
	"fmt"
)

// Layout of an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1).
const (
	decoderConfigVersion      = 1    // configurationVersion
	decoderConfigHeaderBytes  = 6    // version, profile, compatibility, level, length size, SPS count
	lengthSizeMinusOneMask    = 0x03 // low bits of the fifth byte; the six high bits are reserved ones
	numSPSMask                = 0x1f // low bits of the sixth byte; the three high bits are reserved ones
	maxDecoderConfigSPS       = 31   // numOfSequenceParameterSets is five bits
	maxDecoderConfigPPS       = 255  // numOfPictureParameterSets is one byte
	maxDecoderConfigSPSExt    = 255  // numOfSequenceParameterSetExt is one byte
	maxParameterSetLength     = 0xffff
	parameterSetLengthBytes   = 2    // sequenceParameterSetLength and the others are 16 bits
	decoderConfigExtBytes     = 4    // chroma_format, two bit depths, SPS extension count
	chromaFormatMask          = 0x03 // chroma_format under six reserved ones
	bitDepthMinus8Mask        = 0x07 // bit_depth_*_minus8 under five reserved ones
	reservedOnesChromaFormat  = 0xfc
	reservedOnesBitDepth      = 0xf8
	reservedOnesLengthSize    = 0xfc
	reservedOnesNumSPS        = 0xe0
	decoderConfigBitDepthBias = 8
)

// DecoderConfig is an AVCDecoderConfigurationRecord, the payload of the avcC
// box with which MP4 describes an H.264 track.
type DecoderConfig struct {
	Profile              uint8 // AVCProfileIndication, the SPS's profile_idc
	ProfileCompatibility uint8 // profile_compatibility, the SPS's constraint flags
	Level                uint8 // AVCLevelIndication, the SPS's level_idc
	LengthSize           int   // bytes in each NAL unit length of the samples: 1, 2 or 4

	SPS [][]byte // sequence parameter set NAL units
	PPS [][]byte // picture parameter set NAL units

	// HasExtension reports the fields the high profiles 100, 110, 122 and 144
	// add. ParseDecoderConfig leaves it false when they are absent or
	// malformed, as many muxers write them wrongly or not at all.
	HasExtension   bool
	ChromaFormat   uint8    // chroma_format_idc
	BitDepthLuma   uint8    // bit_depth_luma_minus8 + 8
	BitDepthChroma uint8    // bit_depth_chroma_minus8 + 8
	SPSExt         [][]byte // sequence parameter set extension NAL units
}

// hasDecoderConfigExtension reports whether records of this profile carry
// the extension fields.
func hasDecoderConfigExtension(profile uint8) bool {
	return profile == 100 || profile == 110 || profile == 122 || profile == 144
}

// ParseDecoderConfig parses an AVCDecoderConfigurationRecord, the payload of
// an avcC box (without its size and type).
//
// The parameter sets of the result alias b: nothing is copied, so they are
// valid only as long as b is.
//
// It returns ErrTruncated when the record is cut short, ErrUnsupported for a
// configurationVersion other than 1, and ErrInvalidLength for a length size
// of 3 or an empty parameter set.
func ParseDecoderConfig(b []byte) (*DecoderConfig, error) {
	if len(b) < decoderConfigHeaderBytes {
		return nil, fmt.Errorf("%w: avcC has %d bytes, want at least %d", ErrTruncated, len(b), decoderConfigHeaderBytes)
	}
	if b[0] != decoderConfigVersion {
		return nil, fmt.Errorf("%w: avcC configurationVersion %d", ErrUnsupported, b[0])
	}
	c := &DecoderConfig{
		Profile:              b[1],
		ProfileCompatibility: b[2],
		Level:                b[3],
		LengthSize:           int(b[4]&lengthSizeMinusOneMask) + 1,
	}
	if !validLengthSize(c.LengthSize) {
		return nil, fmt.Errorf("%w: avcC lengthSizeMinusOne %d", ErrInvalidLength, c.LengthSize-1)
	}
	rest := b[decoderConfigHeaderBytes:]
	var err error
	if c.SPS, rest, err = readParameterSets(rest, int(b[5]&numSPSMask), "SPS"); err != nil {
		return nil, err
	}
	if len(rest) < 1 {
		return nil, fmt.Errorf("%w: avcC ends before numOfPictureParameterSets", ErrTruncated)
	}
	if c.PPS, rest, err = readParameterSets(rest[1:], int(rest[0]), "PPS"); err != nil {
		return nil, err
	}
	if hasDecoderConfigExtension(c.Profile) {
		parseDecoderConfigExtension(c, rest)
	}
	return c, nil
}

// readParameterSets reads count parameter sets, each behind a 16-bit length,
// and returns them with the bytes after them.
func readParameterSets(b []byte, count int, what string) (sets [][]byte, rest []byte, err error) {
	for i := range count {
		if len(b) < parameterSetLengthBytes {
			return nil, nil, fmt.Errorf("%w: avcC ends before the length of %s %d", ErrTruncated, what, i)
		}
		length := int(binary.BigEndian.Uint16(b))
		b = b[parameterSetLengthBytes:]
		if length == 0 {
			return nil, nil, fmt.Errorf("%w: avcC %s %d is empty", ErrInvalidLength, what, i)
		}
		if length > len(b) {
			return nil, nil, fmt.Errorf("%w: avcC %s %d has %d bytes, only %d left", ErrTruncated, what, i, length, len(b))
		}
		sets = append(sets, b[:length:length])
		b = b[length:]
	}
	return sets, b, nil
}

// parseDecoderConfigExtension reads the high profile fields into c when b
// holds them whole, with their reserved bits set.
func parseDecoderConfigExtension(c *DecoderConfig, b []byte) {
	if len(b) < decoderConfigExtBytes ||
		b[0]&reservedOnesChromaFormat != reservedOnesChromaFormat ||
		b[1]&reservedOnesBitDepth != reservedOnesBitDepth ||
		b[2]&reservedOnesBitDepth != reservedOnesBitDepth {
		return
	}
	ext, _, err := readParameterSets(b[decoderConfigExtBytes:], int(b[3]), "SPS extension")
	if err != nil {
		return
	}
	c.HasExtension = true
	c.ChromaFormat = b[0] & chromaFormatMask
	c.BitDepthLuma = b[1]&bitDepthMinus8Mask + decoderConfigBitDepthBias
	c.BitDepthChroma = b[2]&bitDepthMinus8Mask + decoderConfigBitDepthBias
	c.SPSExt = ext
}

// Marshal writes c as an AVCDecoderConfigurationRecord into a new slice. The
// extension fields are written when HasExtension is set. It returns
// ErrInvalidLength for a bad LengthSize or a parameter set that is empty or
// longer than 65535 bytes, ErrTooManyNALUs for more than 31 SPS or 255 PPS or
// SPS extensions, and ErrUnsupported for extension values that do not fit
// their bits.
func (c *DecoderConfig) Marshal() ([]byte, error) {
	if !validLengthSize(c.LengthSize) {
		return nil, fmt.Errorf("%w: length size %d, want 1, 2 or 4", ErrInvalidLength, c.LengthSize)
	}
	if len(c.SPS) > maxDecoderConfigSPS {
		return nil, fmt.Errorf("%w: %d SPS, an avcC holds at most %d", ErrTooManyNALUs, len(c.SPS), maxDecoderConfigSPS)
	}
	b := []byte{
		decoderConfigVersion, c.Profile, c.ProfileCompatibility, c.Level,
		reservedOnesLengthSize | byte(c.LengthSize-1),
		reservedOnesNumSPS | byte(len(c.SPS)),
	}
	b, err := appendParameterSets(b, c.SPS, "SPS")
	if err != nil {
		return nil, err
	}
	if len(c.PPS) > maxDecoderConfigPPS {
		return nil, fmt.Errorf("%w: %d PPS, an avcC holds at most %d", ErrTooManyNALUs, len(c.PPS), maxDecoderConfigPPS)
	}
	b = append(b, byte(len(c.PPS)))
	if b, err = appendParameterSets(b, c.PPS, "PPS"); err != nil {
		return nil, err
	}
	if !c.HasExtension {
		return b, nil
	}
	if c.ChromaFormat > chromaFormatMask ||
		c.BitDepthLuma < decoderConfigBitDepthBias || c.BitDepthLuma-decoderConfigBitDepthBias > bitDepthMinus8Mask ||
		c.BitDepthChroma < decoderConfigBitDepthBias || c.BitDepthChroma-decoderConfigBitDepthBias > bitDepthMinus8Mask {
		return nil, fmt.Errorf("%w: avcC chroma format %d or bit depths %d, %d", ErrUnsupported,
			c.ChromaFormat, c.BitDepthLuma, c.BitDepthChroma)
	}
	if len(c.SPSExt) > maxDecoderConfigSPSExt {
		return nil, fmt.Errorf("%w: %d SPS extensions, an avcC holds at most %d", ErrTooManyNALUs, len(c.SPSExt), maxDecoderConfigSPSExt)
	}
	b = append(b,
		reservedOnesChromaFormat|c.ChromaFormat,
		reservedOnesBitDepth|(c.BitDepthLuma-decoderConfigBitDepthBias),
		reservedOnesBitDepth|(c.BitDepthChroma-decoderConfigBitDepthBias),
		byte(len(c.SPSExt)))
	return appendParameterSets(b, c.SPSExt, "SPS extension")
}

func appendParameterSets(b []byte, sets [][]byte, what string) ([]byte, error) {
	for i, set := range sets {
		if len(set) == 0 || len(set) > maxParameterSetLength {
			return nil, fmt.Errorf("%w: %s %d has %d bytes, want 1 to %d", ErrInvalidLength, what, i, len(set), maxParameterSetLength)
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(set)))
		b = append(b, set...)
	}
	return b, nil
}
