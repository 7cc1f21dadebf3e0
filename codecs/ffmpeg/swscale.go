package ffmpeg

/*
#cgo pkg-config: libswscale libavutil
#include <libswscale/swscale.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
#include <libavutil/opt.h>

// gp_sws_context makes a context that scales pictures of src's size and
// pixel format to w x h of fmt, reading src's range and colour matrix from
// its frame properties, as FFmpeg's scale filter does: swscale takes a
// picture for full range only when its pixel format says so (yuvj420p),
// where decoders of VP9, AV1 and HEVC say it in color_range alone, and for
// the BT.601 matrix unless told. The range is set before the context is
// initialised: a conversion without scaling is chosen then, a plain copy
// when both ranges are the same.
static struct SwsContext *gp_sws_context(const AVFrame *src, int w, int h, int fmt, int flags) {
	struct SwsContext *c = sws_alloc_context();
	if (!c)
		return NULL;
	if (av_opt_set_int(c, "srcw", src->width, 0) < 0 || av_opt_set_int(c, "srch", src->height, 0) < 0 ||
		av_opt_set_int(c, "src_format", src->format, 0) < 0 || av_opt_set_int(c, "dstw", w, 0) < 0 ||
		av_opt_set_int(c, "dsth", h, 0) < 0 || av_opt_set_int(c, "dst_format", fmt, 0) < 0 ||
		av_opt_set_int(c, "sws_flags", flags, 0) < 0 ||
		av_opt_set_int(c, "src_range", src->color_range == AVCOL_RANGE_JPEG, 0) < 0 ||
		sws_init_context(c, NULL, NULL) < 0) {
		sws_freeContext(c);
		return NULL;
	}
	int *inv, *table, src_range, dst_range, brightness, contrast, saturation;
	if (sws_getColorspaceDetails(c, &inv, &src_range, &table, &dst_range, &brightness, &contrast, &saturation) < 0)
		return c;
	int space = src->colorspace;
	if (space == AVCOL_SPC_UNSPECIFIED || space == AVCOL_SPC_RGB || space < 0 || space > AVCOL_SPC_BT2020_CL)
		space = SWS_CS_DEFAULT;
	sws_setColorspaceDetails(c, sws_getCoefficients(space), src_range, table, dst_range, brightness, contrast, saturation);
	return c;
}
*/
import "C"

import (
	"fmt"

	"github.com/asticode/go-astiav"
)

// swsContext is one swscale context, owned by a scaler, freed by free.
type swsContext struct {
	c *C.struct_SwsContext
	// inRange and inSpace are the colour properties of the pictures it
	// was made for.
	inRange astiav.ColorRange
	inSpace C.enum_AVColorSpace
}

// newSwsContext makes a bilinear context that scales pictures like src
// (size, pixel format, range and colour matrix) to w x h of format.
func newSwsContext(src *astiav.Frame, w, h int, format astiav.PixelFormat) (*swsContext, error) {
	c := C.gp_sws_context(cFrame(src), C.int(w), C.int(h), C.int(format), C.SWS_BILINEAR)
	if c == nil {
		return nil, fmt.Errorf("ffmpeg: no scaler for %dx%d %s to %dx%d %s", src.Width(), src.Height(), src.PixelFormat(), w, h, format)
	}
	return &swsContext{c: c, inRange: src.ColorRange(), inSpace: cFrame(src).colorspace}, nil
}

// fits reports whether the context was made for pictures of src's colour
// properties (the scaler checks size and format).
func (s *swsContext) fits(src *astiav.Frame) bool {
	return s.inRange == src.ColorRange() && s.inSpace == cFrame(src).colorspace
}

// scale scales src into dst, a picture of the context's output.
func (s *swsContext) scale(src, dst *astiav.Frame) error {
	if ret := C.sws_scale_frame(s.c, cFrame(dst), cFrame(src)); ret < 0 {
		return astiav.Error(ret)
	}
	return nil
}

func (s *swsContext) free() {
	if s != nil && s.c != nil {
		C.sws_freeContext(s.c)
		s.c = nil
	}
}

// fullRangeYUV reports whether src is a YUV picture of full range whose
// pixel format does not say so (yuv420p, not yuvj420p): one that must go
// through the scaler to become a Frame, which is of video range.
func fullRangeYUV(src *astiav.Frame) bool {
	return src.ColorRange() == astiav.ColorRangeJpeg && src.PixelFormat() == astiav.PixelFormatYuv420P
}
