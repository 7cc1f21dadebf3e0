package media

import "fmt"

// Convert returns f converted to the pixel format to, as a new Frame with
// packed planes; f is not changed. Converting to f's own format returns a
// copy. YUV420P is converted to RGB24 by the matrix and range its Colour
// states (BT.601 and video range when it states none) and made from
// RGB24 and GRAY8 in video range, by BT.601's matrix; RGB24 and GRAY8 are
// full range.
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
			if f.Colour.Range == RangeFull {
				copy(out, src)
				continue
			}
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

// yuvMatrix is a YUV to RGB conversion in 8-bit fixed point: R = y +
// rv*v', G = y - gu*u' - gv*v', B = y + bu*u', with y the luma less
// black scaled by ys/256, and u', v' the chroma less 128.
type yuvMatrix struct{ black, ys, rv, gu, gv, bu int32 }

// The matrices of video range (luma 16 to 235, chroma 16 to 240) and of
// full range (0 to 255, JPEG's).
var (
	bt601Matrix      = yuvMatrix{16, 298, 409, 100, 208, 516}
	bt709Matrix      = yuvMatrix{16, 298, 459, 55, 136, 541}
	bt2020Matrix     = yuvMatrix{16, 298, 430, 48, 167, 548}
	bt601FullMatrix  = yuvMatrix{0, 256, 359, 88, 183, 454}
	bt709FullMatrix  = yuvMatrix{0, 256, 403, 48, 120, 475}
	bt2020FullMatrix = yuvMatrix{0, 256, 377, 42, 146, 482}
)

// yuvMatrixOf returns the conversion of pictures of colour c: the matrix
// it states, BT.601's when it states none or one gopline does not convert
// by (as swscale's default), of full range when it says so, else of video
// range.
func yuvMatrixOf(c Colour) yuvMatrix {
	video, full := bt601Matrix, bt601FullMatrix
	switch c.Matrix {
	case ColourBT709:
		video, full = bt709Matrix, bt709FullMatrix
	case ColourBT2020, ColourBT2020 + 1: // constant luminance, taken as non-constant
		video, full = bt2020Matrix, bt2020FullMatrix
	}
	if c.Range == RangeFull {
		return full
	}
	return video
}

func (m yuvMatrix) rgb(y, u, v byte) (r, g, b byte) {
	c, d, e := m.ys*(int32(y)-m.black), int32(u)-128, int32(v)-128
	return clamp8((c + m.rv*e + 128) >> 8), clamp8((c - m.gu*d - m.gv*e + 128) >> 8), clamp8((c + m.bu*d + 128) >> 8)
}

// yuvToRGB converts src's picture by the matrix and range its Colour
// states (a BT.709 HD camera's; BT.601's and video range when it states
// none).
func yuvToRGB(dst, src *Frame) {
	m := yuvMatrixOf(src.Colour)
	for r := range src.Height {
		ys, us, vs, out := src.Row(0, r), src.Row(1, r/2), src.Row(2, r/2), dst.Row(0, r)
		for x, y := range ys {
			out[3*x], out[3*x+1], out[3*x+2] = m.rgb(y, us[x/2], vs[x/2])
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
