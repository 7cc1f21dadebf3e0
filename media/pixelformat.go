package media

import (
	"fmt"
	"strings"
)

// PixelFormat is the memory layout of a Frame's picture.
type PixelFormat uint8

// The pixel formats gopline handles. YUV420P is the working format of the
// H.264 path; RGB24 and GRAY8 are for sources and sinks that speak them.
const (
	PixelFormatUnknown PixelFormat = iota
	// YUV420P is planar 8-bit Y, U, V with chroma halved in both directions
	// (chroma planes are (w+1)/2 by (h+1)/2), limited range BT.601 as libx264
	// and most cameras produce it.
	YUV420P
	// RGB24 is packed 8-bit R, G, B in one plane, full range.
	RGB24
	// GRAY8 is one 8-bit full-range luminance plane.
	GRAY8
)

var pixelFormatNames = [...]string{PixelFormatUnknown: "unknown", YUV420P: "yuv420p", RGB24: "rgb24", GRAY8: "gray8"}

// String returns the format's name as FFmpeg spells it ("yuv420p", "rgb24", "gray8").
func (p PixelFormat) String() string {
	if int(p) < len(pixelFormatNames) {
		return pixelFormatNames[p]
	}
	return fmt.Sprintf("pixfmt(%d)", uint8(p))
}

// Valid reports whether p is a known format other than PixelFormatUnknown.
func (p PixelFormat) Valid() bool { return p > PixelFormatUnknown && int(p) < len(pixelFormatNames) }

// ParsePixelFormat returns the format with the given name, case-insensitively.
// "gray" is accepted for GRAY8, as FFmpeg names it.
func ParsePixelFormat(name string) (PixelFormat, error) {
	if strings.EqualFold(name, "gray") {
		return GRAY8, nil
	}
	for p, n := range pixelFormatNames {
		if p != int(PixelFormatUnknown) && strings.EqualFold(n, name) {
			return PixelFormat(p), nil
		}
	}
	return PixelFormatUnknown, fmt.Errorf("%w: %q (want yuv420p, rgb24 or gray8)", ErrUnknownPixelFormat, name)
}

// NumPlanes returns how many planes a picture of this format has (0 for an unknown format).
func (p PixelFormat) NumPlanes() int {
	switch p {
	case YUV420P:
		return 3
	case RGB24, GRAY8:
		return 1
	}
	return 0
}

// PlaneSize returns the width in bytes and the number of rows of plane i of a
// width x height picture, or 0, 0 when the format has no such plane.
func (p PixelFormat) PlaneSize(i, width, height int) (rowBytes, rows int) {
	switch {
	case p == YUV420P && i == 0, p == GRAY8 && i == 0:
		return width, height
	case p == YUV420P && (i == 1 || i == 2):
		return (width + 1) / 2, (height + 1) / 2
	case p == RGB24 && i == 0:
		return 3 * width, height
	}
	return 0, 0
}

// PictureSize returns the bytes of a width x height picture with its planes
// packed without padding.
func (p PixelFormat) PictureSize(width, height int) int {
	n := 0
	for i := range p.NumPlanes() {
		w, h := p.PlaneSize(i, width, height)
		n += w * h
	}
	return n
}
