package media

import "fmt"

// RotatedSize returns the size of a width x height picture turned
// clockwise by quarterTurns quarter turns: sides swapped for an odd number.
func RotatedSize(width, height, quarterTurns int) (int, int) {
	if quarterTurns%2 != 0 {
		return height, width
	}
	return width, height
}

// RotateInto writes f's picture turned clockwise by quarterTurns quarter
// turns (0 to 3) into dst, which must have f's format and the turned size
// (RotatedSize). Each plane is turned on its own, so a YUV420P picture
// stays YUV420P: its halved chroma planes turn with the luma. Only the
// pixels are written; f is not modified.
func (f *Frame) RotateInto(dst *Frame, quarterTurns int) error {
	if quarterTurns < 0 || quarterTurns > 3 {
		return fmt.Errorf("media: rotation by %d quarter turns (want 0 to 3)", quarterTurns)
	}
	if err := f.Validate(); err != nil {
		return err
	}
	if err := dst.Validate(); err != nil {
		return err
	}
	w, h := RotatedSize(f.Width, f.Height, quarterTurns)
	if dst.Format != f.Format || dst.Width != w || dst.Height != h {
		return fmt.Errorf("%w: %v %dx%d turned %d times into %v %dx%d", ErrFormatMismatch,
			f.Format, f.Width, f.Height, quarterTurns, dst.Format, dst.Width, dst.Height)
	}
	size := f.Format.pixelBytes()
	for i := range f.Format.NumPlanes() {
		rowBytes, rows := f.Format.PlaneSize(i, f.Width, f.Height)
		rotatePlane(dst.Planes[i], dst.Strides[i], f.Planes[i], f.Strides[i], rowBytes/size, rows, size, quarterTurns)
	}
	return nil
}

// pixelBytes is how many bytes one pixel takes in each plane of p.
func (p PixelFormat) pixelBytes() int {
	if p == RGB24 {
		return 3
	}
	return 1
}

// rotatePlane turns a plane of w x h pixels of size bytes each, rows
// stride bytes apart in src, clockwise by turns quarter turns into dst,
// whose rows are dstStride bytes apart.
func rotatePlane(dst []byte, dstStride int, src []byte, stride, w, h, size, turns int) {
	for y := range h {
		row := src[y*stride : y*stride+w*size]
		for x := range w {
			var dx, dy int
			switch turns {
			case 0:
				dx, dy = x, y
			case 1: // the left column becomes the top row
				dx, dy = h-1-y, x
			case 2:
				dx, dy = w-1-x, h-1-y
			case 3: // the right column becomes the top row
				dx, dy = y, w-1-x
			}
			copy(dst[dy*dstStride+dx*size:dy*dstStride+dx*size+size], row[x*size:x*size+size])
		}
	}
}
