package discovery

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// childRole makes the test binary a child of the namespace test: it
// announces a node, or browses and prints what it found as JSON.
const childRole = "GOPLINE_DISCOVERY_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childRole) {
	case "announce":
		os.Exit(announceChild())
	case "browse":
		os.Exit(browseChild())
	}
	os.Exit(m.Run())
}

// announceChild announces the node named in the environment until its
// stdin closes, or a minute passes.
func announceChild() int {
	a, err := Announce(Config{Name: os.Getenv("NODE_NAME"), Addr: os.Getenv("NODE_ADDR"), HostDir: os.Getenv("NODE_DIR")})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	defer a.Close()
	if a.mdns == nil {
		fmt.Println("error: not announced with multicast DNS")
		return 1
	}
	fmt.Println("ready")
	done := make(chan struct{})
	go func() { bufio.NewReader(os.Stdin).ReadString('\n'); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
	}
	return 0
}

// browseChild browses for two seconds and prints the peers.
func browseChild() int {
	peers, err := Browse(context.Background(), Config{HostDir: os.Getenv("NODE_DIR"), BrowseTimeout: 2 * time.Second})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(peers)
	return 0
}

// netnsPair makes two network namespaces joined by a veth pair, each with
// a route for multicast on its end (without it a namespace has no
// interface to send 224.0.0.251 by), and removes them when the test ends.
// It skips the test where the machine does not allow it.
func netnsPair(t *testing.T) (a, b, addrA string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces (ip netns)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs the ip command (iproute2) to create network namespaces")
	}
	pid := os.Getpid()
	a, b = fmt.Sprintf("gopline-da-%d", pid), fmt.Sprintf("gopline-db-%d", pid)
	addrA, addrB := fmt.Sprintf("10.214.%d.1", pid%256), fmt.Sprintf("10.214.%d.2", pid%256)
	for _, ns := range []string{a, b} {
		if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
			t.Skipf("this machine does not allow network namespaces: %v: %s", err, out)
		}
		t.Cleanup(func() { exec.Command("ip", "netns", "delete", ns).Run() })
	}
	if out, err := exec.Command("ip", "-n", a, "link", "add", "gopline0", "type", "veth", "peer", "name", "gopline1", "netns", b).CombinedOutput(); err != nil {
		t.Skipf("this machine does not allow a veth pair between namespaces: %v: %s", err, out)
	}
	for _, c := range [][]string{
		{a, "addr", "add", addrA + "/24", "dev", "gopline0"}, {b, "addr", "add", addrB + "/24", "dev", "gopline1"},
		{a, "link", "set", "gopline0", "up"}, {b, "link", "set", "gopline1", "up"},
		{a, "link", "set", "lo", "up"}, {b, "link", "set", "lo", "up"},
		{a, "route", "add", "224.0.0.0/4", "dev", "gopline0"}, {b, "route", "add", "224.0.0.0/4", "dev", "gopline1"},
	} {
		args := append([]string{"-n", c[0]}, c[1:]...)
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return a, b, addrA
}

// A node in one network namespace is found by a browse in another, by
// multicast DNS alone (each has a host directory of its own), at the
// address it announces.
func TestMDNSAcrossNamespaces(t *testing.T) {
	a, b, addrA := netnsPair(t)
	child := func(ns, role string, env ...string) *exec.Cmd {
		cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), append(env, childRole+"="+role, "NODE_DIR="+filepath.Join(t.TempDir(), "nodes"))...)
		return cmd
	}
	ann := child(a, "announce", "NODE_NAME=robot-a", "NODE_ADDR="+addrA+":7400")
	stdin, _ := ann.StdinPipe()
	out, _ := ann.StdoutPipe()
	if err := ann.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); ann.Wait() }()
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("the announcing node: %q", line)
	}
	want := Peer{Name: "robot-a", Addr: addrA + ":7400"}
	var peers []Peer
	for range 3 { // a multicast datagram may be lost; browse again
		got, err := child(b, "browse").Output()
		if err != nil {
			t.Fatalf("browse: %v: %s", err, got)
		}
		if err := json.Unmarshal(got, &peers); err != nil {
			t.Fatalf("browse: %v: %s", err, got)
		}
		if len(peers) == 1 && peers[0] == want {
			return
		}
	}
	t.Fatalf("browse in the other namespace found %+v; want %+v", peers, want)
}
