package ffmpeg

/*
#cgo pkg-config: libavutil
#include <errno.h>
#include <libavutil/buffer.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>

// gp_ref_pixels makes dst, a blank AVFrame, a new reference to src's
// picture: its buffers, planes, size and pixel format, and nothing else (no
// side data, no timestamps, no picture type), so that an encoder given dst
// sees only the pixels.
static int gp_ref_pixels(AVFrame *dst, const AVFrame *src) {
	if (src->extended_buf || !src->buf[0])
		return AVERROR(EINVAL);
	dst->format = src->format;
	dst->width = src->width;
	dst->height = src->height;
	for (int i = 0; i < AV_NUM_DATA_POINTERS; i++) {
		dst->data[i] = src->data[i];
		dst->linesize[i] = src->linesize[i];
		if (!src->buf[i])
			continue;
		if (!(dst->buf[i] = av_buffer_ref(src->buf[i]))) {
			av_frame_unref(dst);
			return AVERROR(ENOMEM);
		}
	}
	return 0;
}

// gp_picture_layout sets the linesizes and plane offsets of a w x h picture
// of fmt in one buffer, rows aligned to 64 bytes for the luma plane, and
// returns the buffer's size (with 64 bytes of padding that SIMD code may
// read past the last row), or a negative AVERROR.
static int gp_picture_layout(int fmt, int w, int h, int linesize[4], int offset[4]) {
	int ret = av_image_fill_linesizes(linesize, fmt, FFALIGN(w, 64));
	if (ret < 0)
		return ret;
	ptrdiff_t ls[4];
	size_t sizes[4];
	for (int i = 0; i < 4; i++)
		ls[i] = linesize[i];
	if ((ret = av_image_fill_plane_sizes(sizes, fmt, h, ls)) < 0)
		return ret;
	size_t total = 0;
	for (int i = 0; i < 4; i++) {
		offset[i] = (int)total;
		total += sizes[i];
	}
	if (total > INT_MAX - 64)
		return AVERROR(EINVAL);
	return (int)total + 64;
}

// gp_pool_picture fills f, a blank AVFrame, with a w x h picture of fmt in
// one buffer from pool, laid out as gp_picture_layout gave.
static int gp_pool_picture(AVFrame *f, AVBufferPool *pool, int fmt, int w, int h, const int linesize[4],
		const int offset[4]) {
	if (!(f->buf[0] = av_buffer_pool_get(pool)))
		return AVERROR(ENOMEM);
	f->format = fmt;
	f->width = w;
	f->height = h;
	for (int i = 0; i < 4; i++) {
		f->linesize[i] = linesize[i];
		f->data[i] = linesize[i] ? f->buf[0]->data + offset[i] : NULL;
	}
	return 0;
}
*/
import "C"

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/media"
)

// maxLivePictures bounds the FFmpeg pictures one scaler has handed out as
// Frames and not yet got back. A picture a consumer holds keeps its
// buffer, and a decoder's buffer pool, from being reused; past the bound
// the scaler copies pictures into Go memory instead (the pool of
// media.FramePool, which the garbage collector sees), so a consumer that
// keeps frames without releasing them cannot pile up C memory. It is the
// number of free pictures a FramePool keeps, enough for the frames a
// pipeline has in flight.
const maxLivePictures = media.DefaultPoolFrames

// picture is the media.PixelOwner of a Frame whose planes are an AVFrame's
// reference-counted buffers (a decoder's picture, or a scaler's output).
// It owns frame, its own reference to the buffers, and frees it in
// FreePixels, once, when the Frame's last holder releases it (media
// guarantees the once). Other FFmpeg users of the buffers (a decoder that
// keeps the picture as a reference, an encoder that took a reference) keep
// their own references, so the Frame stays valid after its decoder or
// scaler is closed. Nobody writes the pixels after the Frame is made.
type picture struct {
	frame *astiav.Frame
	live  *atomic.Int32 // the maker's count of pictures not yet freed
}

func (p *picture) FreePixels() {
	p.frame.Free()
	p.live.Add(-1)
}

// ownPicture returns src's picture as a Frame of format without copying:
// the Frame takes src's references (src is left blank, as after Unref).
// It returns nil, and leaves src alone, when the picture cannot be aliased
// (buffers that are not reference-counted, or a layout gopline's Frame
// cannot describe): the caller copies it then.
func ownPicture(src *astiav.Frame, format media.PixelFormat, live *atomic.Int32) (*media.Frame, error) {
	c := cFrame(src)
	if c.buf[0] == nil || c.extended_buf != nil {
		return nil, nil
	}
	f := media.Frame{Width: src.Width(), Height: src.Height(), Format: format}
	for i := range format.NumPlanes() {
		if c.linesize[i] <= 0 || c.data[i] == nil {
			return nil, nil
		}
	}
	own := astiav.AllocFrame()
	own.MoveRef(src)
	for i := range format.NumPlanes() {
		_, h := format.PlaneSize(i, f.Width, f.Height)
		f.Planes[i] = plane(own, i, h)
		f.Strides[i] = int(cFrame(own).linesize[i])
	}
	p := &picture{frame: own, live: live}
	out, err := media.NewOwnedFrame(f, p)
	if err != nil {
		own.Free()
		return nil, fmt.Errorf("ffmpeg: decoded picture: %w", err)
	}
	live.Add(1)
	return out, nil
}

// pictureOf returns the AVFrame behind f when f's planes are still exactly
// that picture's (a stage may have changed the header it holds), else nil.
// The AVFrame is f's owner's: valid while f is, and read only.
func pictureOf(f *media.Frame) *astiav.Frame {
	p, ok := f.Owner().(*picture)
	if !ok {
		return nil
	}
	c := cFrame(p.frame)
	if int(c.width) != f.Width || int(c.height) != f.Height || mediaPixelFormat(p.frame.PixelFormat()) != f.Format {
		return nil
	}
	for i := range f.Format.NumPlanes() {
		if len(f.Planes[i]) == 0 || unsafe.Pointer(&f.Planes[i][0]) != unsafe.Pointer(c.data[i]) || f.Strides[i] != int(c.linesize[i]) {
			return nil
		}
	}
	return p.frame
}

// refPixels makes dst, a blank AVFrame, a new reference to src's pixels
// alone (see gp_ref_pixels). The caller unrefs dst when done.
func refPixels(dst, src *astiav.Frame) error {
	if ret := C.gp_ref_pixels(cFrame(dst), cFrame(src)); ret < 0 {
		return fmt.Errorf("ffmpeg: referencing a picture: %w", astiav.Error(ret))
	}
	return nil
}

// picturePool hands out blank pictures of one size and pixel format whose
// buffers come from an AVBufferPool, for a scaler to write into. Close
// gives the pool up; FFmpeg frees it when the last picture taken from it
// is freed, so pictures outlive it.
type picturePool struct {
	pool          *C.AVBufferPool
	format        astiav.PixelFormat
	width, height int
	linesize      [4]C.int
	offset        [4]C.int
}

func newPicturePool(format astiav.PixelFormat, width, height int) (*picturePool, error) {
	p := &picturePool{format: format, width: width, height: height}
	size := C.gp_picture_layout(C.int(format), C.int(width), C.int(height), &p.linesize[0], &p.offset[0])
	if size < 0 {
		return nil, fmt.Errorf("ffmpeg: %dx%d %s picture layout: %w", width, height, format, astiav.Error(size))
	}
	if p.pool = C.av_buffer_pool_init(C.size_t(size), nil); p.pool == nil {
		return nil, fmt.Errorf("ffmpeg: %dx%d %s picture pool: out of memory", width, height, format)
	}
	return p, nil
}

// get fills f, a blank AVFrame, with a picture from the pool. Its pixels
// are whatever an earlier picture left: the caller writes every one.
func (p *picturePool) get(f *astiav.Frame) error {
	if ret := C.gp_pool_picture(cFrame(f), p.pool, C.int(p.format), C.int(p.width), C.int(p.height), &p.linesize[0], &p.offset[0]); ret < 0 {
		return fmt.Errorf("ffmpeg: %dx%d %s picture: %w", p.width, p.height, p.format, astiav.Error(ret))
	}
	return nil
}

func (p *picturePool) close() {
	if p != nil && p.pool != nil {
		C.av_buffer_pool_uninit(&p.pool)
	}
}
