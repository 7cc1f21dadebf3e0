package media

import (
	"fmt"
	"strconv"
)

// Colour is a picture's colour description, what H.264's VUI states: the
// colour primaries, the transfer characteristics and the matrix of its
// YUV samples, as the code points of ITU-T H.273 (which H.264, FFmpeg and
// ffprobe share: 1 is BT.709, 6 BT.601 of 525 lines (smpte170m), 5 BT.601
// of 625 lines (bt470bg), 9 BT.2020), and the range of its samples. Zero
// in each is unknown, as is H.273's 2 (unspecified): a decoder that reads
// it gives 0. The zero value says nothing, and a stream encoded from
// Frames that say nothing says nothing, which players take for BT.601 in
// SD and BT.709 in HD.
type Colour struct {
	Primaries, Transfer, Matrix uint8
	Range                       ColourRange
}

// H.273 code points gopline names: each is a primaries, a transfer and a
// matrix code point alike.
const (
	ColourBT709     = 1
	ColourBT470BG   = 5 // BT.601 of 625 lines (PAL): JPEG's matrix
	ColourSMPTE170M = 6 // BT.601 of 525 lines (NTSC): the BT.601 matrix of gopline's conversions
	ColourBT2020    = 9
)

// ColourRange is the range of a picture's samples.
type ColourRange uint8

const (
	RangeUnknown ColourRange = iota
	// RangeLimited is video range ("tv"): luma 16..235, chroma 16..240,
	// what every YUV420P Frame of gopline's decoders holds.
	RangeLimited
	// RangeFull is JPEG's range ("pc"): 0..255.
	RangeFull
)

// String is the range as ffprobe's color_range: "tv", "pc" or "unknown".
func (r ColourRange) String() string {
	switch r {
	case RangeLimited:
		return "tv"
	case RangeFull:
		return "pc"
	}
	return "unknown"
}

// Known reports whether the description says anything.
func (c Colour) Known() bool { return c != Colour{} }

// String is the description as ffprobe names it: "bt709/bt709/bt709 tv",
// primaries, transfer and matrix, each "unknown" when it is.
func (c Colour) String() string {
	return fmt.Sprintf("%s/%s/%s %v", colourName(c.Primaries, primariesNames), colourName(c.Transfer, transferNames),
		colourName(c.Matrix, matrixNames), c.Range)
}

var (
	primariesNames = map[uint8]string{1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film", 9: "bt2020"}
	transferNames  = map[uint8]string{1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear",
		13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084", 18: "arib-std-b67"}
	matrixNames = map[uint8]string{1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 9: "bt2020nc", 10: "bt2020c"}
)

func colourName(code uint8, names map[uint8]string) string {
	if code == 0 {
		return "unknown"
	}
	if n, ok := names[code]; ok {
		return n
	}
	return strconv.Itoa(int(code))
}

// Converted returns the description of a picture of this description in
// the pixel format from converted to the pixel format to by Convert: its
// primaries and transfer kept; a YUV420P picture made from RGB24 is of the
// BT.601 matrix (ColourSMPTE170M), and one made from GRAY8 of none (its
// chroma is flat), both of limited range, as Convert makes them; RGB24
// and GRAY8 pictures have no matrix and are of full range.
func (c Colour) Converted(from, to PixelFormat) Colour {
	if from == to {
		return c
	}
	out := Colour{Primaries: c.Primaries, Transfer: c.Transfer}
	switch to {
	case YUV420P:
		if from == RGB24 {
			out.Matrix = ColourSMPTE170M
		}
		out.Range = RangeLimited
	case RGB24, GRAY8:
		out.Range = RangeFull
	}
	return out
}
