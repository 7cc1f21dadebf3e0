package elements

import (
	"context"
	"sync"
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

// pushTurn lets one push at a time check, stamp and queue its item. A
// push that must not wait (TryPush) waits only for one that is doing so:
// once the holder waits for room, it refuses its item with ErrAppFull, as
// the full queue would, and the holder learns of the first item so
// refused (missed), whose loss breaks a chain of packets.
type pushTurn struct {
	mu       sync.Mutex
	held     bool
	waiting  bool          // the holder waits for room
	changed  chan struct{} // closed, and replaced, when the turn is given up or its holder begins to wait
	missed   pushedItem    // the first item refused while the holder waited, if missedOK
	missedOK bool
}

func newPushTurn() *pushTurn { return &pushTurn{changed: make(chan struct{})} }

// take waits for the turn until ctx is done (ctx.Err()); with never, it
// refuses item with ErrAppFull instead once the holder waits for room.
func (t *pushTurn) take(ctx context.Context, item media.Item, never bool) error {
	for {
		t.mu.Lock()
		if !t.held {
			t.held = true
			t.mu.Unlock()
			return nil
		}
		if never && t.waiting {
			if !t.missedOK {
				t.missed, t.missedOK = pushedOf(item), true
			}
			t.mu.Unlock()
			return ErrAppFull
		}
		changed := t.changed
		t.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// wait marks the holder as waiting for room while it calls fn, and
// returns the first item refused meanwhile, if ok.
func (t *pushTurn) wait(fn func()) (missed pushedItem, ok bool) {
	t.mu.Lock()
	t.waiting = true
	t.wake()
	t.mu.Unlock()
	fn()
	t.mu.Lock()
	defer t.mu.Unlock()
	missed, ok = t.missed, t.missedOK
	t.waiting, t.missed, t.missedOK = false, pushedItem{}, false
	return missed, ok
}

// give gives up the turn.
func (t *pushTurn) give() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.held = false
	t.wake()
}

// wake tells the pushes waiting for the turn that something changed;
// t.mu is held.
func (t *pushTurn) wake() {
	close(t.changed)
	t.changed = make(chan struct{})
}
