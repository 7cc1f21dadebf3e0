package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/netnstest"
	"github.com/gopline/gopline/internal/testlog"
)

// A node on one host (a network namespace) is found by multicast DNS on
// another, which lists its topics and subscribes to one by name. Each has
// a host directory of its own: only multicast DNS joins them.
func TestDiscoveryAcrossNamespaces(t *testing.T) {
	t.Parallel()
	pair := netnstest.New(t, "gopline-c", 215)
	inNS := namespaceRunner(t)
	addr := pair.AddrA + ":7400"
	_, _, robotLog := inNS(pair.A, "serve", "--listen", addr, "--name", "robot", "--duration", helperLifetime,
		"testsrc size=64x48 rate=20 ! h264enc gop=10 ! publish topic=/robot/camera")

	deadline := time.Now().Add(loadedWait)
	for {
		list, stdout, stderr := inNS(pair.B, "topics", "--json", "--listen", pair.AddrB+":0")
		err := list.Wait()
		var nodes []struct {
			Node   string `json:"node"`
			Addr   string `json:"addr"`
			Topics []struct {
				Topic string `json:"topic"`
			} `json:"topics"`
		}
		if err == nil && json.Unmarshal([]byte(stdout.String()), &nodes) == nil && len(nodes) == 1 && nodes[0].Node == "robot" &&
			nodes[0].Addr == addr && len(nodes[0].Topics) == 1 && nodes[0].Topics[0].Topic == "/robot/camera" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other host does not find the robot: %v: %s\n%s\nrobot:\n%s", err, stdout, stderr, robotLog)
		}
		time.Sleep(500 * time.Millisecond)
	}
	sub, stdout, stderr := inNS(pair.B, "run", "--listen", pair.AddrB+":0", "--duration", helperLifetime, "--json",
		"subscribe topic=/robot/camera ! "+loggingSink)
	code := stopGopline(t, sub, stderr, func() bool { return sinkTook(stderr.String(), 10) }, syscall.SIGINT)
	if code != 0 || sinkIn(t, stdout.String()) < 10 || !strings.Contains(stderr.String(), "remote="+addr) {
		t.Fatalf("subscribing by name from the other host: exit %d: %s\n%s", code, stdout, stderr)
	}
}

// A node on another host (a network namespace) is listed and subscribed to
// by its address without --listen: the answers come back to the address of
// this host's route to it, not to loopback, where they would be lost.
func TestRemoteOfAnotherHostWithoutListen(t *testing.T) {
	t.Parallel()
	pair := netnstest.New(t, "gopline-r", 216)
	inNS := namespaceRunner(t)
	addr := pair.AddrA + ":7400"
	_, _, robotLog := inNS(pair.A, "serve", "--listen", addr, "--no-mdns", "--duration", helperLifetime,
		"testsrc size=64x48 rate=20 ! h264enc gop=10 ! publish topic=/robot/camera")

	for deadline := time.Now().Add(loadedWait); ; {
		list, stdout, stderr := inNS(pair.B, "topics", "--no-mdns", "--remote", addr, "--json")
		err := list.Wait()
		if err == nil && strings.Contains(stdout.String(), `"/robot/camera"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other host cannot list the robot's topics: %v: %s\n%s\nrobot:\n%s", err, stdout, stderr, robotLog)
		}
		time.Sleep(500 * time.Millisecond)
	}
	sub, stdout, stderr := inNS(pair.B, "run", "--no-mdns", "--duration", helperLifetime, "--json",
		"subscribe topic=/robot/camera remote="+addr+" ! "+loggingSink)
	code := stopGopline(t, sub, stderr, func() bool { return sinkTook(stderr.String(), 10) }, syscall.SIGINT)
	if code != 0 || sinkIn(t, stdout.String()) < 10 || !strings.Contains(stderr.String(), pair.AddrB+":0") {
		t.Fatalf("subscribing from the other host: exit %d: %s\n%s", code, stdout, stderr)
	}
}

// namespaceRunner starts gopline in a network namespace, each process with
// a host directory of its own, and kills it when the test ends; it returns
// the process (ip netns exec runs gopline in its place) and its outputs.
func namespaceRunner(t *testing.T) func(ns string, args ...string) (*exec.Cmd, *testlog.Buffer, *testlog.Buffer) {
	return func(ns string, args ...string) (*exec.Cmd, *testlog.Buffer, *testlog.Buffer) {
		cmd := netnstest.Command(ns, os.Args[0], args...)
		cmd.Env = append(os.Environ(), "GOPLINE_TEST_MAIN=1", "XDG_RUNTIME_DIR="+t.TempDir())
		var stdout, stderr testlog.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd, &stdout, &stderr
	}
}
