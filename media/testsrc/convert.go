package testsrc

import "github.com/gopline/gopline/media"

// These tables reproduce media.Frame.Convert's YUV420P to RGB24 and GRAY8
// arithmetic bit for bit, without allocating a frame per call.
var (
	limitedToFull [256]byte
	// yBase[y] = 298*(y-16) + 128; the rest are the chroma terms of R, G, B.
	yBase, vToR, uToG, vToG, uToB [256]int32
)

func init() {
	for i := range 256 {
		v := int32(i)
		if i > 16 {
			limitedToFull[i] = clamp8(((v-16)*255 + 109) / 219)
		}
		yBase[i] = 298*(v-16) + 128
		vToR[i] = 409 * (v - 128)
		uToG[i] = -100 * (v - 128)
		vToG[i] = -208 * (v - 128)
		uToB[i] = 516 * (v - 128)
	}
}

// clampRGB returns v >> 8 clamped to 0..255.
func clampRGB(v int32) byte { return clamp8(v >> 8) }

func clamp8(v int32) byte {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return byte(v)
}

// yuvToRGB converts the YUV420P frame src into the RGB24 frame dst of the
// same size. The chroma terms are computed once per pair of pixels that
// share them.
func yuvToRGB(dst, src *media.Frame) {
	w := src.Width
	for r := range src.Height {
		ys, us, vs, out := src.Row(0, r), src.Row(1, r/2), src.Row(2, r/2), dst.Row(0, r)
		ys, out = ys[:w], out[:3*w]
		for cx := range w / 2 {
			u, v := us[cx], vs[cx]
			tr, tg, tb := vToR[v], uToG[u]+vToG[v], uToB[u]
			c0, c1 := yBase[ys[2*cx]], yBase[ys[2*cx+1]]
			o := out[6*cx : 6*cx+6 : 6*cx+6]
			o[0], o[1], o[2] = clampRGB(c0+tr), clampRGB(c0+tg), clampRGB(c0+tb)
			o[3], o[4], o[5] = clampRGB(c1+tr), clampRGB(c1+tg), clampRGB(c1+tb)
		}
		if w%2 == 1 {
			x := w - 1
			u, v, c := us[x/2], vs[x/2], yBase[ys[x]]
			out[3*x], out[3*x+1], out[3*x+2] = clampRGB(c+vToR[v]), clampRGB(c+uToG[u]+vToG[v]), clampRGB(c+uToB[u])
		}
	}
}
