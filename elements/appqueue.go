package elements

import (
	"fmt"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// Overflow says what an app element does with an item that comes while its
// queue is full: GStreamer's appsrc block=true, or its leaky-type. Its zero
// value takes the element's default: OverflowBlock for an AppSrc,
// OverflowDropOldest for an AppSink.
type Overflow uint8

const (
	// OverflowBlock waits for room: AppSrc.Push waits (as long as its
	// context lets it), and an AppSink's node waits, which slows the chain
	// in front of it. Nothing is dropped.
	OverflowBlock Overflow = iota + 1
	// OverflowDropOldest drops the oldest queued item for the new one
	// (leaky-type=downstream): what waits stays the newest.
	OverflowDropOldest
	// OverflowDropNewest drops the new item (leaky-type=upstream): what
	// waits stays what came first.
	OverflowDropNewest
)

var overflowNames = [...]string{0: "default", OverflowBlock: "block", OverflowDropOldest: "drop-oldest", OverflowDropNewest: "drop-newest"}

// String returns the policy's name: "block", "drop-oldest" or "drop-newest".
func (o Overflow) String() string {
	if int(o) < len(overflowNames) {
		return overflowNames[o]
	}
	return fmt.Sprintf("overflow(%d)", uint8(o))
}

// DefaultAppQueue is how many items an AppSrc or AppSink holds by default:
// a link's window, so that the hand-over to or from Go code holds no more
// than a link of the pipeline does.
const DefaultAppQueue = pipeline.DefaultWindow

// MaxAppQueue bounds an app element's queue: a queue is for riding out a
// moment's stall, and more pictures than this held in memory (a minute at
// 30 frames/s would be 1800) only add latency.
const MaxAppQueue = 1024

// checkQueue checks an app element's queue size and overflow policy, and
// returns them with 0 taken as DefaultAppQueue and as def.
func checkQueue(what string, size int, o, def Overflow) (int, Overflow, error) {
	if size == 0 {
		size = DefaultAppQueue
	}
	if size < 1 || size > MaxAppQueue {
		return 0, 0, fmt.Errorf("%w: %s MaxQueued %d: want 1 to %d (0 takes %d)", pipeline.ErrBadGraph, what, size, MaxAppQueue, DefaultAppQueue)
	}
	if o == 0 {
		o = def
	}
	if int(o) >= len(overflowNames) {
		return 0, 0, fmt.Errorf("%w: %s Overflow %v: want OverflowBlock, OverflowDropOldest or OverflowDropNewest", pipeline.ErrBadGraph, what, o)
	}
	return size, o, nil
}

// appQueue is the bounded queue between Go code and a pipeline (AppSrc,
// AppSink): a plain value, no locks, no waiting; its owner locks it and
// waits. It applies the overflow policy, and for packets keeps the chain
// whole, as every subscriber of a topic does: a delta before the first
// keyframe is left out, and once a packet is dropped, so is every delta
// after it up to the next keyframe, since none of them would decode. What
// it hands out is therefore always a stream that decodes from its first
// item.
type appQueue[T media.Item] struct {
	max      int
	overflow Overflow
	items    []T
	// keyed: a keyframe was queued (frames: always); before, deltas are
	// left out.
	keyed bool
	// broken: a packet was dropped since the last keyframe queued; deltas
	// are left out until the next.
	broken bool
	// refused: the last item put was refused for want of room
	// (OverflowBlock): a put of a delta next that is not that item again
	// means it never came, which breaks the chain.
	refused bool
}

// putResult is what a put did with an item.
type putResult[T media.Item] struct {
	// queued: the item waits in the queue.
	queued bool
	// full: OverflowBlock and no room: the item was not taken.
	full bool
	// dropped are the items the put dropped: for room, the deltas that
	// could no longer decode, and the item itself when it was left out for
	// that. They are the dropper's to release.
	dropped []T
	// early: the item was a delta before the first keyframe, left out
	// (not in dropped).
	early bool
}

func newAppQueue[T media.Item](size int, o Overflow) appQueue[T] {
	_, frames := any(*new(T)).(*media.Frame)
	return appQueue[T]{max: size, overflow: o, keyed: frames}
}

// startsGOP reports whether decoding can start at item: a frame, or a
// packet marked Key.
func startsGOP(item media.Item) bool {
	p, ok := item.(*media.Packet)
	return !ok || p.Key
}

// put offers item to the queue; again says that it is the item last
// refused, put again unchanged.
func (q *appQueue[T]) put(item T, again bool) putResult[T] {
	var r putResult[T]
	key := startsGOP(item)
	if q.refused && !again && !key {
		q.broken = true // the refused packet will not come
	}
	q.refused = false
	switch {
	case !q.keyed && !key:
		r.early = true
		return r
	case q.broken && !key:
		r.dropped = append(r.dropped, item)
		return r
	}
	if len(q.items) == q.max {
		switch q.overflow {
		case OverflowBlock:
			q.refused = true
			r.full = true
			return r
		case OverflowDropNewest:
			if _, frames := any(item).(*media.Frame); !frames {
				q.broken = true
			}
			r.dropped = append(r.dropped, item)
			return r
		default:
			r.dropped = q.dropOldest(r.dropped)
			if q.broken && !key {
				r.dropped = append(r.dropped, item)
				return r
			}
		}
	}
	q.keyed = true
	if key {
		q.broken = false
	}
	q.items = append(q.items, item)
	r.queued = true
	return r
}

// dropOldest drops the oldest item, and after it the deltas that relied on
// it, up to the first keyframe in the queue; with none left, the chain is
// broken until the next keyframe comes.
func (q *appQueue[T]) dropOldest(dropped []T) []T {
	dropped = append(dropped, q.items[0])
	n := 1
	for n < len(q.items) && !startsGOP(q.items[n]) {
		dropped = append(dropped, q.items[n])
		n++
	}
	clear(q.items[:n])
	q.items = append(q.items[:0], q.items[n:]...)
	if _, frames := any(dropped[0]).(*media.Frame); !frames && len(q.items) == 0 {
		q.broken = true
	}
	return dropped
}

// take returns the oldest item; false when the queue is empty.
func (q *appQueue[T]) take() (T, bool) {
	var zero T
	if len(q.items) == 0 {
		return zero, false
	}
	it := q.items[0]
	q.items[0] = zero
	q.items = q.items[1:]
	return it, true
}

// len is how many items wait.
func (q *appQueue[T]) len() int { return len(q.items) }

// releaseAll lets go of items an app element dropped: a frame's pixels go
// back to their pool once every holder has let go (media.FramePool).
func releaseAll[T media.Item](items []T) {
	for _, it := range items {
		if f, ok := any(it).(*media.Frame); ok {
			f.Release()
		}
	}
}
