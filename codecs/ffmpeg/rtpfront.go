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
	"syscall"
	"time"

	"github.com/gopline/gopline/internal/lograte"
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

// readErrorWarnEvery bounds the warnings of a front's socket whose reads
// fail: the first is said at once, then at most one in this interval,
// each with how many reads failed since (lograte).
const readErrorWarnEvery = 30 * time.Second

// rtpFront receives an rtp:// location's port in FFmpeg's stead, and
// hands FFmpeg's receiver, at a port of the loopback, the datagrams of
// the sender whose packet came first (rtpsender.Gate) among those the
// location's sources= and block= allow: FFmpeg's receiver takes every
// sender's, and a second sender on the same port or group (another robot
// sending to the wrong port or publishing to the same group, a host that
// should not send there) would have its packets interleaved with the
// first one's. The packets of others are left out, counted and each
// sender named once (named).
// The port after the location's, where an RTP sender sends its RTCP (RFC
// 3550), is received too, and the RTCP of the sender's host handed to
// FFmpeg's RTCP port (the next of its pair): FFmpeg reads the sender's
// reports from it, as when it received the port itself.
type rtpFront struct {
	rtp, rtcp     *net.UDPConn     // the location's port and the next; rtcp nil at port 65535
	toRTP, toRTCP *net.UDPConn     // FFmpeg's receiver's pair
	port          int              // FFmpeg's, on the loopback; RTCP's is the next
	heldPair      []net.PacketConn // port and the next, bound until releasePair
	gate          rtpsender.Gate   // the RTP relay's
	// sender is the host of the sender the gate took, once one came: its
	// RTCP is relayed, from whichever port it sends it.
	sender atomic.Pointer[netip.Addr]
	others atomic.Int64
	named  func(other netip.AddrPort, why string)
	// failed is told of a read of the location's sockets that failed,
	// with how many failed since it was last told (lograte).
	failed func(err error, count uint64)
	stop   chan struct{} // closed by close
	relays sync.WaitGroup
}

// frontOf is where an rtpFront receives: the location's address and port,
// the hosts it takes (sources=, block=), and localaddr=, the interface a
// multicast group is joined on or the address a unicast port is received
// at, as FFmpeg's receiver takes it ("" for the system's choice).
type frontOf struct {
	location  string
	host      string
	port      int
	filter    rtpsender.Filter
	localaddr string
}

// startRTPFront receives at at's port, and the next for RTCP, for a
// receiver it gives a pair of ports of the loopback (rtpFront.port),
// calling named for each other sender once, and failed, rate-limited, for
// a read that fails. A unicast port that is taken is an error that names
// it, as location's; a multicast group's port may be shared.
func startRTPFront(at frontOf, named func(other netip.AddrPort, why string), failed func(error, uint64)) (*rtpFront, error) {
	f := &rtpFront{named: named, failed: failed, stop: make(chan struct{})}
	f.gate.Filter = at.filter
	var err error
	if f.rtp, err = listenPort(at, at.port, "its port"); err != nil {
		return nil, err
	}
	_ = f.rtp.SetReadBuffer(rtpFrontBuffer)
	if at.port < 65535 {
		if f.rtcp, err = listenPort(at, at.port+1, rtcpPortIs); err != nil {
			f.closeSockets()
			return nil, err
		}
	}
	if f.port, f.heldPair, err = holdLoopbackPair(); err != nil {
		f.closeSockets()
		return nil, fmt.Errorf("%w %q: no pair of free UDP ports on the loopback for FFmpeg's receiver: %w", ErrOpen, at.location, err)
	}
	loopback := func(port int) (*net.UDPConn, error) {
		return net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	}
	if f.toRTP, err = loopback(f.port); err == nil {
		f.toRTCP, err = loopback(f.port + 1)
	}
	if err != nil {
		f.closeSockets()
		return nil, fmt.Errorf("%w %q: %w", ErrOpen, at.location, err)
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

// listenPort binds port of at, what the port is to the stream, or
// returns the error that names it taken: at a multicast group, joined on
// the interface whose address is at.localaddr (else the system's choice)
// for the hosts at.filter allows (rtpsender.ListenGroup);
// at a unicast address, at.localaddr's if given, as FFmpeg's receiver
// binds it.
func listenPort(at frontOf, port int, what string) (*net.UDPConn, error) {
	ip := net.ParseIP(at.host)
	if ip.IsMulticast() {
		ifi, err := interfaceOf(at.localaddr)
		if err != nil {
			return nil, fmt.Errorf("%w %q: %w", ErrOpen, at.location, err)
		}
		c, err := rtpsender.ListenGroup(ifi, &net.UDPAddr{IP: ip, Port: port}, at.filter)
		if err != nil {
			return nil, fmt.Errorf("%w %q: cannot join the group at %s, %d: %w", ErrOpen, at.location, what, port, err)
		}
		return c, nil
	}
	if at.localaddr != "" {
		if ip = net.ParseIP(at.localaddr); ip == nil {
			return nil, fmt.Errorf("%w %q: %w: localaddr=%q is not an IP address (the address of the interface to receive at)",
				ErrOpen, at.location, ErrBadOption, at.localaddr)
		}
	}
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip, Port: port})
	switch {
	case errors.Is(err, syscall.EADDRNOTAVAIL) && at.localaddr != "":
		return nil, fmt.Errorf("%w %q: %w: localaddr=%s is the address of no interface of this host (ip addr lists them): %w",
			ErrOpen, at.location, ErrBadOption, at.localaddr, err)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return nil, fmt.Errorf("%w %q: %w: %s is the address of no interface of this host: an rtp:// location names the address "+
			"it receives at (0.0.0.0 for every interface), not the sender's: %w", ErrOpen, at.location, ErrBadOption, ip, err)
	case err != nil:
		return nil, portTaken(at.location, what, port, err)
	}
	return c, nil
}

// interfaceOf is the interface whose address is localaddr, nil for "".
func interfaceOf(localaddr string) (*net.Interface, error) {
	if localaddr == "" {
		return nil, nil
	}
	ip := net.ParseIP(localaddr)
	if ip == nil {
		return nil, fmt.Errorf("%w: localaddr=%q is not an IP address (the address of the interface to join the group on)", ErrBadOption, localaddr)
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	for i := range ifaces {
		addrs, _ := ifaces[i].Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
				return &ifaces[i], nil
			}
		}
	}
	return nil, fmt.Errorf("%w: localaddr=%s is the address of no interface of this host (ip addr lists them)", ErrBadOption, localaddr)
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
// or the front is. Reads that fail in a row are spaced (firstReadWait),
// and told of to f.failed, rate-limited: an error that never clears would
// otherwise show only as the stream lost after timeout=. A datagram
// refused on the way (an ICMP error) costs nothing.
func (f *rtpFront) relay(in datagrams, out io.Writer, take func(from netip.AddrPort) bool) {
	buf := make([]byte, 65535)
	var wait time.Duration
	warns := lograte.Limiter{Interval: readErrorWarnEvery}
	for {
		n, from, err := in.ReadFromUDPAddrPort(buf)
		switch {
		case errors.Is(err, net.ErrClosed):
			return
		case err != nil:
			if ok, count := warns.Allow(time.Now()); ok && f.failed != nil {
				f.failed(err, count)
			}
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
		f.named(from, f.gate.LeftOut(from))
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
	f.releasePair()
}

// freeLoopbackPair returns an even UDP port of the loopback that is free,
// with the one after it, which FFmpeg's RTP receiver takes for RTCP.
func freeLoopbackPair() (int, error) {
	port, held, err := holdLoopbackPair()
	for _, c := range held {
		c.Close()
	}
	return port, err
}

// holdLoopbackPair returns an even UDP port of the loopback and the one
// after it, bound, for the caller to let go of as late as it can.
func holdLoopbackPair() (int, []net.PacketConn, error) {
	for range 100 {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return 0, nil, err
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		if port%2 != 0 || port > 65534 {
			c.Close()
			continue
		}
		if c2, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port+1)); err == nil {
			return port, []net.PacketConn{c, c2}, nil
		}
		c.Close()
	}
	return 0, nil, errors.New("none found in 100 tries")
}

// releasePair lets go of FFmpeg's receiver's pair, which the front holds
// from its start so that no other process takes it: just before FFmpeg
// binds it, the window in which another could left as short as it can be
// (rtppair.go opens again with another pair if one did).
func (f *rtpFront) releasePair() {
	for _, c := range f.heldPair {
		c.Close()
	}
	f.heldPair = nil
}
