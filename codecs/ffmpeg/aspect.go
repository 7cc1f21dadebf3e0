package ffmpeg

import (
	"math"
	"strconv"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/media"
)

// PixelAspect is the shape of a stream's pixels, its sample aspect ratio
// (SAR): a pixel is Width/Height times as wide as it is high. A PAL DVD's
// or DV camera's 720x576 pictures have pixels of 16:15 (shown 4:3) or
// 64:45 (shown 16:9). The zero value, unknown, and 1:1 are square.
type PixelAspect struct{ Width, Height int }

// Square reports whether the pixels are square, or of an unknown shape,
// which players show as square.
func (a PixelAspect) Square() bool {
	return a.Width <= 0 || a.Height <= 0 || a.Width == a.Height
}

// String is the aspect as ffprobe's sample_aspect_ratio: "64:45".
func (a PixelAspect) String() string {
	if a.Width <= 0 || a.Height <= 0 {
		return "unknown"
	}
	return strconv.Itoa(a.Width) + ":" + strconv.Itoa(a.Height)
}

// SquareSize returns the size of a width x height picture of these pixels
// made of square ones, as players show it (ffmpeg's scale=iw*sar:ih): its
// width scaled by the aspect, rounded to an even number that H.264 can
// encode (at least 2, at most media.MaxDimension), its height kept. Square
// pixels keep the size.
func (a PixelAspect) SquareSize(width, height int) (int, int) {
	if a.Square() || width <= 0 {
		return width, height
	}
	w := 2 * math.Round(float64(width)*float64(a.Width)/float64(a.Height)/2)
	return int(min(max(w, 2), float64(media.MaxDimension))), height
}

// aspectOf is FFmpeg's sample aspect ratio as a PixelAspect.
func aspectOf(sar astiav.Rational) PixelAspect { return PixelAspect{sar.Num(), sar.Den()} }

// makeSquare sets s, a scaler that keeps the pictures' size, to scale src,
// a picture of pixels of aspect a, to square pixels, or to keep its size
// (and share it unscaled) when they are square.
func (s *scaler) makeSquare(src *astiav.Frame, a PixelAspect) {
	if a.Square() {
		s.width, s.height = 0, 0
		return
	}
	s.width, s.height = a.SquareSize(src.Width(), src.Height())
}
