package ffmpeg

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loopbackPeer is a UDP socket of the loopback's, closed at the test's end.
func loopbackPeer(t *testing.T, ip string, port int) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readDatagram returns the next datagram of c, failing the test when none
// comes within d.
func readDatagram(t *testing.T, c *net.UDPConn, d time.Duration, what string) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 1500)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return string(buf[:n])
}

// The front hands FFmpeg's receiver, at the loopback's pair, the RTP of
// the port's sender and its RTCP, which comes to the port after it (RFC
// 3550), from a port of its own: FFmpeg reads the sender's reports (the
// stream's clock). An RTCP datagram of another host is left out, as its
// RTP is. Nothing listened at the next port: the sender's reports were
// lost, and the sender told that the port is closed.
func TestRTPFrontRelaysTheSendersRTCP(t *testing.T) {
	f, port := loopbackFront(t)
	f.releasePair() // for FFmpeg's receiver, played here
	toRTP, toRTCP := loopbackPeer(t, "127.0.0.1", f.port), loopbackPeer(t, "127.0.0.1", f.port+1)
	sendRTP, sendRTCP := loopbackPeer(t, "127.0.0.1", 0), loopbackPeer(t, "127.0.0.1", 0)
	to := func(p int) *net.UDPAddr { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p} }
	if _, err := sendRTP.WriteToUDP([]byte("rtp"), to(port)); err != nil {
		t.Fatal(err)
	}
	if got := readDatagram(t, toRTP, 5*time.Second, "the sender's RTP"); got != "rtp" {
		t.Fatalf("FFmpeg's receiver got %q, want the sender's RTP", got)
	}
	// Another host: 127.0.0.2, where the loopback has it (Linux: its /8).
	if other, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)}); err == nil {
		_, _ = other.WriteToUDP([]byte("another host's rtcp"), to(port+1))
		other.Close()
	} else {
		t.Logf("no other host on the loopback (%v): its RTCP is not tried", err)
	}
	if _, err := sendRTCP.WriteToUDP([]byte("rtcp"), to(port+1)); err != nil {
		t.Fatal(err)
	}
	if got := readDatagram(t, toRTCP, 5*time.Second, "the sender's RTCP"); got != "rtcp" {
		t.Fatalf("FFmpeg's RTCP port got %q, want the sender's RTCP", got)
	}
}

// failingSocket is a socket whose every read fails, counted.
type failingSocket struct{ reads atomic.Int64 }

func (s *failingSocket) ReadFromUDPAddrPort([]byte) (int, netip.AddrPort, error) {
	s.reads.Add(1)
	return 0, netip.AddrPort{}, errors.New("recvfrom: no buffer space available")
}

// A socket whose reads fail in a row is read less and less often, not in
// a loop that spins a core, and the front's close ends the wait. The
// error is told once, with its count, not at each read: a stream lost
// after timeout= to an error that never clears says why.
func TestRTPFrontSpacesTheReadsOfASocketThatFails(t *testing.T) {
	var told []string
	var mu sync.Mutex
	f := &rtpFront{stop: make(chan struct{}), failed: func(err error, count uint64) {
		mu.Lock()
		defer mu.Unlock()
		told = append(told, fmt.Sprintf("%v (%d)", err, count))
	}}
	in := &failingSocket{}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		f.relay(in, io.Discard, func(netip.AddrPort) bool { return true })
	}()
	time.Sleep(300 * time.Millisecond)
	close(f.stop)
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the relay did not end at the front's close")
	}
	// 1, 2, 4, ... ms apart: about 9 reads in 300 ms.
	if n := in.reads.Load(); n > 20 {
		t.Fatalf("%d reads of a failing socket in 300 ms", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(told) != 1 || told[0] != "recvfrom: no buffer space available (1)" {
		t.Fatalf("the failing reads were told %q, want once, with their error", told)
	}
}

// A localaddr= that is not an address, or not the address of an interface
// of this host, fails naming it, as does a unicast location's address
// that is none of this host's (the sender's, written by mistake).
func TestRTPFrontRefusesALocaladdrThatIsNoInterfacesAddress(t *testing.T) {
	for _, c := range []struct {
		host, localaddr, want string
	}{
		{"127.0.0.1", "robot1", `localaddr="robot1" is not an IP address`},
		{"239.255.70.9", "robot1", `localaddr="robot1" is not an IP address`},
		{"239.255.70.9", "192.0.2.77", "localaddr=192.0.2.77 is the address of no interface of this host"},
		// A unicast port bound at an address this host does not have: said
		// so, not that the port is taken.
		{"127.0.0.1", "192.0.2.77", "localaddr=192.0.2.77 is the address of no interface of this host"},
		{"192.0.2.78", "", "192.0.2.78 is the address of no interface of this host: an rtp:// location names the address it receives at"},
	} {
		at := frontOf{location: "rtp://" + c.host + ":5000", host: c.host, port: 5000, localaddr: c.localaddr}
		f, err := startRTPFront(at, func(netip.AddrPort, string) {}, func(error, uint64) {})
		if err == nil {
			f.close()
		}
		if !errors.Is(err, ErrBadOption) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s with localaddr=%s: %v; want ErrBadOption saying %q", c.host, c.localaddr, err, c.want)
		}
	}
}

// The pair of loopback ports chosen for FFmpeg's receiver is held by the
// front from its start until FFmpeg binds it: another process cannot take
// it in between but for the instant of the handover (which rtppair.go
// covers), where it was free for it from the choice on.
func TestRTPFrontHoldsFFmpegsPairUntilItBinds(t *testing.T) {
	f, _ := loopbackFront(t)
	for _, p := range []int{f.port, f.port + 1} {
		if c, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
			c.Close()
			t.Fatalf("another process could take port %d of FFmpeg's receiver's pair before it bound it", p)
		}
	}
	f.releasePair()
	loopbackPeer(t, "127.0.0.1", f.port)
	loopbackPeer(t, "127.0.0.1", f.port+1)
}

// loopbackFront starts a front of the port of a free pair of loopback
// ports, which it returns, that names and warns of nothing; the test's end
// closes it.
func loopbackFront(t *testing.T) (*rtpFront, int) {
	t.Helper()
	port, err := freeLoopbackPair()
	if err != nil {
		t.Fatal(err)
	}
	at := frontOf{location: "rtp://127.0.0.1:" + strconv.Itoa(port), host: "127.0.0.1", port: port}
	f, err := startRTPFront(at, func(netip.AddrPort, string) {}, func(error, uint64) {})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.close)
	return f, port
}
