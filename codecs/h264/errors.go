package h264

import "errors"

// Sentinel errors. Functions wrap them with a detail, so test for them with
// errors.Is rather than with ==.
var (
	// ErrEmpty is returned for input that holds no bytes, or no NAL unit at
	// all once start codes and zero bytes are removed.
	ErrEmpty = errors.New("h264: empty input")

	// ErrNoStartCode is returned by SplitAnnexB when the input does not begin
	// with a start code (00 00 01, optionally after more zero bytes).
	ErrNoStartCode = errors.New("h264: no start code at the beginning of the byte stream")

	// ErrTooManyNALUs is returned when one access unit holds more than
	// MaxNALUsPerAccessUnit NAL units.
	ErrTooManyNALUs = errors.New("h264: too many NAL units in one access unit")

	// ErrTruncated is returned when a syntax element or a structure runs past
	// the end of its input.
	ErrTruncated = errors.New("h264: truncated input")

	// ErrInvalidExpGolomb is returned when an exp-Golomb code has more than 31
	// leading zero bits, so that its value would not fit in 32 bits.
	ErrInvalidExpGolomb = errors.New("h264: exp-Golomb code longer than 32 bits")

	// ErrNotSPS is returned by ParseSPS when the NAL unit is not a sequence
	// parameter set (nal_unit_type 7).
	ErrNotSPS = errors.New("h264: NAL unit is not a sequence parameter set")

	// ErrInvalidSPS is returned when a sequence parameter set holds a value
	// outside the range the standard allows.
	ErrInvalidSPS = errors.New("h264: invalid sequence parameter set")

	// ErrUnsupported is returned for syntax this package does not handle, such
	// as a reserved chroma_format_idc, a picture larger than
	// MaxDimensionInMBs, or an avcC record of an unknown version.
	ErrUnsupported = errors.New("h264: unsupported bitstream")

	// ErrMissingParameterSets is returned by ParamSets when a random access point
	// lacks an SPS or a PPS and none has been seen yet to put in front of it.
	ErrMissingParameterSets = errors.New("h264: random access point without SPS or PPS, and none known")

	// ErrInvalidLength is returned for a bad NAL unit length size, a length
	// prefix that overruns its buffer, or a NAL unit too long for its prefix.
	ErrInvalidLength = errors.New("h264: invalid NAL unit length")

	// ErrNotPPS is returned by ParsePPS when the NAL unit is not a picture
	// parameter set (nal_unit_type 8).
	ErrNotPPS = errors.New("h264: NAL unit is not a picture parameter set")

	// ErrNotSlice is returned by ParseSliceHeader when the NAL unit is not
	// the coded slice of a picture (nal_unit_type 1 or 5).
	ErrNotSlice = errors.New("h264: NAL unit is not a coded slice")

	// ErrInvalidPPS is returned when a picture parameter set holds a value
	// outside the range the standard allows.
	ErrInvalidPPS = errors.New("h264: invalid picture parameter set")

	// ErrInvalidSliceHeader is returned when a slice header holds a value
	// outside the range the standard allows, or does not match the
	// parameter sets it is read with.
	ErrInvalidSliceHeader = errors.New("h264: invalid slice header")

	// ErrNotSEI is returned by ParseRecoveryPoint when the NAL unit is not
	// supplemental enhancement information (nal_unit_type 6).
	ErrNotSEI = errors.New("h264: NAL unit is not supplemental enhancement information")

	// ErrInvalidSEI is returned when an SEI message holds a value outside
	// the range the standard allows.
	ErrInvalidSEI = errors.New("h264: invalid SEI message")
)
