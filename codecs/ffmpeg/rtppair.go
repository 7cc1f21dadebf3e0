package ffmpeg

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/asticode/go-astiav"
)

// An rtp:// Reader's front (rtpFront) chooses a free pair of loopback
// ports for FFmpeg's receiver and holds it, but must let go of it for
// FFmpeg to bind it as it opens: another process may take one in that
// instant. FFmpeg then says it only in a log line
// ("bind failed") and fails the open with "Invalid data found when
// processing input". The Reader tells that collision apart by finding the
// pair taken once FFmpeg let it go, and OpenReader opens again with
// another pair, up to receiverPairTries times, warning of each.

// receiverPairTries is how many pairs an rtp:// Reader tries for FFmpeg's
// receiver: a collision is rare, three in a row a port-hungry host.
const receiverPairTries = 3

// errReceiverPairTaken is the error of an rtp:// Reader whose receiver's
// loopback pair another process took before FFmpeg bound it.
var errReceiverPairTaken = errors.New("taken by another process before FFmpeg's receiver bound it")

// receiverPairTaken returns the error of an open that failed with err
// because the front's pair was taken, nil when it was not that.
func (r *Reader) receiverPairTaken(err error) error {
	if r.rtp == nil || r.rtp.front == nil || !errors.Is(err, astiav.ErrInvaliddata) {
		return nil
	}
	// The RTCP port first: FFmpeg's receiver, failing to bind it, keeps
	// the RTP port it bound (FFmpeg's rtp protocol does not close it),
	// which is then taken, though by FFmpeg.
	port := r.rtp.front.port
	for _, p := range []int{port + 1, port} {
		c, lerr := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if lerr != nil {
			return fmt.Errorf("%w %q: the loopback's UDP port %d, chosen for FFmpeg's receiver, was %w: %w",
				ErrOpen, r.shown, p, errReceiverPairTaken, err)
		}
		c.Close()
	}
	return nil
}

// withBeforeReceiverBinds has f called with the front's pair just before
// FFmpeg's receiver binds it: the tests take the pair there.
func withBeforeReceiverBinds(f func(port int)) ReaderOption {
	return func(c *readerConfig) error { c.beforeReceiverBinds = f; return nil }
}
