package web

import (
	"sync"

	"github.com/gopline/gopline/media"
)

// inOrderAfter is how many H.264 packets of one stream (one Epoch) with no
// composition offset a topic must show before it is taken to decode in
// display order. A stream with B-frames, on gopline's timeline (a packet's
// decode time behind its presentation by the reorder delay), has a non-zero
// offset on nearly every packet: only the last B-frame of a reordered run
// can have none.
const inOrderAfter = 8

// streamOrder is what a topic's packets have shown of their order.
type streamOrder int

const (
	// orderUnknown: too few packets seen yet.
	orderUnknown streamOrder = iota
	// orderInDisplay: inOrderAfter packets of the stream decode in display
	// order (no B-frames); WebRTC carries it.
	orderInDisplay
	// orderReordered: a packet of the stream is shown after pictures
	// decoded after it (B-frames). WebRTC has no way to say so: an RTP
	// timestamp is both, and browsers play such a stream at a few frames a
	// second.
	orderReordered
)

// orderWatch keeps, per topic, what the packets seen of its current stream
// say of their order. Every viewer's feed and the handler's probes show it
// the packets they receive; it is safe for concurrent use.
type orderWatch struct {
	mu     sync.Mutex
	topics map[string]*topicOrder
}

type topicOrder struct {
	epoch     uint64
	reordered bool
	inOrder   int // packets of the epoch with no composition offset
}

func newOrderWatch() *orderWatch { return &orderWatch{topics: map[string]*topicOrder{}} }

// observe takes one packet of topic. It reports whether the packet is the
// first sign that the topic's stream is reordered. A packet of a new Epoch
// (a new stream) starts the count again.
func (w *orderWatch) observe(topic string, p *media.Packet) (newlyReordered bool) {
	if p == nil || p.Codec != media.H264 {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	o := w.topics[topic]
	if o == nil || o.epoch != p.Epoch {
		o = &topicOrder{epoch: p.Epoch}
		w.topics[topic] = o
	}
	if p.CompositionOffset != 0 {
		newlyReordered = !o.reordered
		o.reordered = true
		return newlyReordered
	}
	o.inOrder++
	return false
}

// order returns what is known of topic's stream.
func (w *orderWatch) order(topic string) streamOrder {
	w.mu.Lock()
	defer w.mu.Unlock()
	o := w.topics[topic]
	switch {
	case o == nil:
		return orderUnknown
	case o.reordered:
		return orderReordered
	case o.inOrder >= inOrderAfter:
		return orderInDisplay
	}
	return orderUnknown
}

// keepOnly forgets the topics for which keep is false (gone from the bus),
// so that the watch holds no more topics than the bus.
func (w *orderWatch) keepOnly(keep func(topic string) bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for topic := range w.topics {
		if !keep(topic) {
			delete(w.topics, topic)
		}
	}
}
