package ffmpeg

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/netnstest"
	"github.com/gopline/gopline/internal/rtpsender"
)

// frontNetnsRole makes the test binary one end of the multicast test in
// its namespace: "receive" (the fronts) or "send" (the other robot).
const frontNetnsRole = "GOPLINE_RTPFRONT_NETNS"

// The multicast group of the test, and its two ports: the first sender's,
// and sources='s.
const (
	frontGroup         = "239.255.70.1"
	frontGroupPort     = 5004
	frontSourcesPort   = 5006
	frontBlockPort     = 5010
	frontNetnsTestName = "TestRTPFrontKeepsAMulticastGroupToOneSender"
)

// Two robots publishing to one multicast group: FFmpeg's receiver took
// both, their packets mixed into one broken stream. The front takes the
// first sender's alone, naming the other once. With sources= (and
// localaddr=, the interface to join the group on) it takes the sender
// named, whose packets came second, and with block= the one not blocked:
// the group is joined for them alone, as FFmpeg joins it, so that the
// system hands it no other's packets. The hosts are two network
// namespaces joined by a veth pair (the loopback carries no multicast).
func TestRTPFrontKeepsAMulticastGroupToOneSender(t *testing.T) {
	switch os.Getenv(frontNetnsRole) {
	case "receive":
		receiveGroupChild(t, os.Getenv("ADDR_A"), os.Getenv("ADDR_B"))
		return
	case "send":
		sendGroupChild(t, "b")
		return
	}
	pair := netnstest.New(t, "gopline-f", 217)
	recv := netnstest.StartChild(t, pair.A, frontNetnsTestName, netnsEnv(pair, "receive")...)
	recv.WaitFor("ready")
	if got, err := netnstest.ChildCommand(pair.B, frontNetnsTestName, netnsEnv(pair, "send")...).CombinedOutput(); err != nil {
		t.Fatalf("the other robot's sender: %v: %s", err, got)
	}
	recv.Finish()
}

// netnsEnv is the environment of the test binary running role in a
// namespace of pair.
func netnsEnv(pair *netnstest.Pair, role string) []string {
	return []string{frontNetnsRole + "=" + role, "ADDR_A=" + pair.AddrA, "ADDR_B=" + pair.AddrB}
}

// sendGroupChild sends payload to both ports of the group, a few times.
func sendGroupChild(t *testing.T, payload string) {
	c, err := net.ListenUDP("udp4", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 5 {
		for _, port := range []int{frontGroupPort, frontSourcesPort, frontBlockPort} {
			if _, err := c.WriteToUDP([]byte(payload), &net.UDPAddr{IP: net.ParseIP(frontGroup), Port: port}); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// receiveGroupChild runs the fronts of the group in namespace A, whose
// own sender, a, sends first; it says "ready" once a's packets came, and
// checks what came of b's once its stdin closes.
func receiveGroupChild(t *testing.T, addrA, addrB string) {
	var mu sync.Mutex
	named := map[int][]string{}
	start := func(port int, filter rtpsender.Filter, localaddr string) (*rtpFront, *net.UDPConn) {
		at := frontOf{location: fmt.Sprintf("rtp://%s:%d", frontGroup, port), host: frontGroup, port: port, filter: filter, localaddr: localaddr}
		f, err := startRTPFront(at, func(other netip.AddrPort, why string) {
			mu.Lock()
			defer mu.Unlock()
			named[port] = append(named[port], why)
		}, func(err error, _ uint64) { t.Errorf("port %d: %v", port, err) })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(f.close)
		f.releasePair()
		return f, loopbackPeer(t, "127.0.0.1", f.port)
	}
	_, first := start(frontGroupPort, rtpsender.Filter{}, "")
	pinned, err := rtpsender.ParseFilter("sources=" + addrB)
	if err != nil {
		t.Fatal(err)
	}
	sourced, second := start(frontSourcesPort, pinned, addrA)
	blocking, err := rtpsender.ParseFilter("block=" + addrA)
	if err != nil {
		t.Fatal(err)
	}
	blocked, third := start(frontBlockPort, blocking, "")
	sendGroupChild(t, "a")
	if got := readDatagram(t, first, 5*time.Second, "the first sender's packet"); got != "a" {
		t.Fatalf("the group's port handed FFmpeg %q, want the first sender's", got)
	}
	fmt.Println("ready")
	netnstest.AwaitParent() // the other robot sent
	for _, c := range []struct {
		conn *net.UDPConn
		f    *rtpFront
		what string
	}{{second, sourced, "sources=" + addrB}, {third, blocked, "block=" + addrA}} {
		if got := readDatagram(t, c.conn, 5*time.Second, "the packet of the sender "+c.what+" allows"); got != "b" {
			t.Fatalf("the port given %s handed FFmpeg %q, want %s's", c.what, got, addrB)
		}
		if n := c.f.others.Load(); n != 0 {
			t.Errorf("the port given %s was handed %d packets of %s: the group was joined for every host", c.what, n, addrA)
		}
	}
	_ = first.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	buf := make([]byte, 100)
	for {
		n, err := first.Read(buf)
		if err != nil {
			break
		}
		if string(buf[:n]) != "a" {
			t.Fatalf("the group's port handed FFmpeg the second sender's %q", buf[:n])
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if w := named[frontGroupPort]; len(w) != 1 || !strings.Contains(w[0], addrB) || !strings.Contains(w[0], "came first") {
		t.Errorf("the second sender on the group's port was named %q, want once, as the one whose packet came second", w)
	}
}
