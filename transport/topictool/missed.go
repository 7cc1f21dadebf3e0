package topictool

import "github.com/gopline/gopline/media"

// maxStreams is how many streams (Epochs) Missed follows at once: a
// topic has one publisher, a few while one hands over to another;
// beyond it the stream heard of longest ago is forgotten, and its next
// packet counts no hole.
const maxStreams = 8

// Missed counts the packets of a topic that did not reach a watcher, from
// the holes in their Seq: a publisher numbers its packets +1 each with no
// hole, so a packet N after the last one of its stream (Epoch) says N-1
// were dropped on the way (by the topic, for a watcher whose window was
// full; by a link; by a relay upstream). A packet of a stream not seen
// before (the first, a restart), and one at or before the last of its
// stream (a resent keyframe), count none. The zero value has seen
// nothing; it is for one goroutine.
type Missed struct {
	// streams holds the last Seq of each stream heard of, the latest
	// first.
	streams []streamSeq
}

type streamSeq struct{ epoch, seq uint64 }

// Next takes the next packet to arrive and returns how many of its
// stream's packets went missing just before it.
func (m *Missed) Next(p *media.Packet) uint64 {
	i := 0
	for i < len(m.streams) && m.streams[i].epoch != p.Epoch {
		i++
	}
	var missed uint64
	switch {
	case i == len(m.streams):
		if len(m.streams) < maxStreams {
			m.streams = append(m.streams, streamSeq{})
		}
		i = len(m.streams) - 1
	case p.Seq <= m.streams[i].seq:
		return 0
	default:
		missed = p.Seq - m.streams[i].seq - 1
	}
	// The stream moves to the front: the latest heard of.
	copy(m.streams[1:i+1], m.streams[:i])
	m.streams[0] = streamSeq{epoch: p.Epoch, seq: p.Seq}
	return missed
}
