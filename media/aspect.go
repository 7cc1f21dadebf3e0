package media

import (
	"math"
	"strconv"
)

// maxAspectTerm bounds each term of a PixelAspect that a stream states:
// H.264's VUI writes them in 16 bits.
const maxAspectTerm = 65535

// PixelAspect is the shape of a picture's pixels, its sample aspect ratio
// (SAR): a pixel is Width/Height times as wide as it is high. A PAL DVD's
// or DV camera's 720x576 pictures have pixels of 16:15 (shown 4:3) or
// 64:45 (shown 16:9). The zero value, unknown, and 1:1 are square.
type PixelAspect struct{ Width, Height int }

// Known reports whether the aspect is stated (both terms positive).
func (a PixelAspect) Known() bool { return a.Width > 0 && a.Height > 0 }

// Square reports whether the pixels are square, or of an unknown shape,
// which players show as square.
func (a PixelAspect) Square() bool {
	return !a.Known() || a.Width == a.Height
}

// String is the aspect as ffprobe's sample_aspect_ratio: "64:45".
func (a PixelAspect) String() string {
	if !a.Known() {
		return "unknown"
	}
	return strconv.Itoa(a.Width) + ":" + strconv.Itoa(a.Height)
}

// SquareSize returns the size of a width x height picture of these pixels
// made of square ones, as players show it (ffmpeg's scale=iw*sar:ih): its
// width scaled by the aspect, rounded to an even number that H.264 can
// encode (at least 2, at most MaxDimension), its height kept. Square
// pixels keep the size.
func (a PixelAspect) SquareSize(width, height int) (int, int) {
	if a.Square() || width <= 0 {
		return width, height
	}
	w := 2 * math.Round(float64(width)*float64(a.Width)/float64(a.Height)/2)
	return int(min(max(w, 2), float64(MaxDimension))), height
}

// Reduced returns the aspect in lowest terms, each at most 65535 (what
// H.264's VUI can state; a larger one is approximated), or the zero value
// when it is unknown.
func (a PixelAspect) Reduced() PixelAspect {
	if !a.Known() {
		return PixelAspect{}
	}
	w, h := int64(a.Width), int64(a.Height)
	g := gcd(w, h)
	w, h = w/g, h/g
	if w > maxAspectTerm || h > maxAspectTerm {
		scale := float64(maxAspectTerm) / float64(max(w, h))
		w, h = max(1, int64(math.Round(float64(w)*scale))), max(1, int64(math.Round(float64(h)*scale)))
		g = gcd(w, h)
		w, h = w/g, h/g
	}
	return PixelAspect{int(w), int(h)}
}

// Scaled returns the aspect of the pixels of a picture of these pixels,
// inW x inH, scaled to outW x outH, so that it shows in the same shape
// (FFmpeg's scale filter does the same): stretched wider, its pixels are
// narrower. An unknown aspect stays unknown.
func (a PixelAspect) Scaled(inW, inH, outW, outH int) PixelAspect {
	if !a.Known() || inW <= 0 || inH <= 0 || outW <= 0 || outH <= 0 {
		return PixelAspect{}
	}
	return PixelAspect{a.Width * inW * outH, a.Height * inH * outW}.Reduced()
}

// Turned returns the aspect of the pixels of a picture turned by
// quarterTurns quarter turns: its terms swapped for an odd number.
func (a PixelAspect) Turned(quarterTurns int) PixelAspect {
	if quarterTurns%2 != 0 {
		return PixelAspect{a.Height, a.Width}
	}
	return a
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
