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

// rotateTile is the side of the blocks a quarter turn goes through: the
// rows of a block of the source and of the turned block stay in the CPU's
// cache while it is written, which the column-wise writes of a plain loop
// over the whole picture do not.
const rotateTile = 32

// rotatePlane turns a plane of w x h pixels of size bytes each, rows
// stride bytes apart in src, clockwise by turns quarter turns into dst,
// whose rows are dstStride bytes apart.
func rotatePlane(dst []byte, dstStride int, src []byte, stride, w, h, size, turns int) {
	switch turns {
	case 0:
		for y := range h {
			copy(dst[y*dstStride:y*dstStride+w*size], src[y*stride:y*stride+w*size])
		}
		return
	case 2: // the rows in reverse order, each reversed
		for y := range h {
			row := src[y*stride : y*stride+w*size]
			out := dst[(h-1-y)*dstStride : (h-1-y)*dstStride+w*size]
			for x := range w {
				copy(out[(w-1-x)*size:(w-x)*size], row[x*size:(x+1)*size])
			}
		}
		return
	}
	for y0 := 0; y0 < h; y0 += rotateTile {
		for x0 := 0; x0 < w; x0 += rotateTile {
			for y := y0; y < min(y0+rotateTile, h); y++ {
				row := src[y*stride : y*stride+w*size]
				for x := x0; x < min(x0+rotateTile, w); x++ {
					// 1: the left column becomes the top row; 3: the right one.
					dx, dy := h-1-y, x
					if turns == 3 {
						dx, dy = y, w-1-x
					}
					at := dy*dstStride + dx*size
					if size == 1 {
						dst[at] = row[x]
					} else {
						copy(dst[at:at+size], row[x*size:(x+1)*size])
					}
				}
			}
		}
	}
}
