package ffmpeg

/*
#cgo pkg-config: libavformat
#include <stdint.h>
#include <libavformat/avformat.h>

// gp_stream_attached_pic reports whether stream i of fc, an
// AVFormatContext, is an attached picture (a file's cover art or
// thumbnail): one picture, not a stream of them.
static int gp_stream_attached_pic(uintptr_t fc, int i) {
	return (((AVFormatContext *)fc)->streams[i]->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;
}

// gp_discard_others tells fc's demuxer to leave out every stream but keep:
// a file's sound is then skipped rather than read, and an HLS playlist's
// other variants are not fetched.
static void gp_discard_others(uintptr_t fc, int keep) {
	AVFormatContext *c = (AVFormatContext *)fc;
	for (unsigned i = 0; i < c->nb_streams; i++) {
		if ((int)i != keep) c->streams[i]->discard = AVDISCARD_ALL;
	}
}
*/
import "C"

import (
	"fmt"
	"strings"

	"github.com/asticode/go-astiav"
)

// chooseStream sets r.stream to the video stream read: the first that is
// not an attached picture (a cover or thumbnail, which ffmpeg's own choice
// passes over too), or the one of WithVideoStream, counted among all the
// video streams as ffmpeg's -map 0:v:N counts them. The demuxer is told to
// leave the other streams out.
func (r *Reader) chooseStream() error {
	var video []*astiav.Stream
	for _, s := range r.fc.Streams() {
		if s.CodecParameters().MediaType() == astiav.MediaTypeVideo {
			video = append(video, s)
		}
	}
	if len(video) == 0 {
		var held []string
		for _, s := range r.fc.Streams() {
			par := s.CodecParameters()
			held = append(held, fmt.Sprintf("%s (%s)", par.MediaType(), par.CodecID().Name()))
		}
		if len(held) == 0 {
			return fmt.Errorf("%w in %q: it holds no stream at all", ErrNoVideoStream, r.shown)
		}
		return fmt.Errorf("%w in %q: it holds %s only", ErrNoVideoStream, r.shown, strings.Join(held, ", "))
	}
	switch {
	case r.cfg.streamSet && r.cfg.stream < len(video):
		r.stream = video[r.cfg.stream]
	case r.cfg.streamSet:
		streams := "1 video stream"
		if len(video) > 1 {
			streams = fmt.Sprintf("%d video streams", len(video))
		}
		return fmt.Errorf("%w: video stream %d of %q: it has %s, numbered from 0",
			ErrBadOption, r.cfg.stream, r.shown, streams)
	default:
		r.stream = video[0]
		for _, s := range video {
			if !r.attachedPicture(s) {
				r.stream = s
				break
			}
		}
	}
	if at := r.formatAddress(); at != 0 {
		C.gp_discard_others(C.uintptr_t(at), C.int(r.stream.Index()))
	}
	return nil
}

// attachedPicture reports whether s is an attached picture.
func (r *Reader) attachedPicture(s *astiav.Stream) bool {
	at := r.formatAddress()
	return at != 0 && C.gp_stream_attached_pic(C.uintptr_t(at), C.int(s.Index())) != 0
}
