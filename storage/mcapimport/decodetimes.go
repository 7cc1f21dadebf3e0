package mcapimport

import (
	"slices"
	"time"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// A bag's H.264 messages come in decode order, each stamped with its
// picture's capture time: its presentation time. A stream with B-frames
// (x264's defaults, a file converted to a bag) shows a picture decoded
// after a later one, and a recording keeps such a stream as the recorder
// keeps one passed through from a file: in decode order, each packet with
// the composition offset that takes its decode time to its capture time.
// A bag has no decode times; decodeTimes makes them up as a muxer does
// from presentation times alone.
const (
	// firstWindow bounds the packets held back to learn how far a stream
	// reorders: up to its second keyframe, or as many as this (twice the
	// deepest reordering H.264 allows, 16 frames).
	firstWindow = 32
	// defaultSpacing spaces the first packets' decode times when the
	// window's pictures do not say how far apart they are.
	defaultSpacing = time.Second / 30
)

// decodeTimes gives a topic's H.264 packets, pushed in decode order with
// their presentation times as CaptureTime, decode times that grow, each at
// or before its packet's presentation (CompositionOffset). It holds back
// the packets up to the stream's second keyframe (at most firstWindow) to
// learn its reordering: delay is the most pictures that are decoded before
// one and shown after it. A stream without reordering keeps its times (no
// offsets). From then on, packet i's decode time is the presentation time
// of the picture shown (i - delay)-th, the first delay packets' a spacing
// apart before the first's: what the decoder holds back.
//
// A stream whose SPS says it cannot reorder (mayReorder) is decided at
// once.
//
// A time that cannot be kept (a decode time not after the one before, a
// presentation before its decode time, as when a stream reorders deeper
// later than in its window) is moved a microsecond after the time it must
// follow, and counted in retimed.
type decodeTimes struct {
	held    []timedPacket // before the decision
	keys    int           // keyframes held
	decided bool
	delay   int
	spacing time.Duration
	pending []time.Time // presentation times not yet used as decode times, sorted
	n       int         // packets given decode times
	first   time.Time   // the first presentation time
	last    time.Time   // the last decode time
	retimed int64
}

// timedPacket is a packet of a topic, and whether it changes the stream's
// picture size (see topicStream.packet).
type timedPacket struct {
	*media.Packet
	changed bool
}

// push adds the next packet in decode order and returns the packets whose
// decode times are set, in decode order.
func (d *decodeTimes) push(p timedPacket) []timedPacket {
	if !d.decided && len(d.held) == 0 && !mayReorder(p.Data) {
		d.decided, d.spacing = true, defaultSpacing
	}
	if d.decided {
		d.time(p.Packet)
		return []timedPacket{p}
	}
	if p.Key {
		d.keys++
	}
	d.held = append(d.held, p)
	if d.keys < 2 && len(d.held) < firstWindow {
		return nil
	}
	return d.decide()
}

// flush returns the packets held back: at the end of the topic.
func (d *decodeTimes) flush() []timedPacket {
	if d.decided {
		return nil
	}
	return d.decide()
}

// mayReorder reports whether the SPS in front of a stream's first
// keyframe lets its pictures be shown in another order than decoded: not
// for pic_order_cnt_type 2 (x264 without B-frames, most cameras), nor for
// an SPS that says no frame is reordered. A stream that cannot is timed
// as it comes, nothing held back.
func mayReorder(annexB []byte) bool {
	nalus, err := h264.SplitAnnexB(annexB)
	if err != nil {
		return true
	}
	for _, n := range nalus {
		if h264.TypeOf(n) == h264.NALUTypeSPS {
			sps, err := h264.ParseSPS(n)
			return err != nil || sps.PicOrderCntType != 2 && sps.MaxReorderFrames() > 0
		}
	}
	return true
}

// decide finds how far the held packets reorder, from their picture
// order counts (not their stamps, which a camera's clock may jitter), and
// times them.
func (d *decodeTimes) decide() []timedPacket {
	held := d.held
	d.held, d.decided = nil, true
	var order h264.AccessUnitOrder
	stamps := make([]time.Time, 0, len(held))
	for _, p := range held {
		nalus, _ := h264.SplitAnnexB(p.Data) // a packet that does not split is placed after the others
		_ = order.Push(nalus)
		stamps = append(stamps, p.CaptureTime)
	}
	order.Flush()
	for {
		pl, ok := order.Pop()
		if !ok {
			break
		}
		d.delay = max(d.delay, int(pl.Decode)-int(pl.Display))
	}
	slices.SortFunc(stamps, time.Time.Compare)
	d.spacing = 0
	for i := 1; i < len(stamps); i++ {
		if gap := stamps[i].Sub(stamps[i-1]); gap > 0 && (d.spacing == 0 || gap < d.spacing) {
			d.spacing = gap
		}
	}
	if d.spacing == 0 {
		d.spacing = defaultSpacing
	}
	for _, p := range held {
		d.time(p.Packet)
	}
	return held
}

// time sets p's decode time (see decodeTimes).
func (d *decodeTimes) time(p *media.Packet) {
	pts := p.CaptureTime
	if d.n == 0 {
		d.first = pts
	}
	i, _ := slices.BinarySearchFunc(d.pending, pts, time.Time.Compare)
	d.pending = slices.Insert(d.pending, i, pts)
	var dts time.Time
	if d.n < d.delay {
		dts = d.first.Add(-time.Duration(d.delay-d.n) * d.spacing)
	} else {
		dts = d.pending[0]
		d.pending = d.pending[1:]
	}
	d.n++
	if !d.last.IsZero() && !dts.After(d.last) {
		dts = d.last.Add(time.Microsecond)
		d.retimed++
	}
	if pts.Before(dts) {
		pts = dts
		if d.delay > 0 {
			d.retimed++ // without reordering, the decode time was moved: counted once
		}
	}
	p.CaptureTime, p.CompositionOffset = pts, pts.Sub(dts)
	d.last = dts
}
