package ffmpeg

/*
#cgo pkg-config: libavutil libavcodec
#include <libavutil/frame.h>
#include <libavcodec/avcodec.h>
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/media"
)

// avPixelFormat maps a media.PixelFormat to FFmpeg's.
func avPixelFormat(p media.PixelFormat) (astiav.PixelFormat, error) {
	switch p {
	case media.YUV420P:
		return astiav.PixelFormatYuv420P, nil
	case media.RGB24:
		return astiav.PixelFormatRgb24, nil
	case media.GRAY8:
		return astiav.PixelFormatGray8, nil
	}
	return astiav.PixelFormatNone, fmt.Errorf("%w: %v", media.ErrUnknownPixelFormat, p)
}

// mediaPixelFormat maps FFmpeg's pixel format to gopline's, or
// PixelFormatUnknown when gopline has no such layout.
func mediaPixelFormat(p astiav.PixelFormat) media.PixelFormat {
	switch p {
	case astiav.PixelFormatYuv420P:
		return media.YUV420P
	case astiav.PixelFormatRgb24:
		return media.RGB24
	case astiav.PixelFormatGray8:
		return media.GRAY8
	}
	return media.PixelFormatUnknown
}

// packetPadding is FFmpeg's AV_INPUT_BUFFER_PADDING_SIZE: decoders may read
// this many bytes past a packet's end, so every packet handed to FFmpeg is
// followed by that many zero bytes inside its own allocation.
const packetPadding = C.AV_INPUT_BUFFER_PADDING_SIZE

// zeroPadding is appended behind every packet handed to FFmpeg.
var zeroPadding [packetPadding]byte

func cFrame(f *astiav.Frame) *C.AVFrame { return (*C.AVFrame)(f.UnsafePointer()) }

// plane returns plane i of an allocated AVFrame as a Go slice over FFmpeg's
// memory: valid until the frame is unreferenced or freed.
func plane(f *astiav.Frame, i, rows int) []byte {
	c := cFrame(f)
	n := int(c.linesize[i]) * rows
	if c.data[i] == nil || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(c.data[i])), n)
}

// bestEffortTimestamp returns FFmpeg's guess of a decoded frame's
// presentation timestamp (from its pts, or its packet's dts when the
// stream gives no pts), or noTimestamp.
func bestEffortTimestamp(f *astiav.Frame) int64 { return int64(cFrame(f).best_effort_timestamp) }

// framePacketPos returns the position of the packet a decoded frame came
// from: what the caller set on the packet with SetPos.
func framePacketPos(f *astiav.Frame) int64 { return int64(cFrame(f).pkt_pos) }

// frameCorrupt reports whether the decoder flagged the frame as damaged or
// concealed.
func frameCorrupt(f *astiav.Frame) bool {
	c := cFrame(f)
	return c.decode_error_flags != 0 || c.flags&C.AV_FRAME_FLAG_CORRUPT != 0
}

// encoderInput checks a frame handed to an encoder of width x height and
// returns it in YUV420P, converting RGB24 and GRAY8.
func encoderInput(f *media.Frame, width, height int) (*media.Frame, error) {
	if f.Width != width || f.Height != height {
		return nil, fmt.Errorf("%w: frame %dx%d, encoder %dx%d", codecs.ErrFrameMismatch, f.Width, f.Height, width, height)
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", codecs.ErrFrameMismatch, err)
	}
	if f.Format == media.YUV420P {
		return f, nil
	}
	return f.Convert(media.YUV420P)
}

// makeWritable makes sure an AVFrame's buffers are the frame's own, copying
// them if an encoder still holds a reference to them.
func makeWritable(f *astiav.Frame) error {
	if ret := C.av_frame_make_writable(cFrame(f)); ret < 0 {
		return fmt.Errorf("ffmpeg: making frame writable: %w", astiav.Error(ret))
	}
	return nil
}

// writeFrame copies a media.Frame into dst, an AVFrame of the same size and
// pixel format with its buffers allocated. It makes dst writable first, since
// an encoder may still hold a reference to the previous picture.
func writeFrame(dst *astiav.Frame, src *media.Frame) error {
	if err := makeWritable(dst); err != nil {
		return err
	}
	linesize := dst.Linesize()
	for i := range src.Format.NumPlanes() {
		w, h := src.Format.PlaneSize(i, src.Width, src.Height)
		out := plane(dst, i, h)
		for r := range h {
			copy(out[r*linesize[i]:r*linesize[i]+w], src.Row(i, r))
		}
	}
	return nil
}

// readFrame copies a decoded AVFrame, in the pool's pixel format and size,
// into a frame from the pool (packed planes).
func readFrame(src *astiav.Frame, pool *media.FramePool) (*media.Frame, error) {
	f := pool.Get()
	linesize := src.Linesize()
	for i := range f.Format.NumPlanes() {
		w, h := f.Format.PlaneSize(i, f.Width, f.Height)
		in := plane(src, i, h)
		if len(in) < (h-1)*linesize[i]+w {
			f.Release()
			return nil, fmt.Errorf("ffmpeg: decoded plane %d is short", i)
		}
		for r := range h {
			copy(f.Row(i, r), in[r*linesize[i]:r*linesize[i]+w])
		}
	}
	return f, nil
}
