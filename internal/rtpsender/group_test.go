package rtpsender

import (
	"net"
	"testing"
	"time"
)

// multicastInterface returns an interface of this host that is up and
// multicast-capable, not the loopback, or skips the test.
func multicastInterface(t *testing.T) *net.Interface {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Skip(err)
	}
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagUp != 0 && ifi.Flags&net.FlagMulticast != 0 && ifi.Flags&net.FlagLoopback == 0 {
			return &ifi
		}
	}
	t.Skip("no multicast-capable interface but the loopback")
	return nil
}

// A group's socket takes its group's datagrams alone: not those of
// another group a socket of the host joined on the same port, nor those
// sent to the port's unicast address (two robots publishing to
// 239.7.7.1:P and 239.7.7.2:P took each other's packets).
func TestListenGroupTakesItsGroupAlone(t *testing.T) {
	ifi := multicastInterface(t)
	free, err := net.ListenUDP("udp4", &net.UDPAddr{})
	if err != nil {
		t.Fatal(err)
	}
	port := free.LocalAddr().(*net.UDPAddr).Port
	free.Close()
	one, two := net.IPv4(239, 7, 7, 1), net.IPv4(239, 7, 7, 2)
	a, err := ListenGroup(ifi, &net.UDPAddr{IP: one, Port: port}, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := ListenGroup(ifi, &net.UDPAddr{IP: two, Port: port}, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	send := func(to net.IP, what string) {
		c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: to, Port: port})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte(what)); err != nil {
			t.Fatal(err)
		}
	}
	read := func(c *net.UDPConn) string {
		buf := make([]byte, 64)
		_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, _, err := c.ReadFromUDP(buf)
		if err != nil {
			return ""
		}
		return string(buf[:n])
	}
	send(two, "to group 2")
	send(net.IPv4(127, 0, 0, 1), "to the port")
	send(one, "to group 1")
	if got := read(b); got != "to group 2" {
		t.Skipf("group 2's socket got %q: this host does not loop multicast back on %s", got, ifi.Name)
	}
	if got := read(a); got != "to group 1" {
		t.Fatalf("group 1's socket got %q first, want its own group's datagram", got)
	}
	if got := read(a); got != "" {
		t.Fatalf("group 1's socket got %q besides its own", got)
	}
}
