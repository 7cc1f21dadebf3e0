package elements

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/gopline/gopline/media"
)

// handoff is an appQueue shared by goroutines: one side puts items in, the
// other takes them out, and either waits when it must (a full queue under
// OverflowBlock, an empty one), for as long as a context, the end of the
// hand-over or the pipeline's stop allow. It is the one place the app
// elements lock and wait.
type handoff[T media.Item] struct {
	mu    sync.Mutex
	q     appQueue[T]
	ended error           // set once: puts fail with it; takes drain what waits, then io.EOF
	stop  <-chan struct{} // the pipeline's Stopping, once attached
	ready chan struct{}   // cap 1: an item was queued, or stop was attached
	room  chan struct{}   // closed, and replaced, when an item is taken or stop attached
	done  chan struct{}   // closed at the end
}

// errStopping: the pipeline the hand-over is attached to began to stop
// while a put or a take waited. The owner says what that means.
var errStopping = errors.New("the pipeline is stopping")

// errEmpty: a take that does not wait found nothing.
var errEmpty = errors.New("nothing queued")

func newHandoff[T media.Item](size int, o Overflow) *handoff[T] {
	return &handoff[T]{q: newAppQueue[T](size, o), ready: make(chan struct{}, 1),
		room: make(chan struct{}), done: make(chan struct{})}
}

// attach watches stop (a pipeline's Env.Stopping) from now on, waking the
// waiters so that they watch it too.
func (h *handoff[T]) attach(stop <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stop = stop
	h.wakePutters()
	h.signal()
}

// put offers item (appQueue.put, again as there). With the queue full under OverflowBlock
// it returns ErrAppFull at once, or, with wait, waits for room until ctx is
// done (ctx.Err()), the hand-over ends (the end's error) or the pipeline
// stops (errStopping). With refuseAtStop it refuses the item once the
// pipeline stops, room or not (errStopping). The item is taken only when
// the result says so (queued, dropped or early).
func (h *handoff[T]) put(ctx context.Context, item T, again, wait, refuseAtStop bool) (putResult[T], error) {
	for ; ; again = true {
		h.mu.Lock()
		if h.ended != nil {
			err := h.ended
			h.mu.Unlock()
			return putResult[T]{}, err
		}
		if refuseAtStop && isClosed(h.stop) {
			h.mu.Unlock()
			return putResult[T]{}, errStopping
		}
		r := h.q.put(item, again)
		room, stop := h.room, h.stop
		if r.queued {
			h.signal()
		}
		h.mu.Unlock()
		if !r.full {
			return r, nil
		}
		if !wait {
			return r, ErrAppFull
		}
		select {
		case <-room:
		case <-h.done:
		case <-stop:
			return r, errStopping
		case <-ctx.Done():
			return r, ctx.Err()
		}
	}
}

// refuse counts an item as refused for room (appQueue.refused) that was
// refused before it reached the queue.
func (h *handoff[T]) refuse() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.q.refused = true
}

// take returns the oldest item. With none it returns io.EOF once the
// hand-over has ended, errEmpty without wait, and otherwise waits for one
// until ctx is done (ctx.Err()) or, with watchStop, the pipeline stops
// (errStopping).
func (h *handoff[T]) take(ctx context.Context, wait, watchStop bool) (T, error) {
	var zero T
	for {
		h.mu.Lock()
		it, ok := h.q.take()
		ended, stop := h.ended, h.stop
		if ok {
			h.wakePutters()
			if h.q.len() > 0 {
				h.signal() // for another taker
			}
		}
		h.mu.Unlock()
		switch {
		case ok:
			return it, nil
		case ended != nil:
			return zero, io.EOF
		case !wait:
			return zero, errEmpty
		}
		if !watchStop {
			stop = nil
		}
		select {
		case <-h.ready:
		case <-h.done:
		case <-stop:
			return zero, errStopping
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
}

// end ends the hand-over, once: puts fail with err from now on, and takes
// return what waits, then io.EOF. It reports whether this call ended it.
func (h *handoff[T]) end(err error) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended != nil {
		return false
	}
	h.ended = err
	close(h.done)
	return true
}

// drain takes every item that waits, for an owner that will never hand
// them on.
func (h *handoff[T]) drain() []T {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []T
	for it, ok := h.q.take(); ok; it, ok = h.q.take() {
		out = append(out, it)
	}
	return out
}

// endedBy is the error the hand-over ended with; nil while it goes on.
func (h *handoff[T]) endedBy() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ended
}

// queued is how many items wait.
func (h *handoff[T]) queued() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.q.len()
}

// signal tells a waiting taker that something changed; h.mu is held.
func (h *handoff[T]) signal() {
	select {
	case h.ready <- struct{}{}:
	default:
	}
}

// wakePutters tells every waiting putter that something changed; h.mu is
// held.
func (h *handoff[T]) wakePutters() {
	close(h.room)
	h.room = make(chan struct{})
}

// isClosed reports whether ch is closed; a nil channel never is.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
