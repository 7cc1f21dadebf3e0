package mcapimport

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"time"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// source is how a topic's pictures are coded, and what gopline makes of
// them.
type source int

const (
	fromJPEG  source = iota + 1 // kept as JPEG
	fromH264                    // kept as H.264
	fromPNG                     // decoded to raw RGB24 or GRAY8
	fromRaw                     // raw, converted to RGB24, GRAY8 or YUV420P
	fromDepth                   // compressedDepth, decoded to GRAY8
	fromZstd                    // zstd_image_transport's raw pictures, decompressed
)

// sourceOf says how a picture is coded: by its format (compressed) or its
// encoding (raw, or a codec's packets as ffmpeg_image_transport names
// them), by what its data begins with when it has neither, or why gopline
// cannot take it.
func sourceOf(p picture) (source, error) {
	if f := strings.ToLower(p.format); f != "" {
		switch {
		case strings.Contains(f, "compresseddepth"):
			if _, _, err := depthFormat(p.format); err != nil {
				return 0, err
			}
			return fromDepth, nil
		case strings.Contains(f, "jpeg"), strings.Contains(f, "jpg"):
			return fromJPEG, nil
		case strings.Contains(f, "png"):
			return fromPNG, nil
		case f == "h264", f == "avc", f == "avc1":
			return fromH264, nil
		case f == "zstd":
			// The encoding its header names must be one gopline takes; a
			// picture too damaged to say is counted as the stream's.
			if e, ok := zstdTransportEncoding(p.data); ok && rawLayouts[strings.ToLower(e)].bytes == 0 {
				return 0, fmt.Errorf("format %q: zstd_image_transport's pictures of encoding %q: %w", p.format, e, errRawEncoding)
			}
			return fromZstd, nil
		}
		return 0, fmt.Errorf("format %q: gopline takes JPEG, PNG, H.264 (Annex B), compressedDepth and zstd_image_transport's pictures", p.format)
	}
	e := strings.ToLower(p.encoding)
	switch {
	case e == "" && len(p.data) > 0: // a driver that leaves format empty: what the data begins with
		switch {
		case bytes.HasPrefix(p.data, []byte{0xff, 0xd8, 0xff}):
			return fromJPEG, nil
		case bytes.HasPrefix(p.data, []byte("\x89PNG\r\n\x1a\n")):
			return fromPNG, nil
		case bytes.HasPrefix(p.data, []byte{0, 0, 0, 1}), bytes.HasPrefix(p.data, []byte{0, 0, 1}):
			return fromH264, nil
		}
	case rawLayouts[e].bytes > 0:
		return fromRaw, nil
	case strings.Contains(e, "264"):
		return fromH264, nil
	case e == "":
		return 0, fmt.Errorf("a picture without a format or an encoding")
	}
	if codec := codecOf(e); codec != "" {
		return 0, fmt.Errorf("encoding %q: codec %q's packets are not taken (gopline takes H.264 ones)", p.encoding, codec)
	}
	return 0, fmt.Errorf("encoding %q: %w", p.encoding, errRawEncoding)
}

// errRawEncoding says which raw pictures gopline takes.
var errRawEncoding = errors.New("gopline takes rgb, bgr, rgba, bgra and bayer_* raw pictures of 8 or 16 bits, mono8, mono16, 16UC1, 32FC1, yuv422, yuyv, nv21 and nv12")

// codecOf returns the codec an encoding names as ffmpeg_image_transport
// names them (the codec first, as in "hevc;yuv420p;bgr8;bgr8", in its newer
// releases; the encoder's name in older ones: "libx265", "hevc_nvenc"), or
// "".
func codecOf(encoding string) string {
	if codec, _, ok := strings.Cut(encoding, ";"); ok {
		return codec
	}
	for _, c := range []string{"265", "hevc", "av1", "vp8", "vp9", "mpeg"} {
		if strings.Contains(encoding, c) {
			return encoding
		}
	}
	return ""
}

// topicStream turns one topic's pictures into the packets of one stream:
// it numbers them, starts at the first keyframe, keeps H.264's parameter
// sets in front of every keyframe and says where the picture size or raw
// format changes. After an H.264 picture is left out, the rest of its GOP
// is too: the pictures after it need it.
type topicStream struct {
	source        source
	values        ValueRange // measurements are shown in; zero: their default
	format        media.PixelFormat
	width, height int // 0 until the first packet
	params        h264.ParamSets
	seq, gop      uint64
	epoch         uint64
	seenKey       bool
	waitKey       bool        // an H.264 picture was left out: the next keyframe starts again
	last          time.Time   // the last capture time, but in H.264 streams
	order         decodeTimes // H.264 streams' decode times
	// lengthPrefixed: the topic's access units have come as NAL units
	// behind four-byte lengths (see split).
	lengthPrefixed bool
	counts         Topic
	// transcoding, when not nil, turns the topic's pictures into the H.264
	// ones the stream is made of; encoding, its JPEG and raw pictures.
	transcoding *transcoding
	encoding    *encoding
}

// packet returns the packet of one picture, logged at logTime, and
// whether it changes the stream's picture size or raw format (a keyframe:
// the stream goes on in another file from it); or nil and the count it
// went to: before the first keyframe, undecodable, coded otherwise than the
// stream, or the rest of a GOP after one of those. An H.264 packet's
// times are set by timed.
func (s *topicStream) packet(p picture, logTime time.Time) (pkt *media.Packet, changed bool) {
	src, err := sourceOf(p)
	if err != nil || src != s.source {
		s.leftOut(&s.counts.OtherFormat)
		return nil, false
	}
	switch src {
	case fromJPEG:
		pkt, err = jpegPacket(p.data)
	case fromPNG:
		pkt, err = pngPacket(p.data, s.format, s.measured(p.format))
	case fromRaw:
		pkt, err = rawPacket(p, s.values)
	case fromDepth:
		pkt, err = depthPacket(p, s.values)
	case fromZstd:
		var inner picture
		if inner, err = zstdTransportPicture(p); err == nil {
			pkt, err = rawPacket(inner, s.values)
		}
	case fromH264:
		pkt, err = s.h264Packet(p.data)
	}
	if err == nil && pkt != nil {
		err = checkSize(pkt.Width, pkt.Height)
	}
	if s.encoding != nil && err == nil && pkt != nil {
		pkt, err = s.encoding.encoded(pkt)
	}
	switch {
	case errors.Is(err, errNoParameterSets):
		s.counts.NoParameterSets++
		return nil, false
	case err != nil:
		s.damaged(err)
		return nil, false
	case pkt == nil:
		s.counts.BeforeKeyframe++
		return nil, false
	case s.waitKey && !pkt.Key:
		s.counts.Dropped++
		return nil, false
	}
	s.waitKey = false
	changed = s.width != 0 && (pkt.Width != s.width || pkt.Height != s.height || pkt.Format != s.format)
	s.width, s.height, s.format = pkt.Width, pkt.Height, pkt.Format
	if s.epoch == 0 {
		s.epoch = media.NewEpoch()
	}
	pkt.Seq, pkt.Epoch = s.seq, s.epoch
	if pkt.Key {
		s.gop = s.seq
	}
	pkt.GOP = s.gop
	s.seq++
	pkt.CaptureTime = p.stamp
	if pkt.CaptureTime.IsZero() {
		pkt.CaptureTime = logTime
	}
	if s.source == fromH264 {
		return pkt, changed // timed by s.order
	}
	if !s.last.IsZero() && !pkt.CaptureTime.After(s.last) {
		pkt.CaptureTime = s.last.Add(time.Microsecond)
		s.counts.Retimed++
	}
	s.last = pkt.CaptureTime
	return pkt, changed
}

// timed returns the packets of the topic ready to be stored, in order: an
// H.264 packet once its decode time is known (decodeTimes), any other at
// once.
func (s *topicStream) timed(pkt *media.Packet, changed bool) []timedPacket {
	if s.source != fromH264 {
		return []timedPacket{{pkt, changed}}
	}
	return s.order.push(timedPacket{pkt, changed})
}

// measured returns the range a PNG picture of measurements is shown in:
// one its format names 16UC1 or mono16 ("16UC1; png compressed", as
// compressed_image_transport names it); zero for other pictures.
func (s *topicStream) measured(format string) ValueRange {
	encoding, _, _ := strings.Cut(strings.ToLower(format), ";")
	if !rawLayouts[strings.TrimSpace(encoding)].measured {
		return ValueRange{}
	}
	if s.values != (ValueRange{}) {
		return s.values
	}
	return Range16
}

// damaged counts a picture left out as damaged, for the reason err.
func (s *topicStream) damaged(err error) {
	s.leftOut(&s.counts.Damaged)
	s.counts.DamageWhy = cmp.Or(s.counts.DamageWhy, err.Error())
}

// damaged counts a message of a topic without a stream yet that does not
// read as a picture, for the reason err.
func (t *Topic) damaged(err error) {
	t.Damaged++
	t.DamageWhy = cmp.Or(t.DamageWhy, err.Error())
}

// damageWhy is ": the first ..." of c's damaged pictures, or "".
func damageWhy(c Topic) string {
	if c.DamageWhy == "" {
		return ""
	}
	return " (the first: " + c.DamageWhy + ")"
}

// checkSize refuses a picture of w by h that gopline does not store.
func checkSize(w, h int) error {
	switch {
	case w <= 0 || h <= 0:
		return fmt.Errorf("a picture of %dx%d", w, h)
	case w > media.MaxDimension || h > media.MaxDimension:
		return fmt.Errorf("a picture of %dx%d, larger than gopline stores (%d on a side at most)", w, h, media.MaxDimension)
	}
	return nil
}

// leftOut counts a picture left out in count; in an H.264 stream under way,
// the pictures after it wait for the next keyframe.
func (s *topicStream) leftOut(count *int64) {
	*count++
	if s.source == fromH264 && s.seenKey && s.transcoding == nil {
		s.waitKey = true
	}
}

// split returns the NAL units of an access unit in Annex B, or behind
// four-byte lengths (MP4's form), as some producers fill Foxglove's
// CompressedVideo, which asks for Annex B: from the first access unit that
// cannot be Annex B, the topic's are read as length-prefixed first (one
// whose first NAL unit is 256 to 511 bytes long begins as a start code).
func (s *topicStream) split(data []byte) ([][]byte, error) {
	if s.lengthPrefixed {
		if nalus, err := h264.SplitAVCC(data, 4); err == nil {
			return nalus, nil
		}
	}
	nalus, err := h264.SplitAnnexB(data)
	if errors.Is(err, h264.ErrNoStartCode) {
		if avcc, aerr := h264.SplitAVCC(data, 4); aerr == nil {
			s.lengthPrefixed = true
			return avcc, nil
		}
	}
	return nalus, err
}

// errNoParameterSets: a keyframe came without its SPS and PPS, and none
// came before it.
var errNoParameterSets = errors.New("a keyframe without its parameter sets")

// h264Packet returns an access unit in Annex B form as a packet, with the
// kept parameter sets in front of a keyframe that lacks them; nil before
// the first keyframe; errNoParameterSets for a keyframe whose parameter
// sets never came.
func (s *topicStream) h264Packet(data []byte) (*media.Packet, error) {
	nalus, err := s.split(data)
	if err != nil {
		return nil, err
	}
	if s.lengthPrefixed {
		data = h264.JoinAnnexB(nalus)
	}
	s.params.Update(nalus)
	key := h264.IsRandomAccess(nalus)
	if !key && !s.seenKey {
		return nil, nil
	}
	fixed, err := s.params.Prepend(nalus)
	if err != nil {
		return nil, errNoParameterSets
	}
	if len(fixed) != len(nalus) {
		data = h264.JoinAnnexB(fixed)
	}
	width, height := s.width, s.height
	if key {
		s.seenKey = true
		for i := len(fixed) - 1; i >= 0; i-- {
			if h264.TypeOf(fixed[i]) == h264.NALUTypeSPS {
				sps, err := h264.ParseSPS(fixed[i])
				if err != nil {
					return nil, err
				}
				width, height = sps.Width(), sps.Height()
				break
			}
		}
	}
	return &media.Packet{Codec: media.H264, Data: data, Key: key, Width: width, Height: height}, nil
}

func jpegPacket(data []byte) (*media.Packet, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if err := checkJPEGEnd(data, cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	return &media.Packet{Codec: media.JPEG, Data: data, Key: true, Width: cfg.Width, Height: cfg.Height}, nil
}

// maxPixels bounds the pictures decoded from PNG.
const maxPixels = 8192 * 8192

// pngPacket decodes a PNG picture to a raw one: GRAY8 for a grey picture,
// else RGB24 (the alpha left out), or format once the stream has one. A
// 16-bit grey picture is shown in values unless they are zero.
func pngPacket(data []byte, format media.PixelFormat, values ValueRange) (*media.Packet, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if err := checkPictureSize(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if format == media.PixelFormatUnknown {
		format = media.RGB24
		switch img.(type) {
		case *image.Gray, *image.Gray16:
			format = media.GRAY8
		}
	}
	b := img.Bounds()
	out := make([]byte, 0, format.PictureSize(b.Dx(), b.Dy()))
	grey16, measured := img.(*image.Gray16)
	measured = measured && values != (ValueRange{})
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			switch {
			case measured && format == media.GRAY8:
				out = append(out, values.grey(float64(grey16.Gray16At(x, y).Y)))
			case format == media.GRAY8:
				out = append(out, byte((19595*r+38470*g+7471*bl+1<<15)>>24))
			default:
				out = append(out, byte(r>>8), byte(g>>8), byte(bl>>8))
			}
		}
	}
	return &media.Packet{Codec: media.Raw, Format: format, Data: out, Key: true, Width: b.Dx(), Height: b.Dy()}, nil
}

// checkJPEGEnd refuses a JPEG picture of width x height cut short: one
// that does not end with its end marker (EOI), but for zeros a driver
// padded it with, and does not decode either (bytes after a whole
// picture's end are left to the decoder, which stops at its end). Only the
// end is looked at first: decoding every picture would slow an import
// several times. A picture larger than maxPixels is not decoded (its
// header's size is what the decoder would allocate), and is refused.
func checkJPEGEnd(data []byte, width, height int) error {
	if bytes.HasSuffix(bytes.TrimRight(data, "\x00"), []byte{0xff, 0xd9}) {
		return nil
	}
	if err := checkPictureSize(width, height); err != nil {
		return fmt.Errorf("a JPEG picture without its end: %w", err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("a JPEG picture cut short (%d bytes, without its end, and it does not decode: %v)", len(data), err)
	}
	return nil
}
