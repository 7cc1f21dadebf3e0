package ffmpeg

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/rs/zerolog"
)

// takePort binds the loopback's UDP port for the length of the test, as
// another process would.
func takePort(t *testing.T, port int) {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Errorf("taking port %d: %v", port, err)
		return
	}
	t.Cleanup(func() { c.Close() })
}

// Another process that takes the pair of loopback ports the front chose
// for FFmpeg's receiver, before FFmpeg binds it, no longer fails the
// open with FFmpeg's "Invalid data found when processing input": the
// Reader sees the pair taken, says so, and opens again with another.
func TestRTPReaderOpensAgainWhenItsReceiversPortIsTakenInBetween(t *testing.T) {
	for _, next := range []int{0, 1} { // the RTP port of the pair, or its RTCP port
		t.Run("port+"+strconv.Itoa(next), func(t *testing.T) {
			port, from := freeRTPPort(t), freeRTPPort(t)
			ffmpegJPEGSender(t, "testsrc", port, from)
			var chosen []int
			log := &testlog.Buffer{}
			stop := make(chan struct{})
			defer close(stop)
			r, err := openRTP(t, "rtp://127.0.0.1:"+strconv.Itoa(port), WithStop(stop), WithRTPSession(0, "jpeg"),
				WithReaderLogger(zerolog.New(log)), withBeforeReceiverBinds(func(pair int) {
					if chosen = append(chosen, pair); len(chosen) == 1 {
						takePort(t, pair+next)
					}
				}))
			if err != nil {
				t.Fatalf("%v (pairs chosen %v)", err, chosen)
			}
			defer r.Close()
			readFrames(t, r, 5, 160, 120)
			taken := "port " + strconv.Itoa(chosen[0]+next)
			if len(chosen) != 2 || chosen[1] == chosen[0] || !strings.Contains(log.String(), taken) {
				t.Fatalf("pairs chosen %v; want a second, and the log to name the %s taken:\n%s", chosen, taken, log.String())
			}
		})
	}
}

// A pair taken at every try fails the open after receiverPairTries,
// naming the last port taken and why, not as a sender's fault.
func TestRTPReaderWhoseReceiversPortsAreAlwaysTakenSaysSo(t *testing.T) {
	port := freeRTPPort(t)
	tries := 0
	_, err := OpenReader("rtp://127.0.0.1:"+strconv.Itoa(port), WithIOTimeout(time.Second),
		withBeforeReceiverBinds(func(pair int) { tries++; takePort(t, pair) }))
	if !errors.Is(err, ErrOpen) || !errors.Is(err, errReceiverPairTaken) || tries != receiverPairTries ||
		!strings.Contains(err.Error(), "taken by another process") {
		t.Fatalf("%d tries: %v; want %d, and ErrOpen saying the receiver's port was taken", tries, err, receiverPairTries)
	}
}
