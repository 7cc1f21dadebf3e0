package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/netnstest"
	"github.com/gopline/gopline/internal/testlog"
)

// A node on one host (a network namespace) is found by multicast DNS on
// another, which lists its topics and subscribes to one by name. Each has
// a host directory of its own: only multicast DNS joins them.
func TestDiscoveryAcrossNamespaces(t *testing.T) {
	pair := netnstest.New(t, "gopline-c", 215)
	inNS := func(ns string, args ...string) (*testlog.Buffer, *testlog.Buffer, func() error) {
		cmd := netnstest.Command(ns, os.Args[0], args...)
		cmd.Env = append(os.Environ(), "GOPLINE_TEST_MAIN=1", "XDG_RUNTIME_DIR="+filepath.Join(t.TempDir()))
		var stdout, stderr testlog.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return &stdout, &stderr, cmd.Wait
	}
	addr := pair.AddrA + ":7400"
	_, robotLog, _ := inNS(pair.A, "serve", "--listen", addr, "--name", "robot", "--duration", "60s",
		"testsrc size=64x48 rate=20 ! h264enc gop=10 ! publish topic=/robot/camera")

	deadline := time.Now().Add(30 * time.Second)
	for {
		stdout, stderr, wait := inNS(pair.B, "topics", "--json", "--listen", pair.AddrB+":0")
		err := wait()
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
	stdout, stderr, wait := inNS(pair.B, "run", "--listen", pair.AddrB+":0", "--duration", "3s", "--json", "subscribe topic=/robot/camera ! fakesink name=sink")
	if err := wait(); err != nil || sinkIn(t, stdout.String()) < 10 || !strings.Contains(stderr.String(), "node="+addr) {
		t.Fatalf("subscribing by name from the other host: %v: %s\n%s", err, stdout, stderr)
	}
}
