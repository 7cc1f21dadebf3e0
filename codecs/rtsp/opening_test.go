package rtsp

import (
	"errors"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
)

// A client that fails to start ends the watch of its opening, which would
// otherwise close it at the timeout, though it never started (the RTSP
// client's Close panics then).
func TestAClientThatFailsToStartEndsTheWatchOfItsOpening(t *testing.T) {
	cfg := defaultConfig()
	cfg.timeout = time.Minute
	r := newReader("rtsp://camera/stream", cfg)
	r.client = &gortsplib.Client{WriteQueueSize: 3} // not a power of two: Start2 fails
	if err := r.startClient(); !errors.Is(err, ErrOpen) {
		t.Fatalf("%v; want ErrOpen", err)
	}
	r.opening.mu.Lock()
	watching := r.opening.timer != nil
	r.opening.mu.Unlock()
	r.opening.over() // for the test's end
	if watching {
		t.Fatal("the opening is still watched")
	}
}
