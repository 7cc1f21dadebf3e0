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
	r.join = newPacketJoin()
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
		if err := r.readDemuxed(); err != nil {
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

// packetJoin is a pictureJoin of the packets a Reader reads into its
// AVPacket. A packet that the join neither holds nor changes stays in
// FFmpeg's buffer, not copied: at once in the Reader's packet, or, when
// it goes on behind a keyframe let out, in behind. Held and changed
// packets are copied out, and into a new buffer of FFmpeg's when they go
// on (load).
type packetJoin struct {
	pictureJoin
	// behind holds a packet as read that goes on after the pictureJoin's
	// ready ones, when waits. It is the packetJoin's, freed by close.
	behind *astiav.Packet
	waits  bool
}

func newPacketJoin() *packetJoin { return &packetJoin{behind: astiav.AllocPacket()} }

// close frees behind and what it holds.
func (j *packetJoin) close() {
	if j.behind != nil {
		j.behind.Free()
		j.behind = nil
	}
}

// take puts pkt, the stream's next packet as read, through j, once load
// has nothing more to hand on. It returns true when pkt is to be handed on
// now as it is. Else pkt is blank, and the packets to hand on come from
// load.
func (j *packetJoin) take(pkt *astiav.Packet) bool {
	v := j.offer(joinPacket{
		data: packetData(pkt), pts: pkt.Pts(), dts: pkt.Dts(),
		duration: pkt.Duration(), pos: pkt.Pos(), flags: pkt.Flags(),
	})
	switch v {
	case asIs:
		return true
	case behind:
		j.behind.MoveRef(pkt)
		j.waits = true
		return false
	}
	pkt.Unref()
	return false
}

// load puts the next packet j hands on into pkt, which must be blank, as
// a packet of stream: a packet of the pictureJoin's in a new buffer of
// FFmpeg's, with the padding its decoders read past the end, else the one
// behind them. It returns false when no packet waits.
func (j *packetJoin) load(pkt *astiav.Packet, stream int) (bool, error) {
	p, ok := j.pop()
	if !ok {
		if !j.waits {
			return false, nil
		}
		pkt.MoveRef(j.behind)
		j.waits = false
		return true, nil
	}
	data := p.bytes()
	if err := pkt.AllocPayload(len(data)); err != nil { // zeroes the padding
		return false, err
	}
	copy(packetData(pkt), data)
	pkt.SetPts(p.pts)
	pkt.SetDts(p.dts)
	pkt.SetDuration(p.duration)
	pkt.SetPos(p.pos)
	pkt.SetFlags(p.flags)
	pkt.SetStreamIndex(stream)
	return true, nil
}
