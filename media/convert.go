package media

import "fmt"

// Convert returns f converted to the pixel format to, as a new Frame with
// packed planes; f is not changed. Converting to f's own format returns a
// copy. YUV420P is BT.601 limited range; RGB24 and GRAY8 are full range.
// The result keeps f's Aspect, and its Colour says what it holds (see
// Colour.Converted).
// Chroma is averaged over each 2x2 block when converting to YUV420P.
func (f *Frame) Convert(to PixelFormat) (*Frame, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if !to.Valid() {
		return nil, fmt.Errorf("%w: %v", ErrUnknownPixelFormat, to)
	}
	if to == f.Format {
		return f.Clone(), nil
	}
	dst, err := NewFrame(to, f.Width, f.Height)
	if err != nil {
		return nil, err
	}
	dst.Seq, dst.CaptureTime, dst.Aspect, dst.Colour = f.Seq, f.CaptureTime, f.Aspect, f.Colour.Converted(f.Format, to)
	switch {
	case f.Format == YUV420P && to == RGB24:
		yuvToRGB(dst, f)
	case f.Format == YUV420P && to == GRAY8:
		for r := range f.Height {
			src, out := f.Row(0, r), dst.Row(0, r)
			for x, y := range src {
				out[x] = limitedToFull(y)
			}
		}
	case f.Format == RGB24 && to == YUV420P:
		rgbToYUV(dst, f)
	case f.Format == RGB24 && to == GRAY8:
		for r := range f.Height {
			src, out := f.Row(0, r), dst.Row(0, r)
			for x := range out {
				out[x] = rgbToGray(src[3*x], src[3*x+1], src[3*x+2])
			}
		}
	case f.Format == GRAY8 && to == YUV420P:
		for r := range f.Height {
			src, out := f.Row(0, r), dst.Row(0, r)
			for x, g := range src {
				out[x] = fullToLimited(g)
			}
		}
		fill(dst.Planes[1], 128)
		fill(dst.Planes[2], 128)
	case f.Format == GRAY8 && to == RGB24:
		for r := range f.Height {
			src, out := f.Row(0, r), dst.Row(0, r)
			for x, g := range src {
				out[3*x], out[3*x+1], out[3*x+2] = g, g, g
			}
		}
	}
	return dst, nil
}

func fill(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

func clamp8(v int32) byte {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return byte(v)
}

// limitedToFull maps a limited-range luma (16..235) to full range (0..255).
func limitedToFull(y byte) byte {
	if y <= 16 {
		return 0
	}
	return clamp8(((int32(y)-16)*255 + 109) / 219)
}

// fullToLimited maps a full-range value (0..255) to limited-range luma (16..235).
func fullToLimited(g byte) byte { return byte(16 + (int32(g)*219+127)/255) }

func rgbToGray(r, g, b byte) byte {
	return byte((77*int32(r) + 150*int32(g) + 29*int32(b) + 128) >> 8)
}

// BT.601 limited range, 8-bit fixed point.
func rgbToY(r, g, b int32) byte { return byte(((66*r + 129*g + 25*b + 128) >> 8) + 16) }

func rgbToUV(r, g, b int32) (u, v byte) {
	return clamp8(((-38*r - 74*g + 112*b + 128) >> 8) + 128), clamp8(((112*r - 94*g - 18*b + 128) >> 8) + 128)
}

func yuvToRGBPixel(y, u, v byte) (r, g, b byte) {
	c, d, e := 298*(int32(y)-16), int32(u)-128, int32(v)-128
	return clamp8((c + 409*e + 128) >> 8), clamp8((c - 100*d - 208*e + 128) >> 8), clamp8((c + 516*d + 128) >> 8)
}

func yuvToRGB(dst, src *Frame) {
	for r := range src.Height {
		ys, us, vs, out := src.Row(0, r), src.Row(1, r/2), src.Row(2, r/2), dst.Row(0, r)
		for x, y := range ys {
			out[3*x], out[3*x+1], out[3*x+2] = yuvToRGBPixel(y, us[x/2], vs[x/2])
		}
	}
}

func rgbToYUV(dst, src *Frame) {
	for r := range src.Height {
		in, ys := src.Row(0, r), dst.Row(0, r)
		for x := range ys {
			ys[x] = rgbToY(int32(in[3*x]), int32(in[3*x+1]), int32(in[3*x+2]))
		}
	}
	cw, ch := YUV420P.PlaneSize(1, src.Width, src.Height)
	for cy := range ch {
		us, vs := dst.Row(1, cy), dst.Row(2, cy)
		r0, r1 := 2*cy, min(2*cy+1, src.Height-1)
		for cx := range cw {
			x0, x1 := 2*cx, min(2*cx+1, src.Width-1)
			var sr, sg, sb int32
			for _, row := range [2]int{r0, r1} {
				in := src.Row(0, row)
				for _, x := range [2]int{x0, x1} {
					sr += int32(in[3*x])
					sg += int32(in[3*x+1])
					sb += int32(in[3*x+2])
				}
			}
			us[cx], vs[cx] = rgbToUV((sr+2)/4, (sg+2)/4, (sb+2)/4)
		}
	}
}
