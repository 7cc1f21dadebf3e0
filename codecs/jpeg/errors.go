package jpeg

import "errors"

// Sentinel errors of this package. The codecs package's ErrCorrupt,
// ErrFrameMismatch and ErrClosed are used as well; test for all of them with
// errors.Is.
var (
	// ErrInvalidOption is returned by NewEncoder and NewDecoder for an
	// option value out of range, such as a quality outside 1..100.
	ErrInvalidOption = errors.New("jpeg: invalid option")

	// ErrTooLarge is returned by Decode, together with codecs.ErrCorrupt,
	// for a JPEG whose header declares a picture wider or taller than
	// media.MaxDimension or with more pixels than the decoder's limit (see
	// WithMaxPixels). Decode checks the header before it decodes, so such a
	// packet costs no memory.
	ErrTooLarge = errors.New("jpeg: picture larger than the decoder's limit")
)
