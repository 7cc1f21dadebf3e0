package web

import (
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// A topic's order is known from its packets: reordered at the first with a
// composition offset, in display order after inOrderAfter without one, and
// unknown again when a new stream (Epoch) starts.
func TestOrderWatchLearnsFromThePackets(t *testing.T) {
	frame := 40 * time.Millisecond
	h264 := func(epoch uint64, offset time.Duration) *media.Packet {
		return &media.Packet{Codec: media.H264, Epoch: epoch, CompositionOffset: offset}
	}
	inOrder := func(epoch uint64, n int) []*media.Packet {
		var ps []*media.Packet
		for i := 0; i < n; i++ {
			ps = append(ps, h264(epoch, 0))
		}
		return ps
	}
	cases := []struct {
		name    string
		packets []*media.Packet
		want    streamOrder
		newly   int // packets that were the first sign of B-frames
	}{
		{"nothing seen", nil, orderUnknown, 0},
		{"too few in order", inOrder(1, inOrderAfter-1), orderUnknown, 0},
		{"enough in order", inOrder(1, inOrderAfter), orderInDisplay, 0},
		// ffmpeg's -bf 3 with B-pyramid: I P B b b, offsets 2 5 2 0 1 frames.
		{"B-frames", []*media.Packet{h264(1, 2*frame), h264(1, 5*frame), h264(1, 2*frame), h264(1, 0), h264(1, frame)}, orderReordered, 1},
		{"B-frames after a run in order", append(inOrder(1, inOrderAfter), h264(1, frame)), orderReordered, 1},
		{"a new stream in order after B-frames", append([]*media.Packet{h264(1, frame)}, inOrder(2, inOrderAfter)...), orderInDisplay, 1},
		{"a new stream, too few seen", append([]*media.Packet{h264(1, frame)}, inOrder(2, 1)...), orderUnknown, 1},
		{"B-frames again in a new stream", []*media.Packet{h264(1, frame), h264(2, 0), h264(2, frame)}, orderReordered, 2},
		{"JPEG says nothing", []*media.Packet{{Codec: media.JPEG}, {Codec: media.JPEG, CompositionOffset: frame}}, orderUnknown, 0},
	}
	for _, c := range cases {
		w := newOrderWatch()
		newly := 0
		for _, p := range c.packets {
			if w.observe("/cam", p) {
				newly++
			}
		}
		if got := w.order("/cam"); got != c.want || newly != c.newly {
			t.Errorf("%s: order %v, %d first signs of B-frames; want %v, %d", c.name, got, newly, c.want, c.newly)
		}
		if got := w.order("/other"); got != orderUnknown {
			t.Errorf("%s: another topic's order is %v, want unknown", c.name, got)
		}
	}
}

func TestOrderWatchForgetsTopicsGone(t *testing.T) {
	w := newOrderWatch()
	w.observe("/a", &media.Packet{Codec: media.H264, CompositionOffset: time.Millisecond})
	w.observe("/b", &media.Packet{Codec: media.H264, CompositionOffset: time.Millisecond})
	w.keepOnly(func(topic string) bool { return topic == "/b" })
	if w.order("/a") != orderUnknown || w.order("/b") != orderReordered || len(w.topics) != 1 {
		t.Errorf("after keeping /b only: /a %v, /b %v, %d topics kept", w.order("/a"), w.order("/b"), len(w.topics))
	}
}
