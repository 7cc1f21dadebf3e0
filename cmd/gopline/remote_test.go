package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testlog"
)

// gopline runs each node in a process of its own, as users do: the test
// starts both with the test binary standing in for gopline.
// Its outputs may be read while it runs.
func startGopline(t *testing.T, args ...string) (*exec.Cmd, *testlog.Buffer, *testlog.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = goplineEnv(t)
	var stdout, stderr testlog.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stdout, &stderr
}

// freeAddr returns a loopback address that nothing listens on, for a
// gopline process to listen on once it has started. Its port is below the
// kernel's ephemeral range, so that neither a socket bound to port 0 nor
// an outgoing connection of the tests running meanwhile takes it in the
// time the process takes to start (a port of that range did, and the
// process failed with "address already in use").
func freeAddr(t *testing.T) string {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 11000 {
				low = n
			}
		}
	}
	for range 100 {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 10000+rand.IntN(low-10000)))
		if err == nil {
			addr := l.Addr().String()
			l.Close()
			return addr
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// A robot serves its camera; an operator in another process lists the
// topics, joins late, decodes from its first packet on, and records.
func TestServeTopicsAndRemoteSubscribe(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	addr := freeAddr(t)
	// The robot serves until the test kills it: on a loaded machine the
	// three processes of the test may take seconds each to start.
	robot, _, robotLog := startGopline(t, "serve", "--listen", addr, "--name", "robot", "--duration", helperLifetime,
		"testsrc size=160x120 rate=30 ! h264enc gop=30 ! publish topic=/robot/camera")
	defer robot.Process.Kill()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the robot does not listen:\n%s", robotLog)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the operator joins mid-GOP

	list, stdout, stderr := startGopline(t, "topics", "--remote", addr, "--json")
	if err := list.Wait(); err != nil {
		t.Fatalf("topics: %v\n%s", err, stderr)
	}
	var topics []struct {
		Topic     string  `json:"topic"`
		Node      string  `json:"node"`
		QoS       string  `json:"qos"`
		Published uint64  `json:"published"`
		Rate      float64 `json:"rate_hz"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &topics); err != nil || len(topics) != 1 ||
		topics[0].Topic != "/robot/camera" || topics[0].Node != "robot" || topics[0].QoS != "durable_video" || topics[0].Published == 0 ||
		topics[0].Rate < 15 || topics[0].Rate > 45 {
		t.Fatalf("topics %+v (%v): %s", topics, err, stdout)
	}

	// Listed as text, each topic names its node, as topic info does.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"topics", "--remote", addr}, "robot  /robot/camera  durable_video"},
		{[]string{"topic", "info", "--remote", addr, "/robot/camera"}, "node:        robot (" + addr + ")"},
	} {
		if code, out, errOut := goplineProcess(t, c.args...); code != 0 || !strings.Contains(out, c.want) {
			t.Fatalf("gopline %v: exit %d, no %q in\n%s%s", c.args, code, c.want, out, errOut)
		}
	}

	rec := t.TempDir() + "/op.gopline"
	// A second of pictures wanted, in 4 s that include connecting.
	op, stdout, stderr := startGopline(t, "run", "--duration", "4s", "--json",
		"subscribe topic=/robot/camera remote="+addr+" ! tee name=t ! gate ! h264dec name=dec ! fakesink  t. ! record path="+rec)
	if err := op.Wait(); err != nil {
		t.Fatalf("operator: %v\n%s", err, stderr)
	}
	var stats []nodeStats
	if err := json.Unmarshal([]byte(stdout.String()), &stats); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	for _, s := range stats {
		if s.Node == "dec" && (s.Out < 30 || s.Errors != 0) {
			t.Fatalf("the operator's decoder: %+v\n%s", s, stderr)
		}
		if s.Node == "gate0" && s.Dropped != 0 {
			t.Fatalf("the gate dropped packets: the remote stream was not decodable: %+v", s)
		}
	}
	code, out, errOut := runCmd("info", rec)
	if code != 0 || !strings.Contains(out+errOut, "h264") {
		t.Fatalf("the operator's recording: exit %d\n%s%s", code, out, errOut)
	}
}

func TestRemoteFlagsAreChecked(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "subscribe topic=/cam remote=nowhere ! fakesink"}, `want host:port`},
		{[]string{"serve", "--listen", ""}, "needs --listen"},
		{[]string{"run", "--tls-cert", "a.pem", "testsrc ! fakesink"}, "TLS needs"},
		{[]string{"run", "--tls-allow", "viewer", "testsrc ! fakesink"}, "TLS needs"},
		{[]string{"run", "--tls-allow", "viewer,", "testsrc ! fakesink"}, `an empty value in "viewer,"`},
	} {
		code, _, stderr := runCmd(c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("gopline %v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, exitUsage, c.want)
		}
	}
}

// waitLog waits until log holds want, or fails the test after a minute.
func waitLog(t *testing.T, log *testlog.Buffer, want, who string) {
	t.Helper()
	if !log.Await(want, time.Minute) {
		t.Fatalf("%s never logged %q:\n%s", who, want, log)
	}
}

// A robot's node restarted (systemctl restart: SIGTERM, then a new
// process) does not end the streams of its remote subscribers, a viewer and
// a recorder: they are told their publisher is lost, and resume when it is
// back.
func TestRemoteSubscribersOutliveARestartOfTheirNode(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	addr := freeAddr(t)
	line := "testsrc size=160x120 rate=30 ! h264enc gop=30 ! publish topic=/cam"
	robot, _, robotLog := startGopline(t, "serve", "--listen", addr, "--no-mdns", line)
	defer robot.Process.Kill()
	viewer, _, viewerLog := startGopline(t, "run", "--no-mdns", "subscribe topic=/cam remote="+addr+" ! fakesink")
	defer viewer.Process.Kill()
	rec, _, recLog := startGopline(t, "record", "--no-mdns", "--topic", "/cam", "--out", t.TempDir()+"/r.gopline",
		"subscribe topic=/cam remote="+addr+" ! publish topic=/cam")
	defer rec.Process.Kill()
	waitLog(t, viewerLog, "remote: subscribed", "the viewer")
	waitLog(t, recLog, "remote: subscribed", "the recorder")

	if err := robot.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := robot.Wait(); err != nil {
		t.Fatalf("the robot's node: %v\n%s", err, robotLog)
	}
	waitLog(t, viewerLog, "liveliness_lost", "the viewer")
	waitLog(t, recLog, "liveliness_lost", "the recorder")
	again, _, againLog := startGopline(t, "serve", "--listen", addr, "--no-mdns", line)
	defer again.Process.Kill()
	waitLog(t, viewerLog, "liveliness_regained", "the viewer")
	waitLog(t, recLog, "liveliness_regained", "the recorder")
	viewer.Process.Signal(syscall.SIGINT)
	if err := viewer.Wait(); err != nil {
		t.Fatalf("the viewer: %v\n%s\nthe robot:\n%s", err, viewerLog, againLog)
	}
}
