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
		if ok, err := r.join.load(r.pkt, r.stream.Index()); ok || err != nil {
			return err
		}
		if err := r.fc.ReadFrame(r.pkt); err != nil {
			if !errors.Is(err, astiav.ErrEof) {
				return err
			}
			r.join.flush()
			if ok, lerr := r.join.load(r.pkt, r.stream.Index()); ok || lerr != nil {
				return lerr
			}
			return err
		}
		if r.pkt.StreamIndex() != r.stream.Index() {
			return nil
		}
		if r.join.take(r.pkt) {
			return nil
		}
	}
}

// take puts pkt, the stream's next packet as read, through j. It returns
// true when pkt is to be handed on as it is; else j keeps what it needs
// of pkt and pkt is blank, and the packets to hand on come from load.
func (j *pictureJoin) take(pkt *astiav.Packet) bool {
	j.push(joinPacket{
		data: pkt.Data(), pts: pkt.Pts(), dts: pkt.Dts(),
		duration: pkt.Duration(), pos: pkt.Pos(), flags: pkt.Flags(),
	})
	pkt.Unref()
	return false
}

// load puts the oldest packet j hands on into pkt, which must be blank, as
// a packet of stream, in a buffer with the padding FFmpeg's decoders read
// past the end. It returns false when no packet waits.
func (j *pictureJoin) load(pkt *astiav.Packet, stream int) (bool, error) {
	p, ok := j.pop()
	if !ok {
		return false, nil
	}
	data := p.bytes()
	buf := append(append(make([]byte, 0, len(data)+len(zeroPadding)), data...), zeroPadding[:]...)
	if err := pkt.FromData(buf); err != nil {
		return false, err
	}
	pkt.SetSize(len(data))
	pkt.SetPts(p.pts)
	pkt.SetDts(p.dts)
	pkt.SetDuration(p.duration)
	pkt.SetPos(p.pos)
	pkt.SetFlags(p.flags)
	pkt.SetStreamIndex(stream)
	return true, nil
}
