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

	"github.com/gopline/gopline/internal/netnstest"
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

// A node in one network namespace is found by a browse in another, by
// multicast DNS alone (each has a host directory of its own), at the
// address it announces.
func TestMDNSAcrossNamespaces(t *testing.T) {
	pair := netnstest.New(t, "gopline-d", 214)
	a, b, addrA := pair.A, pair.B, pair.AddrA
	child := func(ns, role string, env ...string) *exec.Cmd {
		cmd := netnstest.Command(ns, os.Args[0], "-test.run=^$")
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
