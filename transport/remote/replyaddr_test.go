package remote

import (
	"errors"
	"net"
	"strings"
	"testing"
)

// routes is a host's routing table for replyAddr: the local address of the
// route to each peer; a peer not in it has no route.
func routes(local map[string]string) func(string) (net.IP, error) {
	return func(peer string) (net.IP, error) {
		ip, ok := local[peer]
		if !ok {
			return nil, errors.New("no route to host")
		}
		return net.ParseIP(ip), nil
	}
}

func TestReplyAddrIsReachedByThePeers(t *testing.T) {
	table := routes(map[string]string{
		"127.0.0.1:7400":     "127.0.0.1",
		"[::1]:7400":         "::1",
		"10.0.0.5:7400":      "10.0.0.9",
		"10.0.0.6:7400":      "10.0.0.9",
		"192.168.1.20:7400":  "192.168.1.4",
		"robot.local:7400":   "10.0.0.9",
		"10.0.0.9:7400":      "10.0.0.9", // this host's own address
		"[fd00::5]:7400":     "fd00::9",
		"unspecified.x:7400": "0.0.0.0",
	})
	for _, c := range []struct {
		peers []string
		want  string
	}{
		{nil, "127.0.0.1:0"},
		{[]string{"127.0.0.1:7400"}, "127.0.0.1:0"},
		{[]string{"[::1]:7400", "127.0.0.1:7400"}, "127.0.0.1:0"},
		{[]string{"10.0.0.5:7400"}, "10.0.0.9:0"},
		{[]string{"robot.local:7400"}, "10.0.0.9:0"},
		// A peer on this host reaches the host's other addresses too.
		{[]string{"127.0.0.1:7400", "10.0.0.5:7400"}, "10.0.0.9:0"},
		{[]string{"10.0.0.5:7400", "10.0.0.6:7400", "10.0.0.9:7400"}, "10.0.0.9:0"},
		{[]string{"[fd00::5]:7400"}, "[fd00::9]:0"},
		// A peer without a route is its link's to report.
		{[]string{"nowhere.invalid:7400", "10.0.0.5:7400"}, "10.0.0.9:0"},
		{[]string{"nowhere.invalid:7400"}, "127.0.0.1:0"},
		{[]string{"unspecified.x:7400"}, "127.0.0.1:0"},
	} {
		got, err := replyAddr(c.peers, table)
		if err != nil || got != c.want {
			t.Errorf("replyAddr(%q) = %q, %v; want %q", c.peers, got, err, c.want)
		}
	}
}

func TestReplyAddrRefusesPeersReachedFromTwoAddresses(t *testing.T) {
	table := routes(map[string]string{"10.0.0.5:7400": "10.0.0.9", "192.168.1.20:7400": "192.168.1.4"})
	got, err := replyAddr([]string{"10.0.0.5:7400", "192.168.1.20:7400"}, table)
	if err == nil || !strings.Contains(err.Error(), "10.0.0.9 and 192.168.1.4") {
		t.Fatalf("replyAddr = %q, %v; want an error naming both addresses", got, err)
	}
}

func TestReplyAddrOfThisHost(t *testing.T) {
	got, err := ReplyAddr("127.0.0.1:7400", "localhost:7400")
	if err != nil || got != "127.0.0.1:0" {
		t.Fatalf("ReplyAddr of loopback peers = %q, %v; want 127.0.0.1:0", got, err)
	}
	ip, err := localAddrTo("192.0.2.1:7400") // TEST-NET-1: routed by a default route, if any
	if err != nil {
		t.Skipf("no route off this host: %v", err)
	}
	want := net.JoinHostPort(ip.String(), "0")
	if ip.IsLoopback() {
		want = "127.0.0.1:0"
	}
	got, err = ReplyAddr("192.0.2.1:7400")
	if err != nil || got != want {
		t.Fatalf("ReplyAddr(192.0.2.1:7400) = %q, %v; want %q", got, err, want)
	}
	l, err := net.Listen("tcp", got)
	if err != nil {
		t.Fatalf("cannot listen at the reply address %s: %v", got, err)
	}
	l.Close()
}
