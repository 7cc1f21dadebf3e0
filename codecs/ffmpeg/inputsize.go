package ffmpeg

/*
#cgo pkg-config: libavformat
#include <stdint.h>
#include <libavformat/avformat.h>

// gp_reader_input_size returns the size in bytes of the input of fc, an
// AVFormatContext, or a negative AVERROR when it has none: a pipe, a live
// stream, or a format that does its own I/O (RTSP), whose pb is NULL.
static int64_t gp_reader_input_size(uintptr_t fc) {
	AVIOContext *pb = ((AVFormatContext *)fc)->pb;
	if (!pb) return AVERROR(ENOSYS);
	return avio_size(pb);
}
*/
import "C"

import "github.com/asticode/go-astiav"

// InputSize returns the size in bytes of the Reader's input as FFmpeg knows
// it: a file's, or the length an HTTP server announced (Content-Length); 0
// when it has none: a stream sent as it is made (an HTTP camera's chunked
// stream, TCP, UDP, RTSP), a pipe or a device, or when the input only says
// where the media is (see describesMedia). An input with a size has an end:
// a recording, not a live stream.
func (r *Reader) InputSize() int64 {
	at := r.formatAddress()
	if at == 0 || describesMedia(r.fc.InputFormat()) {
		return 0
	}
	return max(int64(C.gp_reader_input_size(C.uintptr_t(at))), 0)
}

// describesMedia reports whether an input of format f is a description of
// media read from elsewhere, whose size says nothing of the media's end: a
// playlist (HLS, DASH: a live one has a length of its own as any file), a
// session description (SDP: RTP has no end) or a list of files (concat).
func describesMedia(f *astiav.InputFormat) bool {
	if f == nil {
		return false
	}
	switch f.Name() {
	case "hls", "dash", "sdp", "concat":
		return true
	}
	return false
}

// formatAddress is the address of the Reader's format context, 0 once
// closed.
func (r *Reader) formatAddress() uintptr {
	if r.fc == nil {
		return 0
	}
	return classAddress(r.fc)
}

// cutByTheEnd reports whether packet at, which the decoder refused, is the
// last packet of a file that ends where it does, or the picture a live
// stream's loss ended (streamLoss): one the input's end cut short (a
// recording stopped by a power loss, a copy cut, a camera gone), which is
// no damage of what the input holds.
func (r *Reader) cutByTheEnd(at uint64) bool {
	return at == r.lastSent && (r.lostSent || r.endsTheFile(r.lastSentEnd))
}

// mayBeCut reports whether a packet the decoder refused, the last sent,
// may be one the file's end cut short, to be told by whether another video
// packet follows (Reader.cutPending): in an MPEG-TS (or MPEG program
// stream) file, which does not say where a picture's data ends (a video
// PES has no length, and its bytes are spread over 188-byte packets), and
// whose demuxer gives what it held of the last picture at the end, whole
// or not, as a recorder's power loss or a copy stopped leaves it.
func (r *Reader) mayBeCut() bool {
	if r.pipe != nil || r.InputSize() <= 0 {
		return false
	}
	f := r.fc.InputFormat()
	return f != nil && (f.Name() == "mpegts" || f.Name() == "mpeg")
}

// endsTheFile reports whether a packet whose data ends at end in the
// input, a file, ends where the file does.
func (r *Reader) endsTheFile(end int64) bool {
	if end <= 0 || r.pipe != nil {
		return false
	}
	size := r.InputSize()
	return size > 0 && end >= size
}
