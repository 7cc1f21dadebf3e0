// Package netnstest makes two network namespaces joined by a veth pair for
// tests: two hosts on one /24, each with a route for multicast on its end
// of the link (without it a namespace has no interface to send multicast
// DNS by), and nothing of either in the test's own namespace.
package netnstest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// VethA and VethB name the ends of the link, in A and in B.
const (
	VethA = "gopline0"
	VethB = "gopline1"
)

// Pair is two network namespaces joined by a veth pair.
type Pair struct {
	A, B         string // namespace names
	AddrA, AddrB string // their addresses on the link, without the prefix length
}

// New makes the namespaces, named after prefix and the process id, and
// removes them when the test ends. It skips the test where the machine
// does not allow it: not root, no ip command, no namespaces or veth pairs.
// octet picks the link's subnet, 10.octet.x.0/24, apart from other tests'.
func New(t *testing.T, prefix string, octet int) *Pair {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces (ip netns)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs the ip command (iproute2) to create network namespaces")
	}
	pid := os.Getpid()
	p := &Pair{A: fmt.Sprintf("%s-a-%d", prefix, pid), B: fmt.Sprintf("%s-b-%d", prefix, pid),
		AddrA: fmt.Sprintf("10.%d.%d.1", octet, pid%256), AddrB: fmt.Sprintf("10.%d.%d.2", octet, pid%256)}
	for _, ns := range []string{p.A, p.B} {
		if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
			t.Skipf("this machine does not allow network namespaces: ip netns add %s: %v: %s", ns, err, out)
		}
		t.Cleanup(func() { exec.Command("ip", "netns", "delete", ns).Run() })
	}
	if out, err := exec.Command("ip", "-n", p.A, "link", "add", VethA, "type", "veth", "peer", "name", VethB, "netns", p.B).CombinedOutput(); err != nil {
		t.Skipf("this machine does not allow a veth pair between namespaces: %v: %s", err, out)
	}
	for _, c := range [][]string{
		{p.A, "addr", "add", p.AddrA + "/24", "dev", VethA}, {p.B, "addr", "add", p.AddrB + "/24", "dev", VethB},
		{p.A, "link", "set", VethA, "up"}, {p.B, "link", "set", VethB, "up"},
		{p.A, "link", "set", "lo", "up"}, {p.B, "link", "set", "lo", "up"},
		{p.A, "route", "add", "224.0.0.0/4", "dev", VethA}, {p.B, "route", "add", "224.0.0.0/4", "dev", VethB},
	} {
		args := append([]string{"-n", c[0]}, c[1:]...)
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return p
}

// Command is name with args run inside namespace ns (ip netns exec execs
// it: the process is the command's own, and killing it ends it).
func Command(ns, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns, name}, args...)...)
}
