package mcapimport

import (
	"bytes"
	"errors"
	"strings"
	"time"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// Transcoder turns one topic's pictures, coded in a codec gopline does not
// carry, into H.264 (codecs/ffmpeg's Transcoder is one).
type Transcoder interface {
	// Transcode takes one picture's packet, in decode order, captured at
	// capture, and returns the H.264 pictures (access units in Annex B)
	// ready, in presentation order, each with the capture time of the
	// picture it comes from. An error wrapping codecs.ErrNeedKeyframe
	// says the picture was left out waiting for a keyframe; any other,
	// that it was damaged.
	Transcode(data []byte, capture time.Time) ([]*media.Packet, error)
	// Flush returns the pictures held back at the end of the topic.
	Flush() ([]*media.Packet, error)
	Close() error
}

// otherCodec returns the codec a picture is coded in when it is one a
// Transcoder may take: Foxglove's CompressedVideo formats h265, vp9 and
// av1 (and vp8), ffmpeg_image_transport's encodings of those; or "".
func otherCodec(p picture) string {
	switch f := strings.ToLower(p.format); f {
	case "h265", "hevc", "vp9", "vp8", "av1":
		return f
	case "":
		if codec := codecOf(strings.ToLower(p.encoding)); codec != "" && !strings.Contains(codec, "264") {
			return codec
		}
	}
	return ""
}

// transcoding is a topic's pictures on their way through a Transcoder,
// and the counts that say what became of them.
type transcoding struct {
	codec string
	tr    Transcoder
	// fed counts the pictures given, out those that came out, failed
	// those that gave an error, and early those left out without one
	// as before the first keyframe: captured before the first picture
	// that came out (first).
	fed, out, failed, early int64
	first                   time.Time
	// lengthPrefixed: H.265 pictures have come behind lengths (annexB).
	lengthPrefixed bool
	// waiting are the capture times of the pictures given, without an
	// error, before the first came out.
	waiting []time.Time
}

// annexB returns an H.265 or H.264 picture whose NAL units come behind
// four-byte lengths (MP4's form, where Foxglove's CompressedVideo asks for
// Annex B) in Annex B, as topicStream.split does H.264's; any other as it
// is.
func (x *transcoding) annexB(data []byte) []byte {
	c := strings.ToLower(x.codec)
	if !strings.Contains(c, "265") && !strings.Contains(c, "hevc") && x.codec != reorderedH264 {
		return data
	}
	if !x.lengthPrefixed && (bytes.HasPrefix(data, []byte{0, 0, 1}) || bytes.HasPrefix(data, []byte{0, 0, 0, 1})) {
		return data
	}
	nalus, err := h264.SplitAVCC(data, 4)
	if err != nil {
		return data
	}
	x.lengthPrefixed = true
	return h264.JoinAnnexB(nalus)
}

// maxWaiting bounds transcoding.waiting: pictures past it, in a stream
// without a keyframe so far, are counted as before it at once.
const maxWaiting = 4096

// transcoded transcodes p and returns the H.264 pictures ready, as
// pictures of the topic; s counts what was left out.
func (s *topicStream) transcoded(p picture, logTime time.Time) []picture {
	x := s.transcoding
	if codec := otherCodec(p); codec != x.codec && (x.codec != reorderedH264 || codec != "" || !isH264(p)) {
		s.counts.OtherFormat++
		return nil
	}
	capture := p.stamp
	if capture.IsZero() {
		capture = logTime
	}
	x.fed++
	pkts, err := x.tr.Transcode(x.annexB(p.data), capture)
	switch {
	case err != nil:
		x.failed++
		switch {
		case !errors.Is(err, codecs.ErrNeedKeyframe):
			s.counts.Damaged++
		case x.out == 0:
			s.counts.BeforeKeyframe++
		default:
			s.counts.Dropped++
		}
	case x.out == 0 && len(x.waiting) < maxWaiting:
		x.waiting = append(x.waiting, capture)
	case x.out == 0, capture.Before(x.first):
		// A picture decoded after the first keyframe and shown before it
		// (H.265's RASL pictures) is not shown either.
		x.early++
		s.counts.BeforeKeyframe++
	}
	return s.took(pkts)
}

// took returns the Transcoder's pictures as pictures of the topic. The
// pictures that waited for the first one and were captured before it are
// counted as left out before the first keyframe.
func (s *topicStream) took(pkts []*media.Packet) []picture {
	x := s.transcoding
	if x.out == 0 && len(pkts) > 0 {
		x.first = pkts[0].CaptureTime
		for _, t := range x.waiting {
			if t.Before(x.first) {
				x.early++
				s.counts.BeforeKeyframe++
			}
		}
		x.waiting = nil
	}
	out := make([]picture, 0, len(pkts))
	for _, p := range pkts {
		out = append(out, picture{format: "h264", data: p.Data, stamp: p.CaptureTime})
	}
	x.out += int64(len(pkts))
	return out
}

// flushTranscoded returns the pictures the Transcoder held back at the
// end of the topic, and counts those that never came out.
func (s *topicStream) flushTranscoded() []picture {
	x := s.transcoding
	pkts, _ := x.tr.Flush() // the pictures it lost are counted below
	out := s.took(pkts)
	if lost := x.fed - x.out - x.failed - x.early; lost > 0 {
		if x.out == 0 {
			s.counts.BeforeKeyframe += lost
		} else {
			s.counts.Dropped += lost
		}
	}
	return out
}

// newStream returns the stream of a topic whose first picture is p: its
// pictures as they come, or transcoded to H.264 when they are coded in a
// codec gopline does not carry and the import has a Transcoder of it.
func (im *importer) newStream(topic string, p picture) (*topicStream, error) {
	src, err := sourceOf(p)
	if err == nil {
		s := &topicStream{source: src, values: im.opts.rangeOf(topic)}
		if src != fromH264 && im.opts.Encode != nil {
			s.encoding = &encoding{open: im.opts.Encode}
		}
		return s, nil
	}
	codec := otherCodec(p)
	if codec == "" || im.opts.Transcode == nil {
		return nil, err
	}
	tr, err := im.opts.Transcode(codec)
	if err != nil {
		return nil, err
	}
	return &topicStream{source: fromH264, transcoding: &transcoding{codec: codec, tr: tr}}, nil
}

// reorderedH264 is the codec of a transcoding that re-encodes an H.264
// stream with B-frames (reencodeReordered).
const reorderedH264 = "h264 with B-frames"

// isH264 reports whether p is an H.264 picture.
func isH264(p picture) bool {
	src, err := sourceOf(p)
	return err == nil && src == fromH264
}

// reencodes reports whether s, an H.264 stream just timed (its first
// packets), has B-frames that the import is to take out: with
// Options.Encode (every topic made H.264 that WebRTC and Foxglove play)
// and a Transcoder at hand.
func (im *importer) reencodes(s *topicStream) bool {
	return s.source == fromH264 && s.transcoding == nil && s.order.delay > 0 &&
		im.opts.Encode != nil && im.opts.Transcode != nil
}

// reencodeReordered turns st's stream, whose first packets held (timed,
// none written yet) show it has B-frames, into one transcoded to H.264
// without: they and the topic's pictures after them go through a
// Transcoder of H.264, as a topic in another codec does. What was counted
// of the pictures so far stays.
func (im *importer) reencodeReordered(st *topicState, held []timedPacket) error {
	tr, err := im.opts.Transcode("h264")
	if err != nil {
		return err
	}
	s := st.stream
	x := &transcoding{codec: reorderedH264, tr: tr, lengthPrefixed: s.lengthPrefixed}
	*s = topicStream{source: fromH264, values: s.values, counts: s.counts, transcoding: x}
	for _, p := range held {
		for _, q := range s.transcoded(picture{format: "h264", data: p.Data, stamp: p.CaptureTime}, p.CaptureTime) {
			if err := im.store(st, q, q.stamp); err != nil {
				return err
			}
		}
	}
	return nil
}

// closeCoders closes the topics' Transcoders and Encoders.
func (im *importer) closeCoders() {
	for _, st := range im.order {
		switch s := st.stream; {
		case s == nil:
		case s.transcoding != nil:
			s.transcoding.tr.Close()
		case s.encoding != nil:
			s.encoding.close()
		}
	}
}

// transcodedFrom says what a stream's pictures were before they became
// H.264: a codec ("h265"), or JPEG or raw pictures encoded ("jpeg", "raw
// rgb24"); "" for pictures stored as they came.
func (s *topicStream) transcodedFrom() string {
	switch {
	case s.transcoding != nil:
		return s.transcoding.codec
	case s.encoding != nil:
		return s.encoding.from
	}
	return ""
}
