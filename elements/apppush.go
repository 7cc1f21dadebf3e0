package elements

import (
	"time"

	"github.com/gopline/gopline/media"
)

// pushedItem is what an AppSrc keeps of an item it refused for room, to
// know it when it is pushed again: the caller's pointer and the header the
// caller may change in it. An item pushed again is checked again all the
// same (the caller may have reused it for its next picture); pushed again
// unchanged, it continues the chain where it was refused.
type pushedItem struct {
	item          media.Item
	data          *byte // a packet's Data, a frame's first plane
	size          int
	capture       time.Time
	offset        time.Duration
	key           bool
	width, height int
	format        media.PixelFormat
}

func pushedOf(item media.Item) pushedItem {
	pi := pushedItem{item: item}
	switch it := item.(type) {
	case *media.Frame:
		if it != nil {
			pi.data, pi.size = first(it.Planes[0]), len(it.Planes[0])
			pi.capture, pi.width, pi.height, pi.format = it.CaptureTime, it.Width, it.Height, it.Format
		}
	case *media.Packet:
		if it != nil {
			pi.data, pi.size = first(it.Data), len(it.Data)
			pi.capture, pi.offset, pi.key = it.CaptureTime, it.CompositionOffset, it.Key
		}
	}
	return pi
}

// first is b's first byte, which says where b is; nil for an empty b.
func first(b []byte) *byte {
	if len(b) == 0 {
		return nil
	}
	return &b[0]
}
