package ffmpeg

import (
	"errors"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/codecs/h264"
)

// rtpFormats are the input formats that receive RTP: FFmpeg's H.264
// parser behind them cuts the keyframes of some senders (see pictureJoin).
var rtpFormats = map[string]bool{"sdp": true, "rtp": true, "rtsp": true}

// joinSlices puts the H.264 packets of an RTP input through a
// pictureJoin, seeded with the parameter sets of its session description;
// other inputs are read as they are.
func (r *Reader) joinSlices(par *astiav.CodecParameters) {
	f := r.fc.InputFormat()
	if f == nil || !rtpFormats[f.Name()] || par.CodecID() != astiav.CodecIDH264 {
		return
	}
	r.join = &pictureJoin{}
	if nalus, err := h264.SplitAnnexB(par.ExtraData()); err == nil {
		_ = r.join.sets.Update(nalus)
	}
}

// readJoined reads the next packet into r.pkt as readFrame does, with the
// parts of a cut picture of the video stream joined into one packet.
func (r *Reader) readJoined() error {
	for {
		if p, ok := r.join.pop(); ok {
			return r.loadJoined(p)
		}
		if err := r.fc.ReadFrame(r.pkt); err != nil {
			if !errors.Is(err, astiav.ErrEof) {
				return err
			}
			r.join.flush()
			if p, ok := r.join.pop(); ok {
				return r.loadJoined(p)
			}
			return err
		}
		if r.pkt.StreamIndex() != r.stream.Index() {
			return nil
		}
		r.join.push(joinPacket{
			data: r.pkt.Data(), pts: r.pkt.Pts(), dts: r.pkt.Dts(),
			duration: r.pkt.Duration(), pos: r.pkt.Pos(), flags: r.pkt.Flags(),
		})
		r.pkt.Unref()
	}
}

// loadJoined puts p into r.pkt, in a buffer with the padding FFmpeg's
// decoders read past the end.
func (r *Reader) loadJoined(p joinPacket) error {
	data := p.bytes()
	buf := append(append(make([]byte, 0, len(data)+len(zeroPadding)), data...), zeroPadding[:]...)
	if err := r.pkt.FromData(buf); err != nil {
		return err
	}
	r.pkt.SetSize(len(data))
	r.pkt.SetPts(p.pts)
	r.pkt.SetDts(p.dts)
	r.pkt.SetDuration(p.duration)
	r.pkt.SetPos(p.pos)
	r.pkt.SetFlags(p.flags)
	r.pkt.SetStreamIndex(r.stream.Index())
	return nil
}
