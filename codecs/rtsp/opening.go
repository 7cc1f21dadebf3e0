package rtsp

import (
	"sync"
	"time"
)

// openingWatch bounds each wait of a session's opening (the connection,
// then each request's answer) by the timeout, ending the connection when
// one takes longer. The RTSP client's own read timeout would bound the
// stream's silence as well, which the Reader bounds by the camera's pace
// instead (pace), so the client is given none.
//
// Its methods are safe for concurrent use: the RTSP client's goroutine
// says when a request goes out and an answer comes.
type openingWatch struct {
	mu    sync.Mutex
	timer *time.Timer // nil once the opening is over, or with no timeout
	fired bool
}

// watchOpening starts the watch of an opening that ends the connection
// with end after timeout without progress; 0 watches nothing.
func watchOpening(timeout time.Duration, end func()) *openingWatch {
	w := &openingWatch{}
	if timeout > 0 {
		w.timer = time.AfterFunc(timeout, func() {
			w.mu.Lock()
			fired := w.timer != nil
			w.fired = fired
			w.mu.Unlock()
			if fired {
				end()
			}
		})
	}
	return w
}

// progress says that a request went out or an answer came: the timeout
// counts anew, while the opening lasts.
func (w *openingWatch) progress(timeout time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer != nil && !w.fired {
		w.timer.Reset(timeout)
	}
}

// over ends the watch, and reports whether it ended the connection.
func (w *openingWatch) over() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	return w.fired
}
