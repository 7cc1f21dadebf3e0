package jpeg

import (
	"image"
	"math"

	"github.com/gopline/gopline/media"
)

// Range conversion. media.YUV420P is BT.601 limited range (luma 16..235,
// chroma 16..240); JFIF YCbCr, which image/jpeg reads and writes, is the
// same BT.601 matrix at full range (0..255 for all three). The tables map one
// to the other per sample, rounding to nearest.
var (
	lumaToFull, chromaToFull       = rangeTables(16, 219, 112)
	lumaToLimited, chromaToLimited = inverseRangeTables(16, 219, 112)

	// JFIF YCbCr to RGB, in 16.16 fixed point as image/color computes it:
	// R = Y + 1.402 Cr', G = Y - 0.34414 Cb' - 0.71414 Cr', B = Y + 1.772 Cb',
	// with Cb' = Cb-128 and Cr' = Cr-128.
	crToR, cbToG, crToG, cbToB = ycbcrToRGBTables()
)

// rangeTables returns the maps from limited-range luma (black at lumaLow,
// lumaSpan levels up to white) and chroma (±chromaSpan around 128) to full
// range.
func rangeTables(lumaLow, lumaSpan, chromaSpan float64) (luma, chroma [256]byte) {
	for i := range 256 {
		v := float64(i)
		luma[i] = clampRound((v - lumaLow) * 255 / lumaSpan)
		chroma[i] = clampRound(128 + (v-128)*127.5/chromaSpan)
	}
	return luma, chroma
}

// inverseRangeTables returns the maps from full range back to limited range.
func inverseRangeTables(lumaLow, lumaSpan, chromaSpan float64) (luma, chroma [256]byte) {
	for i := range 256 {
		v := float64(i)
		luma[i] = clampRound(lumaLow + v*lumaSpan/255)
		chroma[i] = clampRound(128 + (v-128)*chromaSpan/127.5)
	}
	return luma, chroma
}

func clampRound(v float64) byte {
	return byte(math.Max(0, math.Min(255, math.Round(v))))
}

func ycbcrToRGBTables() (crR, cbG, crG, cbB [256]int32) {
	for i := range 256 {
		c := int32(i) - 128
		crR[i] = 91881 * c
		cbG[i] = -22554 * c
		crG[i] = -46802 * c
		cbB[i] = 116130 * c
	}
	return crR, cbG, crG, cbB
}

// clamp16 returns v >> 16 clamped to 0..255.
func clamp16(v int32) byte {
	if uint32(v)&0xff000000 == 0 {
		return byte(v >> 16)
	}
	if v < 0 {
		return 0
	}
	return 255
}

// rgbToJFIF returns the full-range JFIF luma of a pixel, as
// image/color.RGBToYCbCr computes it.
func rgbToJFIFLuma(r, g, b int32) byte {
	return byte((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
}

// rgbSumToJFIFChroma returns the full-range JFIF Cb and Cr of the mean of
// four pixels whose R, G and B add up to r, g and b.
func rgbSumToJFIFChroma(r, g, b int32) (cb, cr byte) {
	cbv := (-11056*r - 21712*g + 32768*b + 4*(257<<15)) >> 18
	crv := (32768*r - 27440*g - 5328*b + 4*(257<<15)) >> 18
	return clamp8(cbv), clamp8(crv)
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

// yuvToJFIF converts the limited-range YUV420P frame f into the full-range
// 4:2:0 picture dst of the same size.
func yuvToJFIF(dst *image.YCbCr, f *media.Frame) {
	for r := range f.Height {
		src, out := f.Row(0, r), dst.Y[r*dst.YStride:r*dst.YStride+f.Width]
		for x, v := range src {
			out[x] = lumaToFull[v]
		}
	}
	cw, ch := media.YUV420P.PlaneSize(1, f.Width, f.Height)
	for r := range ch {
		us, vs := f.Row(1, r), f.Row(2, r)
		cb, cr := dst.Cb[r*dst.CStride:r*dst.CStride+cw], dst.Cr[r*dst.CStride:r*dst.CStride+cw]
		for x := range cb {
			cb[x] = chromaToFull[us[x]]
			cr[x] = chromaToFull[vs[x]]
		}
	}
}

// rgbToJFIF converts the RGB24 frame f into the 4:2:0 picture dst of the
// same size, averaging chroma over each 2x2 block.
func rgbToJFIF(dst *image.YCbCr, f *media.Frame) {
	for r := range f.Height {
		src, out := f.Row(0, r), dst.Y[r*dst.YStride:r*dst.YStride+f.Width]
		for x := range out {
			p := src[3*x : 3*x+3 : 3*x+3]
			out[x] = rgbToJFIFLuma(int32(p[0]), int32(p[1]), int32(p[2]))
		}
	}
	cw, ch := media.YUV420P.PlaneSize(1, f.Width, f.Height)
	for r := range ch {
		top, bottom := f.Row(0, 2*r), f.Row(0, min(2*r+1, f.Height-1))
		cb, cr := dst.Cb[r*dst.CStride:r*dst.CStride+cw], dst.Cr[r*dst.CStride:r*dst.CStride+cw]
		for x := range cb {
			x0, x1 := 6*x, 3*min(2*x+1, f.Width-1)
			sr := int32(top[x0]) + int32(top[x1]) + int32(bottom[x0]) + int32(bottom[x1])
			sg := int32(top[x0+1]) + int32(top[x1+1]) + int32(bottom[x0+1]) + int32(bottom[x1+1])
			sb := int32(top[x0+2]) + int32(top[x1+2]) + int32(bottom[x0+2]) + int32(bottom[x1+2])
			cb[x], cr[x] = rgbSumToJFIFChroma(sr, sg, sb)
		}
	}
}

// chromaShifts returns how far luma coordinates shift right to give chroma
// coordinates in a picture of the given subsampling.
func chromaShifts(r image.YCbCrSubsampleRatio) (h, v uint, ok bool) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return 0, 0, true
	case image.YCbCrSubsampleRatio422:
		return 1, 0, true
	case image.YCbCrSubsampleRatio420:
		return 1, 1, true
	case image.YCbCrSubsampleRatio440:
		return 0, 1, true
	case image.YCbCrSubsampleRatio411:
		return 2, 0, true
	case image.YCbCrSubsampleRatio410:
		return 2, 1, true
	}
	return 0, 0, false
}

// jfifToYUV converts the full-range picture m into the limited-range YUV420P
// frame f of the same size. Chroma of a 4:2:0 picture maps sample for
// sample; other subsamplings are averaged (or repeated) onto the 4:2:0 grid.
func jfifToYUV(f *media.Frame, m *image.YCbCr, hs, vs uint) {
	w, h := f.Width, f.Height
	for r := range h {
		src, out := m.Y[r*m.YStride:r*m.YStride+w], f.Row(0, r)
		for x, v := range src {
			out[x] = lumaToLimited[v]
		}
	}
	cw, ch := media.YUV420P.PlaneSize(1, w, h)
	if hs == 1 && vs == 1 {
		for r := range ch {
			cb, cr := m.Cb[r*m.CStride:r*m.CStride+cw], m.Cr[r*m.CStride:r*m.CStride+cw]
			us, vs := f.Row(1, r), f.Row(2, r)
			for x := range us {
				us[x] = chromaToLimited[cb[x]]
				vs[x] = chromaToLimited[cr[x]]
			}
		}
		return
	}
	for r := range ch {
		y0, y1 := 2*r, min(2*r+1, h-1)
		row0, row1 := int(uint(y0)>>vs)*m.CStride, int(uint(y1)>>vs)*m.CStride
		us, vsRow := f.Row(1, r), f.Row(2, r)
		for x := range us {
			x0, x1 := int(uint(2*x)>>hs), int(uint(min(2*x+1, w-1))>>hs)
			cb := (int(m.Cb[row0+x0]) + int(m.Cb[row0+x1]) + int(m.Cb[row1+x0]) + int(m.Cb[row1+x1]) + 2) / 4
			cr := (int(m.Cr[row0+x0]) + int(m.Cr[row0+x1]) + int(m.Cr[row1+x0]) + int(m.Cr[row1+x1]) + 2) / 4
			us[x] = chromaToLimited[cb]
			vsRow[x] = chromaToLimited[cr]
		}
	}
}

// jfifToRGB converts the full-range picture m into the RGB24 frame f of the
// same size, repeating each chroma sample over the pixels it covers.
func jfifToRGB(f *media.Frame, m *image.YCbCr, hs, vs uint) {
	w := f.Width
	cw := int(uint(w-1)>>hs) + 1
	for r := range f.Height {
		ys := m.Y[r*m.YStride : r*m.YStride+w]
		crow := int(uint(r)>>vs) * m.CStride
		cb, cr := m.Cb[crow:crow+cw], m.Cr[crow:crow+cw]
		out := f.Row(0, r)[:3*w]
		x := 0
		if hs == 1 {
			// 4:2:0 and 4:2:2: two pixels share each chroma sample.
			for ; x+1 < w; x += 2 {
				b, rr := cb[x/2], cr[x/2]
				tr, tg, tb := crToR[rr], cbToG[b]+crToG[rr], cbToB[b]
				y0, y1 := int32(ys[x])*0x10101, int32(ys[x+1])*0x10101
				o := out[3*x : 3*x+6 : 3*x+6]
				o[0], o[1], o[2] = clamp16(y0+tr), clamp16(y0+tg), clamp16(y0+tb)
				o[3], o[4], o[5] = clamp16(y1+tr), clamp16(y1+tg), clamp16(y1+tb)
			}
		}
		for ; x < w; x++ {
			c := int(uint(x) >> hs)
			b, rr := cb[c], cr[c]
			yv := int32(ys[x]) * 0x10101
			o := out[3*x : 3*x+3 : 3*x+3]
			o[0] = clamp16(yv + crToR[rr])
			o[1] = clamp16(yv + cbToG[b] + crToG[rr])
			o[2] = clamp16(yv + cbToB[b])
		}
	}
}

// copyPlane copies a full-range luma plane into the GRAY8 frame f.
func copyPlane(f *media.Frame, pix []byte, stride int) {
	for r := range f.Height {
		copy(f.Row(0, r), pix[r*stride:r*stride+f.Width])
	}
}

// grayToFrame converts a grayscale picture into the frame f of the same size.
func grayToFrame(f *media.Frame, m *image.Gray) {
	w := f.Width
	for r := range f.Height {
		src := m.Pix[r*m.Stride : r*m.Stride+w]
		switch f.Format {
		case media.GRAY8:
			copy(f.Row(0, r), src)
		case media.YUV420P:
			out := f.Row(0, r)
			for x, v := range src {
				out[x] = lumaToLimited[v]
			}
		case media.RGB24:
			out := f.Row(0, r)[:3*w]
			for x, v := range src {
				out[3*x], out[3*x+1], out[3*x+2] = v, v, v
			}
		}
	}
	if f.Format == media.YUV420P {
		for i := 1; i <= 2; i++ {
			for j := range f.Planes[i] {
				f.Planes[i][j] = 128
			}
		}
	}
}
