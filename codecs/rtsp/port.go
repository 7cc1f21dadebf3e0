package rtsp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gopline/gopline/internal/rtpsender"
	"github.com/pion/rtp"
)

// portReadBuffer is the socket buffer asked for a port: a 1080p keyframe
// comes as a burst of a few hundred packets, more than the system's
// default holds while the reader is busy (the system may grant less).
const portReadBuffer = 4 << 20

// maxDatagram is the largest UDP payload, which one read takes whole.
const maxDatagram = 65535

// port is an rtp:// location's socket and what came to it.
type port struct {
	conn    *net.UDPConn
	payload uint8
	other   atomic.Int64 // packets of another payload type
	otherPT atomic.Int32 // the last such type
	// senders keeps the stream to the sender whose packet came first;
	// others counts those of other senders, left out.
	senders rtpsender.Gate
	others  atomic.Int64
}

// ListenRTP receives the H.264 an RTP sender sends to location,
// rtp://IP:PORT (0.0.0.0, or none as in rtp://:5000 or rtp://@:5000, for
// every interface; a multicast group is joined), as GStreamer's
// `rtph264pay config-interval=-1 ! udpsink host=IP port=PORT` sends it,
// without a session description. payload is the sender's payload type
// (0: 96, rtph264pay's): packets of another are left out, and named when
// nothing else came. It returns once the first packet came, an error
// wrapping ErrNothingArrived when none came within the timeout.
//
// The stream's keyframes must carry their SPS and PPS (nothing else can
// tell them): the third keyframe without them fails ReadPacket with
// paramsetwatch.ErrNoParameterSets, saying to set config-interval=-1. A
// sender that restarts (a new synchronization source) goes on as a new
// Epoch from its first keyframe.
func ListenRTP(location string, payload int, opts ...Option) (*Reader, error) {
	if payload == 0 {
		payload = 96
	}
	if payload < 0 || payload > 127 {
		return nil, fmt.Errorf("%w: RTP payload type %d (want 1..127)", ErrBadOption, payload)
	}
	addr, filter, err := portAddress(location)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrOpen, location, err)
	}
	return listen(location, addr, filter, uint8(payload), nil, nil, opts)
}

// listen receives at addr the RTP stream of H.264 on payload, from the
// first sender filter allows, whose parameter sets sps and pps are known
// out of band (or nil), calling it name in errors.
func listen(name string, addr *net.UDPAddr, filter rtpsender.Filter, payload uint8, sps, pps []byte, opts []Option) (*Reader, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.camera {
		return nil, fmt.Errorf("%w: the camera's clock is read from an RTSP session's sender reports, and %s is an RTP port", ErrBadOption, name)
	}
	var conn *net.UDPConn
	var err error
	if addr.IP.IsMulticast() {
		conn, err = rtpsender.ListenGroup(nil, addr, filter)
	} else {
		conn, err = net.ListenUDP("udp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrOpen, name, err)
	}
	_ = conn.SetReadBuffer(portReadBuffer)
	r := newReader(name, cfg)
	r.port = &port{conn: conn, payload: payload}
	r.port.senders.Filter = filter
	r.maker = newPacketMaker(&r.stats, sps, pps)
	r.sets.Off = len(sps) > 0 && len(pps) > 0 // out of band
	r.closeConn = func() { conn.Close() }
	first := make(chan struct{})
	go r.watch(func() error { return r.receive(first) })
	if err := r.awaitFirst(first); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// portAddress is the address an rtp:// location receives at, and the
// senders its query's sources= and block= allow (rtpsender.ParseFilter).
func portAddress(location string) (*net.UDPAddr, rtpsender.Filter, error) {
	scheme, rest, _ := strings.Cut(location, "://")
	rest, query, _ := strings.Cut(rest, "?")
	if !strings.EqualFold(scheme, "rtp") || strings.Contains(rest, "/") {
		return nil, rtpsender.Filter{}, fmt.Errorf("%w: an RTP location is rtp://IP:PORT, with sources= and block= alone after a '?'", ErrBadOption)
	}
	filter, err := rtpsender.ParseFilter(query)
	if err != nil {
		return nil, rtpsender.Filter{}, fmt.Errorf("%w: %w", ErrBadOption, err)
	}
	host, p, err := net.SplitHostPort(strings.TrimPrefix(rest, "@"))
	n, perr := strconv.Atoi(p)
	if err != nil || perr != nil || n <= 0 || n > 65535 {
		return nil, rtpsender.Filter{}, fmt.Errorf("%w: an RTP location is rtp://IP:PORT, the address and port the sender sends to", ErrBadOption)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return nil, rtpsender.Filter{}, fmt.Errorf("%w: %q is not an IP address; an RTP location is rtp://IP:PORT (0.0.0.0 for every interface)", ErrBadOption, host)
	}
	return &net.UDPAddr{IP: ip, Port: n}, filter, nil
}

// awaitFirst waits for the first packet of the payload type, the timeout
// or the stop.
func (r *Reader) awaitFirst(first <-chan struct{}) error {
	var timeout <-chan time.Time
	if r.cfg.timeout > 0 {
		t := time.NewTimer(r.cfg.timeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-first:
		return nil
	case <-r.ended:
		return fmt.Errorf("%w %q: %w", ErrOpen, r.shown, r.err)
	case <-r.cfg.stop:
		return fmt.Errorf("%w %q: stopped while waiting for its first packet", ErrOpen, r.shown)
	case <-timeout:
	}
	if n := r.port.other.Load(); n > 0 {
		pt := r.port.otherPT.Load()
		return fmt.Errorf("%w at %s: no RTP packet of payload type %d came for %v, but %d of payload type %d: "+
			"the sender's pt= is %d (payload=%d)", ErrNothingArrived, r.shown, r.port.payload, r.cfg.timeout, n, pt, pt, pt)
	}
	return fmt.Errorf("%w at %s: no RTP packet came for %v", ErrNothingArrived, r.shown, r.cfg.timeout)
}

// receive reads the port's datagrams until it is closed (Close, or the
// Reader's watch of its silence: see pace), closing first at the first
// packet of the payload type.
func (r *Reader) receive(first chan<- struct{}) error {
	buf := make([]byte, maxDatagram)
	began := false
	for {
		n, from, err := r.port.conn.ReadFromUDPAddrPort(buf)
		switch {
		case errors.Is(err, net.ErrClosed):
			return nil
		case err != nil:
			return err
		}
		var pkt rtp.Packet
		if pkt.Unmarshal(buf[:n]) != nil {
			continue // not RTP: nothing of the stream
		}
		if pkt.PayloadType != r.port.payload {
			r.port.other.Add(1)
			r.port.otherPT.Store(int32(pkt.PayloadType))
			continue
		}
		if !r.fromSender(from) {
			continue
		}
		if !began {
			began = true
			close(first)
		}
		r.queue(&pkt)
	}
}

// fromSender reports whether a packet from from is of the port's stream:
// the sender whose packet came first, of those the location's sources=
// and block= allow, is taken, and the packets of others are left out,
// counted, each sender named once (rtpsender.Gate).
func (r *Reader) fromSender(from netip.AddrPort) bool {
	take, name := r.port.senders.Take(from)
	if take {
		return true
	}
	r.port.others.Add(1)
	if name {
		r.log().Warn().Str("location", r.shown).Stringer("other_sender", rtpsender.Unmapped(from)).Msg(r.port.senders.LeftOut(from))
	}
	return false
}
