package ffmpeg

/*
#cgo pkg-config: libavformat libavcodec
#include <stdint.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

// gp_stream_parsed reports whether stream index of fc, an AVFormatContext,
// has a parser. libavformat frees a stream's parser once it has flushed
// it, when the input ended.
static int gp_stream_parsed(uintptr_t fc, int index) {
	AVFormatContext *c = (AVFormatContext *)fc;
	if (index < 0 || (unsigned)index >= c->nb_streams) return 0;
	return av_stream_get_parser(c->streams[index]) != NULL;
}
*/
import "C"

import "github.com/asticode/go-astiav"

// streamLoss notices the picture FFmpeg gives when a live network stream is
// lost: RTP (RTSP, rtp://, an .sdp) and the streams sent without a length
// (MPEG-TS over TCP, UDP or SRT, a chunked HTTP stream). Such a
// stream has no end of its own: it ends when its connection closes or goes
// quiet (the I/O timeout), and FFmpeg's parser, which ends a picture at the
// start of the next, then gives what it held of the picture being sent,
// whole or cut short: nothing says which (FFmpeg's RTP demuxer does not
// pass on the marker bit, and a video PES has no length). That packet is
// flagged corrupt. Passing through, the Reader leaves it out, counted
// Truncated (leaveOutLost): a cut picture handed on would fail every
// subscriber's decoder and end the GOP a topic replays to late joiners
// while the camera is away; a stream that ends as it was meant to loses
// its last picture. Decoding, the decoder says whether it is whole: a cut
// one is counted Truncated, not as damage of the input (cutByTheEnd).
//
// Files, pipes and devices, and playlists (HLS, DASH), whose segments are
// whole files, are not watched.
//
// The zero value watches nothing; on watches the stream.
type streamLoss struct {
	on bool
	// parsed: the stream had a parser after the last packet read.
	parsed bool
}

// watchLoss watches the video stream for its loss when the input is a live
// network stream (see streamLoss).
func (r *Reader) watchLoss() {
	f := r.fc.InputFormat()
	if f == nil {
		return
	}
	switch name := f.Name(); {
	case rtpFormats[name]:
		r.loss.on = true
	case name == "hls" || name == "dash":
	default:
		r.loss.on = IsNetwork(r.url) && r.info.Duration <= 0 && r.InputSize() == 0
	}
}

// readDemuxed reads the input's next packet into r.pkt with FFmpeg's
// demuxer, flagged corrupt when it is the picture a live stream's loss
// ended (see streamLoss).
func (r *Reader) readDemuxed() error {
	if err := r.fc.ReadFrame(r.pkt); err != nil || !r.loss.on || r.pkt.StreamIndex() != r.stream.Index() {
		return err
	}
	// After the packet a flush gave, the stream's parser is gone.
	parsed := C.gp_stream_parsed(C.uintptr_t(r.formatAddress()), C.int(r.stream.Index())) != 0
	if r.loss.parsed && !parsed {
		r.pkt.SetFlags(r.pkt.Flags().Add(astiav.PacketFlagCorrupt))
	}
	r.loss.parsed = parsed
	return nil
}

// leaveOutLost notes whether the packet of the video stream in r.pkt is
// the picture a live stream's loss ended, and reports whether the Reader
// leaves it out: passing through, where nothing tells a cut picture from a
// whole one, counted Truncated. Decoding, the decoder tells (cutByTheEnd),
// and the packet goes to it unflagged. A picture joined of parts
// (pictureJoin) is flagged when its last part is.
func (r *Reader) leaveOutLost() bool {
	r.lostRead = r.loss.on && r.pkt.Flags().Has(astiav.PacketFlagCorrupt)
	switch {
	case !r.lostRead:
		return false
	case r.cfg.passthrough:
		r.stats.Truncated++
		return true
	}
	r.pkt.SetFlags(r.pkt.Flags().Del(astiav.PacketFlagCorrupt))
	return false
}
