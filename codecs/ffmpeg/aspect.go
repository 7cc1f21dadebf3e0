package ffmpeg

import (
	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/media"
)

// PixelAspect is the shape of a stream's pixels, its sample aspect ratio
// (see media.PixelAspect, which a Frame carries).
type PixelAspect = media.PixelAspect

// aspectOf is FFmpeg's sample aspect ratio as a PixelAspect: the zero
// value when FFmpeg's is unknown (0:1).
func aspectOf(sar astiav.Rational) PixelAspect {
	if sar.Num() <= 0 || sar.Den() <= 0 {
		return PixelAspect{}
	}
	return PixelAspect{Width: sar.Num(), Height: sar.Den()}
}

// makeSquare sets s, a scaler that keeps the pictures' size, to scale src,
// a picture of pixels of aspect a, to square pixels, or to keep its size
// (and share it unscaled) when they are square.
func (s *scaler) makeSquare(src *astiav.Frame, a PixelAspect) {
	if a.Square() {
		s.width, s.height, s.square = 0, 0, false
		return
	}
	s.width, s.height = a.SquareSize(src.Width(), src.Height())
	s.square = true
}
