package ffmpeg

import (
	"errors"
	"fmt"
	"io"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// openPassthrough prepares passthrough of an H.264 stream (its parameter
// sets, the NAL length size of AVCC input) or an MJPEG one.
func (r *Reader) openPassthrough(par *astiav.CodecParameters) error {
	switch par.CodecID() {
	case astiav.CodecIDMjpeg:
		r.jpeg = true
		return nil
	case astiav.CodecIDH264:
	default:
		return fmt.Errorf("%w: %q has %s video; passthrough takes H.264 or MJPEG (decode it instead)", ErrNotH264, r.url, r.info.Codec)
	}
	extra := par.ExtraData()
	switch {
	case len(extra) > 0 && extra[0] == 1: // avcC: an MP4/MKV-style stream
		cfg, err := h264.ParseDecoderConfig(extra)
		if err != nil {
			return fmt.Errorf("ffmpeg: %q: H.264 decoder configuration: %w", r.url, err)
		}
		r.avccLength = cfg.LengthSize
		r.params.Update(append(append([][]byte{}, cfg.SPS...), cfg.PPS...))
	case len(extra) > 0:
		if nalus, err := h264.SplitAnnexB(extra); err == nil {
			r.params.Update(nalus)
		}
	}
	return nil
}

// ReadPacket returns the next H.264 access unit or JPEG picture in
// passthrough mode, or io.EOF at the end of the stream.
func (r *Reader) ReadPacket() (*media.Packet, error) {
	if !r.cfg.passthrough {
		return nil, errors.New("ffmpeg: ReadPacket on a decoding reader (open it WithPassthrough)")
	}
	for {
		if err := r.readVideoPacket(); err == io.EOF {
			return nil, r.end()
		} else if err != nil {
			return nil, err
		}
		data, pts, dts := r.pkt.Data(), r.pkt.Pts(), r.pkt.Dts()
		r.pkt.Unref()
		var p *media.Packet
		var err error
		if r.jpeg {
			p = r.jpegPacket(data)
		} else {
			p, err = r.accessUnit(data)
		}
		switch {
		case err != nil:
			r.stats.Undecodable++
			continue
		case p == nil:
			r.stats.BeforeKeyframe++
			continue
		}
		p.CaptureTime, p.CompositionOffset = r.times.packet(pts, dts)
		return p, nil
	}
}

// accessUnit turns one demuxed packet, which it may keep, into a gopline
// Packet, or nil while waiting for the first IDR. Annex B input that needs
// no parameter sets added keeps its bytes as they are.
func (r *Reader) accessUnit(data []byte) (*media.Packet, error) {
	var nalus [][]byte
	var err error
	if r.avccLength > 0 {
		nalus, err = h264.SplitAVCC(data, r.avccLength)
	} else {
		nalus, err = h264.SplitAnnexB(data)
	}
	if err != nil {
		return nil, err
	}
	r.params.Update(nalus)
	key := h264.IsRandomAccess(nalus)
	if !key && !r.seenKey {
		return nil, nil
	}
	fixed, err := r.params.Prepend(nalus)
	if err != nil {
		return nil, err
	}
	if r.avccLength > 0 || len(fixed) != len(nalus) {
		data = h264.JoinAnnexB(fixed)
	}
	if key {
		r.seenKey, r.gopStart = true, r.seq
	}
	p := &media.Packet{
		Codec: media.H264, Data: data, Key: key,
		Seq: r.seq, GOP: r.gopStart, Epoch: r.epoch,
		Width: r.info.Width, Height: r.info.Height,
	}
	r.seq++
	return p, nil
}

// jpegPacket turns one demuxed MJPEG packet, which it keeps, into a JPEG
// Packet: every one is a keyframe.
func (r *Reader) jpegPacket(data []byte) *media.Packet {
	if len(data) == 0 {
		return nil
	}
	p := &media.Packet{
		Codec: media.JPEG, Data: data, Key: true,
		Seq: r.seq, GOP: r.seq, Epoch: r.epoch,
		Width: r.info.Width, Height: r.info.Height,
	}
	r.seq++
	return p
}
