package rtsp

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

// A server that sends large packets faster than they are read cannot make
// the Reader hold more than queuedBytes of them: the connection waits.
func TestReaderBoundsTheBytesItHolds(t *testing.T) {
	r := &Reader{cfg: defaultConfig(), pkts: make(chan received, queuedPackets),
		drained: make(chan struct{}, 1), done: make(chan struct{})}
	sent := make(chan int, 1)
	go func() {
		n := 0
		for ; n < 1000; n++ {
			r.queue(&rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(n)}, Payload: make([]byte, 60000)})
			select {
			case <-r.done:
				sent <- n
				return
			default:
			}
		}
		sent <- n
	}()
	time.Sleep(300 * time.Millisecond)
	if q := r.queued.Load(); q > queuedBytes || len(r.pkts) > queuedBytes/60000 {
		t.Fatalf("%d bytes in %d packets wait; want at most %d bytes", q, len(r.pkts), queuedBytes)
	}
	close(r.done) // ends the wait
	if n := <-sent; n >= 1000 {
		t.Fatal("the connection never waited")
	}
}
