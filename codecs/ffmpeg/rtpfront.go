package ffmpeg

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync/atomic"

	"github.com/gopline/gopline/internal/rtpsender"
)

// rtpFrontBuffer is the socket buffer asked for the front's port, as
// gopline's own RTP reader asks for its port: a keyframe comes as a burst
// of packets (the system may grant less).
const rtpFrontBuffer = 4 << 20

// rtpFront receives a unicast rtp:// location's port in FFmpeg's stead,
// and hands FFmpeg's receiver, at a port of the loopback, the datagrams of
// the sender whose packet came first (rtpsender.Gate): FFmpeg's receiver
// takes every sender's, and a second sender on the same port (another
// robot sending to the wrong port, a host that should not send there)
// would have its packets interleaved with the first one's. The packets of
// others are left out, counted and each sender named once (named).
// A multicast group's port is FFmpeg's, as before: its senders are the
// group's.
type rtpFront struct {
	in, out *net.UDPConn
	port    int // FFmpeg's, on the loopback; RTCP's is the next
	gate    rtpsender.Gate
	others  atomic.Int64
	named   func(other, sender netip.AddrPort)
	done    chan struct{}
}

// startRTPFront receives at host:port for a receiver it gives a port of
// the loopback (rtpFront.port), calling named for each other sender once.
// A port that is taken is an error that names it, as location's.
func startRTPFront(location, host string, port int, named func(other, sender netip.AddrPort)) (*rtpFront, error) {
	in, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(host), Port: port})
	if err != nil {
		return nil, fmt.Errorf("%w %q: its port, %d, is taken: %w (stop what listens there, or have the sender send to another port)",
			ErrOpen, location, port, err)
	}
	_ = in.SetReadBuffer(rtpFrontBuffer)
	to, err := freeLoopbackPair()
	if err != nil {
		in.Close()
		return nil, fmt.Errorf("%w %q: no pair of free UDP ports on the loopback for FFmpeg's receiver: %w", ErrOpen, location, err)
	}
	out, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: to})
	if err != nil {
		in.Close()
		return nil, fmt.Errorf("%w %q: %w", ErrOpen, location, err)
	}
	f := &rtpFront{in: in, out: out, port: to, named: named, done: make(chan struct{})}
	go f.run()
	return f, nil
}

// run hands on the stream's datagrams until the front is closed.
func (f *rtpFront) run() {
	defer close(f.done)
	buf := make([]byte, 65535)
	for {
		n, from, err := f.in.ReadFromUDPAddrPort(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue // a datagram refused on the way (an ICMP error): the next
		}
		take, name := f.gate.Take(from)
		if !take {
			f.others.Add(1)
			if name {
				f.named(from, f.gate.Sender())
			}
			continue
		}
		_, _ = f.out.Write(buf[:n]) // FFmpeg's receiver not there yet, or gone: lost, as on the network
	}
}

// close ends the front and waits for its goroutine.
func (f *rtpFront) close() {
	f.in.Close()
	<-f.done
	f.out.Close()
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
