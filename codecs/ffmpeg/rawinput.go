package ffmpeg

/*
#cgo pkg-config: libavformat libavutil
#include <stdint.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>

// gp_input_size returns the size of the input of fc, an AVFormatContext,
// in bytes, or a negative AVERROR when it has none (a pipe, a network
// stream).
static int64_t gp_input_size(uintptr_t fc) { return avio_size(((AVFormatContext *)fc)->pb); }
*/
import "C"

import (
	"time"

	"github.com/asticode/go-astiav"
)

// rawPictureSize returns the bytes of one width x height picture of format
// in a raw input (FFmpeg's rawvideo demuxer's packet), or 0 when FFmpeg
// cannot lay it out.
func rawPictureSize(format astiav.PixelFormat, width, height int) int {
	return max(int(C.av_image_get_buffer_size(int32(format), C.int(width), C.int(height), 1)), 0)
}

// rawDuration returns the length of fc's raw input of pictures of
// pictureSize bytes at rate frames/s, from the input's size, or 0 when it
// has no size (a pipe) or the picture or the rate is unknown.
func rawDuration(fc *astiav.FormatContext, pictureSize int, rate float64) time.Duration {
	at := classAddress(fc)
	if at == 0 || pictureSize <= 0 || rate <= 0 {
		return 0
	}
	size := int64(C.gp_input_size(C.uintptr_t(at)))
	if size <= 0 {
		return 0
	}
	return time.Duration(float64(size/int64(pictureSize)) / rate * float64(time.Second))
}
