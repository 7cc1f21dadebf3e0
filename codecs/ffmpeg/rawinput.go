package ffmpeg

/*
#cgo pkg-config: libavformat libavcodec libavutil
#include <stdint.h>
#include <string.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/buffer.h>
#include <libavutil/imgutils.h>

// gp_input_size returns the size of the input of fc, an AVFormatContext,
// in bytes, or a negative AVERROR when it has none (a pipe, a network
// stream).
static int64_t gp_input_size(uintptr_t fc) { return avio_size(((AVFormatContext *)fc)->pb); }

// gp_read_raw reads the next picture of fc's raw input, size bytes, into
// a buffer of pool and makes pkt (blank) that packet, as FFmpeg's rawvideo
// demuxer does: stream 0, a keyframe, its timestamp its index in the input
// (the stream's time base is one frame). A picture cut short by the input's
// end is the packet's shorter size. It returns 0, AVERROR_EOF at the end,
// or the read's error.
static int gp_read_raw(uintptr_t fc, AVBufferPool *pool, int size, AVPacket *pkt) {
	AVIOContext *pb = ((AVFormatContext *)fc)->pb;
	int64_t pos = avio_tell(pb);
	AVBufferRef *buf = av_buffer_pool_get(pool);
	if (!buf)
		return AVERROR(ENOMEM);
	int n = avio_read(pb, buf->data, size);
	if (n <= 0) {
		av_buffer_unref(&buf);
		return n == 0 ? AVERROR_EOF : n;
	}
	// A decoder may read past a packet's end: what follows it is zeros.
	memset(buf->data + n, 0, AV_INPUT_BUFFER_PADDING_SIZE);
	pkt->buf = buf;
	pkt->data = buf->data;
	pkt->size = n;
	pkt->pos = pos;
	pkt->pts = pkt->dts = pos / size;
	pkt->duration = 1;
	pkt->stream_index = 0;
	pkt->flags = AV_PKT_FLAG_KEY;
	return 0;
}

static AVBufferPool *gp_raw_pool(int size) {
	return av_buffer_pool_init(size + AV_INPUT_BUFFER_PADDING_SIZE, av_buffer_allocz);
}
*/
import "C"

import (
	"errors"
	"time"
	"unsafe"

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

// rawPictures reads a raw input's pictures into buffers of a pool of its
// own, where FFmpeg's rawvideo demuxer reads each into a new allocation.
// The rawvideo decoder hands a packet's buffer on as its picture, and the
// picture is a Frame's until its last holder releases it (ownPicture): the
// buffer then goes back to the pool, and the next read takes the buffer
// released last. A chain that is done with a picture before its source
// reads the next (an encoder in the source's calls) so reads every picture
// into the same memory, still in the core's cache, instead of into memory
// that glibc hands out anew, which is often not: a third of the kernel's
// time copying the file's bytes (docs/benchmarks.md, "One picture in
// turn").
//
// The pool is the rawPictures' own; buffers still held by Frames stay
// valid after close and are freed as they are released. fc, the input's
// AVFormatContext, is the Reader's, and outlives the rawPictures.
type rawPictures struct {
	fc   uintptr
	pool *C.AVBufferPool
	size int
}

func newRawPictures(fc *astiav.FormatContext, size int) (*rawPictures, error) {
	at := classAddress(fc)
	if at == 0 {
		return nil, errors.New("ffmpeg: raw input has no format context")
	}
	pool := C.gp_raw_pool(C.int(size))
	if pool == nil {
		return nil, errors.New("ffmpeg: allocating the raw input's buffer pool failed")
	}
	return &rawPictures{fc: at, pool: pool, size: size}, nil
}

// read reads the next picture of the input into pkt, which must be blank;
// astiav.ErrEof at the end.
func (r *rawPictures) read(pkt *astiav.Packet) error {
	if ret := C.gp_read_raw(C.uintptr_t(r.fc), r.pool, C.int(r.size), packetOf(pkt)); ret < 0 {
		return astiav.Error(ret)
	}
	return nil
}

func (r *rawPictures) close() {
	if r.pool != nil {
		C.av_buffer_pool_uninit(&r.pool)
	}
}

// packetOf returns the AVPacket behind p, which go-astiav v0.16 keeps to
// itself: its Packet is a struct of that one pointer
// (TestRawPacketsAreWhatFFmpegsDemuxerGives holds it to that).
func packetOf(p *astiav.Packet) *C.AVPacket { return *(**C.AVPacket)(unsafe.Pointer(p)) }

// packetData returns the bytes of pkt as a Go slice over FFmpeg's memory,
// without copying them: valid until pkt is unreferenced or freed.
func packetData(pkt *astiav.Packet) []byte {
	c := packetOf(pkt)
	if c.data == nil || c.size <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(c.data)), int(c.size))
}

// countCutY4M counts, at the end of a YUV4MPEG file (ffmpeg -f
// yuv4mpegpipe, GStreamer's y4menc), a last picture the file ends inside:
// FFmpeg's demuxer ends the stream there without a word, as if the file
// had ended after the picture before, where a raw file's or an AVI's cut
// picture is counted Truncated. Bytes after the last picture read are
// that picture's start, as nothing else follows a picture in the format.
// A pipe (location=-, a FIFO) has no size: its end is every byte its
// writer wrote, all read by then.
func (r *Reader) countCutY4M() {
	f := r.fc.InputFormat()
	if f == nil || f.Name() != "yuv4mpegpipe" || r.dataEnd < 0 || r.stopped() {
		return
	}
	end := r.InputSize()
	if r.pipe != nil {
		end = r.pipe.read
	}
	if end > r.dataEnd {
		r.stats.Truncated++
	}
}
