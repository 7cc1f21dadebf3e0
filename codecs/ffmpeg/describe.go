package ffmpeg

/*
#cgo pkg-config: libavutil
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>

// gp_pix_fmt_class is 1 for an RGB pixel format, 2 for a grey one (one
// component, or two with alpha), 0 for YUV.
static int gp_pix_fmt_class(int fmt) {
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(fmt);
	if (!d)
		return 0;
	if (d->flags & AV_PIX_FMT_FLAG_RGB)
		return 1;
	return d->nb_components <= 2 ? 2 : 0;
}
*/
import "C"

import (
	"strconv"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/media"
)

// h273Unspecified is H.273's code point for "unspecified", which a
// media.Colour says with 0.
const h273Unspecified = 2

// colourCode is an H.273 code point as a media.Colour holds it: 0 for
// unspecified, and for what does not fit.
func colourCode(v C.int) uint8 {
	if v <= 0 || v == h273Unspecified || v > 255 {
		return 0
	}
	return uint8(v)
}

// sourceColour returns the colour description FFmpeg gives a decoded
// picture, and the pixel format class of its samples, as the media
// format of that class (YUV420P for any YUV, RGB24 for RGB, GRAY8 for
// grey): a YUV format of JPEG's range (yuvj420p) is of full range
// whatever the picture says.
func sourceColour(src *astiav.Frame) (media.Colour, media.PixelFormat) {
	c := cFrame(src)
	colour := media.Colour{Primaries: colourCode(C.int(c.color_primaries)), Transfer: colourCode(C.int(c.color_trc)),
		Matrix: colourCode(C.int(c.colorspace))}
	switch {
	case c.color_range == C.AVCOL_RANGE_JPEG:
		colour.Range = media.RangeFull
	case c.color_range == C.AVCOL_RANGE_MPEG:
		colour.Range = media.RangeLimited
	}
	switch src.PixelFormat() {
	case astiav.PixelFormatYuvj420P, astiav.PixelFormatYuvj422P, astiav.PixelFormatYuvj444P, astiav.PixelFormatYuvj440P, astiav.PixelFormatYuvj411P:
		colour.Range = media.RangeFull
	}
	class := media.YUV420P
	switch C.gp_pix_fmt_class(C.int(src.PixelFormat())) {
	case 1:
		class = media.RGB24
	case 2:
		class = media.GRAY8
	}
	return colour, class
}

// scaledColour is the colour description of the Frame of format out that
// a scaler makes of a picture of description in and pixel format class
// from: a YUV picture stays of its matrix and becomes of video range
// (swscale converts a full-range one), and one of another class is
// converted as media's Convert does (swscale's default matrix is BT.601
// too). An unknown range stays unknown.
func scaledColour(in media.Colour, from, out media.PixelFormat) media.Colour {
	if from == media.YUV420P && out == media.YUV420P {
		if in.Range != media.RangeUnknown {
			in.Range = media.RangeLimited
		}
		return in
	}
	return in.Converted(from, out)
}

// streamDescription is what an H.264 encoder writes into its stream's
// VUI: the pixel aspect and the colour description of its pictures.
type streamDescription struct {
	aspect media.PixelAspect
	colour media.Colour
}

// describedBy returns the description of f as an H.264 encoder takes it,
// in YUV420P (converted first when it is not): its aspect in lowest terms
// and its colour description.
func describedBy(f *media.Frame) streamDescription {
	return streamDescription{aspect: f.Aspect.Reduced(), colour: f.Colour.Converted(f.Format, media.YUV420P)}
}

// options returns the AVCodecContext options that write d's colour
// description, those it knows; the aspect is set on the context itself.
func (d streamDescription) options() map[string]string {
	opts := map[string]string{}
	set := func(name string, code uint8) {
		if code != 0 {
			opts[name] = strconv.Itoa(int(code))
		}
	}
	set("color_primaries", d.colour.Primaries)
	set("color_trc", d.colour.Transfer)
	set("colorspace", d.colour.Matrix)
	switch d.colour.Range {
	case media.RangeLimited:
		opts["color_range"] = "tv"
	case media.RangeFull:
		opts["color_range"] = "pc"
	}
	return opts
}
