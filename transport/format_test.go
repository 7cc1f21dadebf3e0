package transport

import (
	"testing"

	"github.com/gopline/gopline/media"
)

// A topic's stats tell its stream's codec and size, from the latest
// keyframe, and its publishers.
func TestStatsTellTheStreamFormatAndPublishers(t *testing.T) {
	f := newFixture(t)
	if st := f.flush(); st.Codec != media.CodecUnknown || st.Width != 0 || len(st.PublisherPIDs) != 0 {
		t.Fatalf("before any packet: %+v", st)
	}
	pub := f.newSink(true)
	f.send(&PublisherJoined{Publisher: pub.pid})
	f.publish(3, 10)
	big := f.src.next(true)
	big.Width, big.Height = 640, 480
	f.send(&Publish{Packet: big})
	delta := f.src.next(false)
	delta.Width, delta.Height = 1, 1 // a size changes at keyframes only
	f.send(&Publish{Packet: delta})
	st := f.flush()
	if st.Codec != media.H264 || st.Width != 640 || st.Height != 480 {
		t.Fatalf("format %v %dx%d; want h264 640x480", st.Codec, st.Width, st.Height)
	}
	if len(st.PublisherPIDs) != 1 || !st.PublisherPIDs[0].Equal(pub.pid) {
		t.Fatalf("publishers %v; want %v", st.PublisherPIDs, pub.pid)
	}
}
