package ffmpeg

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopline/gopline/internal/rtpsender"
)

// rtpFrontBuffer is the socket buffer asked for the front's port, as
// gopline's own RTP reader asks for its port: a keyframe comes as a burst
// of packets (the system may grant less).
const rtpFrontBuffer = 4 << 20

// firstReadWait and lastReadWait bound the waits between the reads of a
// socket whose reads fail in a row (none is expected of a bound UDP
// socket): from a millisecond, doubling, to a second, so that an error
// that lasts does not spin a core, and one that passes loses little.
const (
	firstReadWait = time.Millisecond
	lastReadWait  = time.Second
)

// rtpFront receives a unicast rtp:// location's port in FFmpeg's stead,
// and hands FFmpeg's receiver, at a port of the loopback, the datagrams of
// the sender whose packet came first (rtpsender.Gate): FFmpeg's receiver
// takes every sender's, and a second sender on the same port (another
// robot sending to the wrong port, a host that should not send there)
// would have its packets interleaved with the first one's. The packets of
// others are left out, counted and each sender named once (named).
// The port after the location's, where an RTP sender sends its RTCP (RFC
// 3550), is received too, and the RTCP of the sender's host handed to
// FFmpeg's RTCP port (the next of its pair): FFmpeg reads the sender's
// reports from it, as when it received the port itself.
// A multicast group's port is FFmpeg's, as before: its senders are the
// group's.
type rtpFront struct {
	rtp, rtcp     *net.UDPConn   // the location's port and the next; rtcp nil at port 65535
	toRTP, toRTCP *net.UDPConn   // FFmpeg's receiver's pair
	port          int            // FFmpeg's, on the loopback; RTCP's is the next
	gate          rtpsender.Gate // the RTP relay's
	// sender is the host of the sender the gate took, once one came: its
	// RTCP is relayed, from whichever port it sends it.
	sender atomic.Pointer[netip.Addr]
	others atomic.Int64
	named  func(other, sender netip.AddrPort)
	stop   chan struct{} // closed by close
	relays sync.WaitGroup
}

// startRTPFront receives at host:port, and host:port+1 for RTCP, for a
// receiver it gives a pair of ports of the loopback (rtpFront.port),
// calling named for each other sender once. A port that is taken is an
// error that names it, as location's.
func startRTPFront(location, host string, port int, named func(other, sender netip.AddrPort)) (*rtpFront, error) {
	f := &rtpFront{named: named, stop: make(chan struct{})}
	var err error
	if f.rtp, err = listenPort(location, host, port, "its port"); err != nil {
		return nil, err
	}
	_ = f.rtp.SetReadBuffer(rtpFrontBuffer)
	if port < 65535 {
		if f.rtcp, err = listenPort(location, host, port+1, rtcpPortIs); err != nil {
			f.closeSockets()
			return nil, err
		}
	}
	if f.port, err = freeLoopbackPair(); err != nil {
		f.closeSockets()
		return nil, fmt.Errorf("%w %q: no pair of free UDP ports on the loopback for FFmpeg's receiver: %w", ErrOpen, location, err)
	}
	loopback := func(port int) (*net.UDPConn, error) {
		return net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	}
	if f.toRTP, err = loopback(f.port); err == nil {
		f.toRTCP, err = loopback(f.port + 1)
	}
	if err != nil {
		f.closeSockets()
		return nil, fmt.Errorf("%w %q: %w", ErrOpen, location, err)
	}
	f.relays.Add(1)
	go func() { defer f.relays.Done(); f.relay(f.rtp, f.toRTP, f.takeRTP) }()
	if f.rtcp != nil {
		f.relays.Add(1)
		go func() { defer f.relays.Done(); f.relay(f.rtcp, f.toRTCP, f.takeRTCP) }()
	}
	return f, nil
}

// rtcpPortIs is what the port after an rtp:// location's is, in the error
// of one that is taken.
const rtcpPortIs = "the next port, which FFmpeg's RTP receiver takes for RTCP"

// listenPort binds location's host:port, what the port is to the stream,
// or returns the error that names it taken.
func listenPort(location, host string, port int, what string) (*net.UDPConn, error) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(host), Port: port})
	if err != nil {
		return nil, portTaken(location, what, port, err)
	}
	return c, nil
}

// portTaken is the error of an rtp:// location whose port, or the next,
// another process holds.
func portTaken(location, what string, port int, err error) error {
	return fmt.Errorf("%w %q: %s, %d, is taken: %w (stop what listens there, or have the sender send to another port)",
		ErrOpen, location, what, port, err)
}

// datagrams is what a relay reads: a UDP socket.
type datagrams interface {
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
}

// relay hands out the datagrams of in that take takes until in is closed
// or the front is. Reads that fail in a row are spaced (firstReadWait);
// a datagram refused on the way (an ICMP error) costs nothing.
func (f *rtpFront) relay(in datagrams, out io.Writer, take func(from netip.AddrPort) bool) {
	buf := make([]byte, 65535)
	var wait time.Duration
	for {
		n, from, err := in.ReadFromUDPAddrPort(buf)
		switch {
		case errors.Is(err, net.ErrClosed):
			return
		case err != nil:
			wait = min(max(2*wait, firstReadWait), lastReadWait)
			select {
			case <-time.After(wait):
			case <-f.stop:
				return
			}
			continue
		}
		wait = 0
		if take(from) {
			_, _ = out.Write(buf[:n]) // FFmpeg's receiver not there yet, or gone: lost, as on the network
		}
	}
}

// takeRTP reports whether an RTP datagram from from is the stream's: its
// sender's, the first to come; another's is counted, and named once.
// Only the RTP relay calls it.
func (f *rtpFront) takeRTP(from netip.AddrPort) bool {
	take, name := f.gate.Take(from)
	if take {
		if f.sender.Load() == nil {
			host := f.gate.Sender().Addr()
			f.sender.Store(&host)
		}
		return true
	}
	f.others.Add(1)
	if name {
		f.named(from, f.gate.Sender())
	}
	return false
}

// takeRTCP reports whether an RTCP datagram from from is the stream's:
// from its sender's host, once its first RTP packet came. Another host's
// is left out, neither counted nor named: its RTP is, or it sends none.
func (f *rtpFront) takeRTCP(from netip.AddrPort) bool {
	host := f.sender.Load()
	return host != nil && from.Addr().Unmap() == *host
}

// close ends the front and waits for its goroutines.
func (f *rtpFront) close() {
	close(f.stop)
	f.closeSockets()
	f.relays.Wait()
}

// closeSockets closes the front's sockets that are open.
func (f *rtpFront) closeSockets() {
	for _, c := range []*net.UDPConn{f.rtp, f.rtcp, f.toRTP, f.toRTCP} {
		if c != nil {
			c.Close()
		}
	}
}

// freeLoopbackPair returns an even UDP port of the loopback that is free,
// with the one after it, which FFmpeg's RTP receiver takes for RTCP.
func freeLoopbackPair() (int, error) {
	for range 100 {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		if port%2 != 0 || port > 65534 {
			continue
		}
		if c2, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port+1)); err == nil {
			c2.Close()
			return port, nil
		}
	}
	return 0, errors.New("none found in 100 tries")
}
