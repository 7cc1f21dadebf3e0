package pipeline

import (
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
)

// DefaultWindow is how many items a link carries unacknowledged: enough to
// keep every stage busy while the next item is on its way, few enough that a
// stalled stage holds back at most a few frames (latency, memory).
const DefaultWindow = 4

// link is one output of a node: the node downstream, how many more items it
// may be sent before it credits some back, and the items waiting for credit.
type link struct {
	to      *actor.PID
	credit  int
	pending []media.Item
	inline  bool // the node downstream runs in this one's calls (runsInline)
	// finished is set once the node downstream takes no more items (its
	// stage failed for good, or nothing takes what it gives): nothing is
	// sent on the link again.
	finished bool
	// held is len(pending), for a stop that timed out to say what waits
	// (undrained.go), which reads it from another goroutine.
	held atomic.Int32
}

// links are a node's outputs and their credit-based flow control. A node
// sends an item on a link only while the link has credit; the receiver
// credits each item back once it has handed on what it made of it, so a
// link holds at most its window and a slow stage slows its upstream
// instead of letting queues grow. An item that cannot go yet waits in the
// link, in order. links are plain values: they say what may be sent, and
// the node sends it.
type links []*link

// newLinks makes links to the given nodes, each with a full window.
func newLinks(window int, to ...*actor.PID) links {
	ls := make(links, len(to))
	for i, pid := range to {
		ls[i] = &link{to: pid, credit: window}
	}
	return ls
}

// take reports whether an item may be sent on l at once, and takes a credit
// for it if so: the link is open (every node of the pipeline exists), has
// credit, and holds no item that must go first. A finished link takes
// nothing; the node does not offer it items (live).
func (l *link) take(open bool) bool {
	if !open || l.finished || l.credit == 0 || len(l.pending) > 0 {
		return false
	}
	l.credit--
	return true
}

// hold queues an item that take refused.
func (l *link) hold(item media.Item) {
	l.pending = append(l.pending, item)
	l.held.Store(int32(len(l.pending)))
}

// release returns the first queued item if credit allows, taking a credit.
func (l *link) release() (media.Item, bool) {
	if l.credit == 0 || len(l.pending) == 0 {
		return nil, false
	}
	item := l.pending[0]
	l.pending[0] = nil
	l.pending = l.pending[1:]
	l.held.Store(int32(len(l.pending)))
	l.credit--
	return item, true
}

// credit gives n items of credit back to the link to from.
func (ls links) credit(from *actor.PID, n int) {
	for _, l := range ls {
		if l.to.Equal(from) {
			l.credit += n
		}
	}
}

// drained reports whether every link has sent all it was given.
func (ls links) drained() bool {
	for _, l := range ls {
		if len(l.pending) > 0 {
			return false
		}
	}
	return true
}

// free reports whether every link can send an item now. A finished link
// holds nothing back.
func (ls links) free() bool {
	for _, l := range ls {
		if l.finished {
			continue
		}
		if l.credit == 0 || len(l.pending) > 0 {
			return false
		}
	}
	return true
}

// finish marks the links to from finished: the node there takes no more
// items. It returns the items that waited on them for credit, which will
// never go: the node drops them.
func (ls links) finish(from *actor.PID) []media.Item {
	var dropped []media.Item
	for _, l := range ls {
		if l.to.Equal(from) && !l.finished {
			l.finished = true
			dropped = append(dropped, l.pending...)
			l.pending = nil
			l.held.Store(0)
		}
	}
	return dropped
}

// live counts the links whose node still takes items.
func (ls links) live() int {
	n := 0
	for _, l := range ls {
		if !l.finished {
			n++
		}
	}
	return n
}

// unneeded reports whether the node has outputs and every one of them is
// finished: nothing takes what the node gives, so it may stop making it (a
// source stops, a processor takes no more input). A sink, with no outputs,
// is never unneeded.
func (ls links) unneeded() bool { return len(ls) > 0 && ls.live() == 0 }
