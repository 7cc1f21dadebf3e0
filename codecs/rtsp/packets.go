package rtsp

import (
	"time"

	mch264 "github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// packetMaker turns a camera's access units into gopline Packets: Annex B
// with SPS and PPS in front of every keyframe (the latest the stream sent,
// in band or in its session description), numbered in one Epoch, from the
// first keyframe on. A unit that is not whole is left out, and so is every
// unit after it until the next keyframe, whose picture would be built on
// the one missing: a decoder downstream never gets a broken reference.
//
// Packets lost before a unit (accessUnit.afterLoss) break the chain as
// well: they may have been whole pictures.
//
// A packetMaker is not safe for concurrent use.
type packetMaker struct {
	params        h264.ParamSets
	epoch         uint64
	seq, gop      uint64
	seenKey       bool // a keyframe was handed on
	broken        bool // a unit was left out since the last keyframe
	width, height int
	dts           *mch264.DTSExtractor
	lastDTS       int64
	stats         *Stats
}

func newPacketMaker(stats *Stats, sps, pps []byte) *packetMaker {
	m := &packetMaker{epoch: media.NewEpoch(), stats: stats, dts: mch264.NewDTSExtractor()}
	if len(sps) > 0 && len(pps) > 0 {
		m.params.Update([][]byte{sps, pps})
	}
	return m
}

// packet returns the Packet of au, whose presentation time is pts (in the
// 90 kHz clock of H.264 over RTP, from the stream's first packet), with its
// decode time in the same clock; or nil when the unit is left out,
// counted in the stats.
func (m *packetMaker) packet(au accessUnit, pts int64) (*media.Packet, int64) {
	nalus := h264.DropRepeatedParamSets(au.nalus)
	if au.afterLoss && m.seenKey {
		m.broken = true
	}
	if !au.whole {
		m.leaveOut()
		return nil, pts
	}
	m.params.Update(nalus)
	key := h264.IsRandomAccess(nalus)
	switch {
	case !key && !m.seenKey:
		m.stats.BeforeKeyframe++
		return nil, pts
	case !key && m.broken:
		m.stats.Damaged++
		return nil, pts
	}
	fixed, err := m.params.Prepend(nalus)
	if err != nil { // a keyframe whose parameter sets never came
		m.leaveOut()
		return nil, pts
	}
	if key {
		m.seenKey, m.broken, m.gop = true, false, m.seq
		if w, h, ok := h264.PictureSize(fixed); ok {
			m.width, m.height = w, h
		}
	}
	p := &media.Packet{
		Codec: media.H264, Data: h264.JoinAnnexB(fixed), Key: key,
		Seq: m.seq, GOP: m.gop, Epoch: m.epoch, Width: m.width, Height: m.height,
	}
	m.seq++
	return p, m.decodeTime(fixed, pts)
}

// leaveOut counts a unit left out and breaks the chain until a keyframe.
func (m *packetMaker) leaveOut() {
	if m.seenKey {
		m.stats.Damaged++
	} else {
		m.stats.BeforeKeyframe++
	}
	m.broken = true
}

// decodeTime is when the unit nalus, presented at pts, is decoded: pts but
// for a camera that sends B-frames, whose decode times the pictures' order
// counts give (RTP carries only presentation times). Decode times never go
// back, nor come after their presentation.
func (m *packetMaker) decodeTime(nalus [][]byte, pts int64) int64 {
	dts, err := m.dts.Extract(nalus, pts)
	if err != nil || dts > pts {
		dts = pts
	}
	if m.seq > 1 && dts < m.lastDTS {
		dts = min(m.lastDTS, pts)
	}
	m.lastDTS = dts
	return dts
}

// clockRate is the RTP clock of H.264 (RFC 6184 8.2.1).
const clockRate = 90000

// ticks returns n ticks of the 90 kHz clock as a duration.
func ticks(n int64) time.Duration {
	return time.Duration(n/clockRate)*time.Second + time.Duration(n%clockRate)*time.Second/clockRate
}
