package ffmpeg

import (
	"encoding/binary"
	"fmt"
	"math"
)

// DisplayRotation is how a stream's pictures are meant to be shown, from
// its display matrix (a phone's clip, a camera mounted on its side: an
// MP4's "rotate" tag): turned clockwise by Degrees, and mirrored first when
// Mirrored. The zero value shows the pictures as coded.
type DisplayRotation struct {
	// Degrees is the clockwise turn, in [0, 360), rounded to a degree as
	// FFmpeg's command line rounds it.
	Degrees float64
	// Mirrored means the matrix also flips the picture.
	Mirrored bool
}

// IsZero reports whether the pictures are shown as coded.
func (d DisplayRotation) IsZero() bool { return d == DisplayRotation{} }

// QuarterTurns returns the clockwise quarter turns (0 to 3) of a rotation
// by a multiple of 90 degrees (within one degree, as FFmpeg's autorotate),
// with ok false for any other angle and for a mirrored picture, which
// gopline does not turn.
func (d DisplayRotation) QuarterTurns() (turns int, ok bool) {
	if d.Mirrored {
		return 0, false
	}
	q := math.Round(d.Degrees / 90)
	if math.Abs(d.Degrees-90*q) >= 1 {
		return 0, false
	}
	return int(q) % 4, true
}

// String says how the pictures are to be shown: "as coded", "turned 90°
// clockwise", "mirrored and turned 45° clockwise", "mirrored".
func (d DisplayRotation) String() string {
	turned := fmt.Sprintf("turned %g° clockwise", d.Degrees)
	switch {
	case d.IsZero():
		return "as coded"
	case !d.Mirrored:
		return turned
	case d.Degrees == 0:
		return "mirrored"
	}
	return "mirrored and " + turned
}

// displayMatrixSize is the bytes of a display matrix: 3x3 int32, the first
// two columns 16.16 fixed point, in the machine's byte order.
const displayMatrixSize = 36

// parseDisplayMatrix returns the rotation of a display matrix (FFmpeg's
// AV_PKT_DATA_DISPLAYMATRIX side data), reckoned as FFmpeg's
// av_display_rotation_get and its command line's autorotate do, or ok
// false when matrix is missing or degenerate.
func parseDisplayMatrix(matrix []byte) (rot DisplayRotation, ok bool) {
	if len(matrix) < displayMatrixSize {
		return DisplayRotation{}, false
	}
	var m [9]float64
	for i := range m {
		m[i] = float64(int32(binary.NativeEndian.Uint32(matrix[4*i:]))) / (1 << 16)
	}
	// m[0] m[1] / m[3] m[4] is the 2x2 transform of the picture.
	scaleX, scaleY := math.Hypot(m[0], m[3]), math.Hypot(m[1], m[4])
	if scaleX == 0 || scaleY == 0 {
		return DisplayRotation{}, false
	}
	deg := math.Round(math.Atan2(m[1]/scaleY, m[0]/scaleX) * 180 / math.Pi)
	deg = math.Mod(deg+360, 360) // atan2 gives [-180, 180]
	return DisplayRotation{Degrees: deg, Mirrored: m[0]*m[4]-m[1]*m[3] < 0}, true
}
