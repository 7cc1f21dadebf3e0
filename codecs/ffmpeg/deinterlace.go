package ffmpeg

/*
#cgo pkg-config: libavcodec libavutil
#include <libavcodec/codec_par.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

// gp_deint_layout fills, for each plane of f, the bytes of a row, the rows
// and the distance in bytes between neighbouring samples of one component,
// and returns how many planes f has: 0 when its samples are not bytes (a
// deeper format, a palette, a bitstream, a hardware frame) or its chroma
// is subsampled by more than two rows, whose rows do not alternate
// between the fields.
static int gp_deint_layout(const AVFrame *f, int row_bytes[4], int rows[4], int steps[4]) {
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
	if (!d || (d->flags & (AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_PAL)) ||
	    d->log2_chroma_h > 1)
		return 0;
	for (int c = 0; c < d->nb_components; c++)
		if (d->comp[c].depth != 8)
			return 0;
	if (av_image_fill_linesizes(row_bytes, f->format, f->width) < 0)
		return 0;
	int planes = av_pix_fmt_count_planes(f->format);
	if (planes <= 0 || planes > 4)
		return 0;
	for (int p = 0; p < planes; p++) {
		rows[p] = f->height;
		steps[p] = 1;
		if (!f->data[p] || f->linesize[p] < row_bytes[p])
			return 0;
	}
	for (int c = 0; c < d->nb_components; c++) {
		int p = d->comp[c].plane;
		if (d->comp[c].step > steps[p])
			steps[p] = d->comp[c].step;
		if ((c == 1 || c == 2) && !(d->flags & AV_PIX_FMT_FLAG_RGB))
			rows[p] = AV_CEIL_RSHIFT(f->height, d->log2_chroma_h);
	}
	return planes;
}

static int gp_field_order(const AVCodecParameters *p) { return p->field_order; }
static int gp_frame_interlaced(const AVFrame *f) { return f->interlaced_frame; }
static int gp_frame_top_first(const AVFrame *f) { return f->top_field_first; }
static void gp_frame_progressive(AVFrame *f) { f->interlaced_frame = 0; }
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/media"
)

// Deinterlace says which decoded pictures a Reader or Decoder deinterlaces.
type Deinterlace int

const (
	// DeinterlaceAuto deinterlaces the pictures their stream flags as
	// interlaced (an H.264 or MPEG-2 stream coded in fields), as
	// GStreamer's deinterlace element does by default; progressive
	// pictures go on untouched.
	DeinterlaceAuto Deinterlace = iota
	// DeinterlaceAll deinterlaces every picture: a capture of interlaced
	// video that does not say so (a raw file, an MJPEG capture card).
	DeinterlaceAll
	// DeinterlaceOff hands on the pictures as decoded, both fields woven,
	// as ffmpeg does without a deinterlacing filter.
	DeinterlaceOff
)

// DeinterlaceModes are the names ParseDeinterlace takes, in the order of
// the constants.
var DeinterlaceModes = []string{"auto", "all", "off"}

func (d Deinterlace) String() string {
	if d < 0 || int(d) >= len(DeinterlaceModes) {
		return fmt.Sprintf("Deinterlace(%d)", int(d))
	}
	return DeinterlaceModes[d]
}

// ParseDeinterlace returns the mode named s (see DeinterlaceModes); the
// empty string is DeinterlaceAuto.
func ParseDeinterlace(s string) (Deinterlace, error) {
	if s == "" {
		return DeinterlaceAuto, nil
	}
	for i, name := range DeinterlaceModes {
		if s == name {
			return Deinterlace(i), nil
		}
	}
	return 0, fmt.Errorf("ffmpeg: deinterlace=%s: want one of %s", s, strings.Join(DeinterlaceModes, ", "))
}

// deinterlacer deinterlaces decoded pictures in place as its mode asks,
// keeping the field shown first (the top field unless the picture says the
// bottom one comes first) and rebuilding the other from it
// (media.DeinterlaceRows): no picture is held back, so it adds no delay.
// A picture the decoder still refers to is copied first.
type deinterlacer struct {
	mode Deinterlace
	// Pictures counts the pictures deinterlaced; Unsupported those of a
	// pixel format whose samples are not bytes, left as they are.
	Pictures, Unsupported int
	// Fields is the field order of the last picture deinterlaced: "top
	// field first" or "bottom field first", "" for one not flagged
	// interlaced (DeinterlaceAll).
	Fields string
}

// picture deinterlaces f if the mode asks for it, and marks it progressive.
// It reports whether f was left as it was only because its pixel format's
// samples are not bytes.
func (d *deinterlacer) picture(f *astiav.Frame) (unsupported bool, err error) {
	c := (*C.AVFrame)(f.UnsafePointer())
	if d.mode == DeinterlaceOff || (d.mode == DeinterlaceAuto && C.gp_frame_interlaced(c) == 0) {
		return false, nil
	}
	var rowBytes, rows, steps [4]C.int
	planes := int(C.gp_deint_layout(c, &rowBytes[0], &rows[0], &steps[0]))
	if planes == 0 {
		d.Unsupported++
		return true, nil
	}
	if ret := C.av_frame_make_writable(c); ret < 0 {
		return false, fmt.Errorf("ffmpeg: copying an interlaced picture to deinterlace it: %w", astiav.Error(ret))
	}
	// A picture flagged interlaced says which field comes first; one
	// deinterlaced only because the mode says all keeps the top field.
	flagged := C.gp_frame_interlaced(c) != 0
	keepTop := !flagged || C.gp_frame_top_first(c) != 0
	switch {
	case !flagged:
		d.Fields = ""
	case keepTop:
		d.Fields = "top field first"
	default:
		d.Fields = "bottom field first"
	}
	for p := range planes {
		stride, n := int(c.linesize[p]), int(rows[p])
		plane := unsafe.Slice((*byte)(unsafe.Pointer(c.data[p])), (n-1)*stride+int(rowBytes[p]))
		media.DeinterlaceRows(plane, stride, int(rowBytes[p]), n, int(steps[p]), keepTop)
	}
	C.gp_frame_progressive(c)
	d.Pictures++
	return false, nil
}

// checkDeinterlace returns an error for a mode that is not one of the
// constants.
func checkDeinterlace(mode Deinterlace) error {
	if mode < DeinterlaceAuto || mode > DeinterlaceOff {
		return fmt.Errorf("ffmpeg: %v: want DeinterlaceAuto, DeinterlaceAll or DeinterlaceOff", mode)
	}
	return nil
}

// fieldOrder returns the order of the fields shown of a stream coded in
// fields, as par states it, or "" for a progressive stream or one that
// does not say.
func fieldOrder(par *astiav.CodecParameters) string {
	c := *(**C.AVCodecParameters)(unsafe.Pointer(par)) // go-astiav v0.16's CodecParameters is that one pointer
	switch C.gp_field_order(c) {
	case C.AV_FIELD_TT, C.AV_FIELD_BT:
		return "top field first"
	case C.AV_FIELD_BB, C.AV_FIELD_TB:
		return "bottom field first"
	}
	return ""
}
