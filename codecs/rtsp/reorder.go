package rtsp

import (
	"slices"
	"time"
)

// A port's RTP comes over UDP as the network delivers it, and a packet that
// overtook another (two paths, a bonded link, a switch's queues) would
// otherwise make a gap, the picture it cut and those after it until the
// next keyframe left out as lost, and then be dropped as late. FFmpeg's RTP
// demuxer keeps a queue of packets to put back in order for this; so does
// the RTSP client over UDP, which holds what follows a gap until 64 more
// packets came, with no bound in time (a loss, not a reordering, froze a
// camera of a few packets a picture for seconds). reorder holds them for a
// bounded time instead.

// Bounds on what reorder holds after a gap before taking it for a loss.
const (
	// reorderWait is how long the first packet held after a gap waits
	// for the missing ones: a packet overtaken on a LAN comes within a
	// millisecond, and one that comes later than this is late anyway
	// (FFmpeg's RTSP demuxer waits 100 ms).
	reorderWait = 50 * time.Millisecond
	// reorderPackets is how many packets it holds at most.
	reorderPackets = 64
)

// reorder puts one sender's RTP packets back in the order of their sequence
// numbers. A packet that comes after a gap is held until the missing ones
// come, or reorderWait passed since the first held came, or
// reorderPackets are held: then the gap is a loss, and what is held goes
// on in order. A duplicate, or a packet behind what went on, goes on as it
// comes, for the unit under way to drop (see lateWindow). A new sender
// (another SSRC) goes on at once, after what the old one left held. The
// zero value is ready.
type reorder struct {
	started bool
	ssrc    uint32
	next    uint16     // the sequence number due
	held    []received // after a gap, in sequence order
	out     []received // what push returned last: its array serves the next (a push a packet)
}

// push takes a packet and returns those that go on, in order, in a slice
// that the next push reuses.
func (o *reorder) push(in received) []received {
	seq := in.pkt.SequenceNumber
	if !o.started || in.pkt.SSRC != o.ssrc {
		out := o.flush()
		o.started, o.ssrc, o.next = true, in.pkt.SSRC, seq+1
		return append(out, in)
	}
	switch gap := int16(seq - o.next); {
	case gap < 0:
		o.out = append(o.out[:0], in)
		return o.out
	case gap > 0:
		i, found := slices.BinarySearchFunc(o.held, seq, func(h received, seq uint16) int { return int(int16(h.pkt.SequenceNumber - seq)) })
		if !found {
			o.held = slices.Insert(o.held, i, in)
		}
		if len(o.held) >= reorderPackets {
			return o.flush()
		}
		return nil
	}
	o.next = seq + 1
	o.out = o.release(append(o.out[:0], in))
	return o.out
}

// release appends to out the held packets that now follow in sequence.
func (o *reorder) release(out []received) []received {
	n := 0
	for n < len(o.held) && o.held[n].pkt.SequenceNumber == o.next {
		out = append(out, o.held[n])
		o.next++
		n++
	}
	o.held = o.held[n:]
	return out
}

// flush gives up waiting: the held packets go on in order, the gaps
// before and between them lost.
func (o *reorder) flush() []received {
	out := o.held
	if len(out) > 0 {
		o.next = out[len(out)-1].pkt.SequenceNumber + 1
	}
	o.held = nil
	return out
}

// due returns when the packets held must go on if the gap is not filled
// by then, and whether any are held.
func (o *reorder) due() (time.Time, bool) {
	if len(o.held) == 0 {
		return time.Time{}, false
	}
	first := o.held[0].at
	for _, h := range o.held[1:] {
		if h.at.Before(first) {
			first = h.at
		}
	}
	return first.Add(reorderWait), true
}
