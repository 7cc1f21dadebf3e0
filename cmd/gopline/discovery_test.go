package main

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testlog"
)

// isolateDiscovery gives the processes that t and its subtests start
// (startGopline) an XDG_RUNTIME_DIR, and so a host directory, of their
// own, which it returns: with --no-mdns they find each other, and nothing
// of other tests, which may run beside t.
func isolateDiscovery(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	runtimeDirs.Store(t.Name(), dir)
	t.Cleanup(func() { runtimeDirs.Delete(t.Name()) })
	return dir
}

// runtimeDirs holds the XDG_RUNTIME_DIR that isolateDiscovery gave each
// test, by the test's name.
var runtimeDirs sync.Map

// goplineEnv is the environment of a gopline process that t starts: this
// test binary's, as gopline (see TestMain), in the XDG_RUNTIME_DIR that
// isolateDiscovery gave t or the test it is a subtest of, if any.
func goplineEnv(t *testing.T) []string {
	env := append(os.Environ(), "GOPLINE_TEST_MAIN=1")
	for name := t.Name(); ; {
		if dir, ok := runtimeDirs.Load(name); ok {
			return append(env, "XDG_RUNTIME_DIR="+dir.(string))
		}
		i := strings.LastIndex(name, "/")
		if i < 0 {
			return env
		}
		name = name[:i]
	}
}

// helperLifetime bounds a node a test starts beside it, as --duration.
const helperLifetime = "300s"

// serveCamera starts a node that serves a test camera of 20 frames a
// second on topic, named name, and waits until it listens. The test's
// cleanup ends it; its --duration only bounds one left behind by a test
// binary that crashed, and is far longer than a test on a loaded machine
// takes (TestTopicsFoundByName took 71 s on one, against 25 s on a quiet
// one).
func serveCamera(t *testing.T, name, topic string, extra ...string) string {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"serve", "--listen", addr, "--no-mdns", "--name", name, "--duration", helperLifetime}, extra...)
	srv, _, log := startGopline(t, append(args, "testsrc size=64x48 rate=20 ! h264enc gop=10 ! publish topic="+topic)...)
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	waitListening(t, addr, log)
	if slices.Contains(extra, "--tls-make") {
		return addr // a client needs the certificates the node makes
	}
	var creds []string
	if i := slices.Index(extra, "--token"); i >= 0 && i+1 < len(extra) {
		creds = extra[i : i+2]
	}
	waitPublishing(t, addr, topic, log, creds...)
	return addr
}

// waitPublishing waits until the node at addr lists topic, asked with
// creds (--token T): it listens, and is announced, before its pipeline
// starts, and a test that finds its topics by name must not look before
// they are there.
func waitPublishing(t *testing.T, addr, topic string, log *testlog.Buffer, creds ...string) {
	t.Helper()
	for deadline := time.Now().Add(loadedWait); ; time.Sleep(50 * time.Millisecond) {
		_, stdout, _ := goplineProcess(t, append([]string{"topics", "--remote", addr, "--json"}, creds...)...)
		if strings.Contains(stdout, `"topic": "`+topic+`"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node at %s does not list %s:\n%s\n%s", addr, topic, stdout, log)
		}
	}
}

func waitListening(t *testing.T, addr string, log *testlog.Buffer) {
	t.Helper()
	deadline := time.Now().Add(loadedWait)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node does not listen at %s:\n%s", addr, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// goplineProcess runs gopline in a process of its own and returns its exit code
// and output.
func goplineProcess(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd, out, errOut := startGopline(t, args...)
	err := cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String(), errOut.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errOut.String()
}

// A node that serves is found by name: its topics listed with their
// format, its topic measured, echoed and described, subscribed to and
// recorded, all without its address.
// publishedRate is the rate at which topic's node says it publishes it
// (gopline topics --json), the camera's of serveCamera at most 20 Hz.
func publishedRate(t *testing.T, topic string) float64 {
	t.Helper()
	code, stdout, stderr := goplineProcess(t, "topics", "--no-mdns", "--json")
	var nodes []struct {
		Topics []struct {
			Topic string  `json:"topic"`
			Rate  float64 `json:"rate_hz"`
		} `json:"topics"`
	}
	if err := json.Unmarshal([]byte(stdout), &nodes); code != 0 || err != nil {
		t.Fatalf("topics: exit %d, %v: %s\n%s", code, err, stdout, stderr)
	}
	for _, n := range nodes {
		for _, tp := range n.Topics {
			if tp.Topic == topic && tp.Rate > 0 {
				return tp.Rate
			}
		}
	}
	t.Fatalf("topics lists no rate of %s: %s", topic, stdout)
	return 0
}

// A listing whose nodes found all fail to answer (a node still announced
// that no longer serves) says why for each and fails; one node that
// answers beside it is a listing.
func TestTopicsFailsWhenNoNodeFoundAnswers(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(isolateDiscovery(t), "gopline", "nodes") // the HostDir of its processes
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ns, _ := os.Readlink("/proc/self/ns/net")
	gone, _ := json.Marshal(map[string]any{"node": "gone", "addr": freeAddr(t), "pid": os.Getpid(), "netns": ns})
	if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(os.Getpid())+".node"), gone, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := goplineProcess(t, "topics", "--no-mdns")
	if code != 1 || !strings.Contains(stdout, "gone (") || !strings.Contains(stdout, "did not answer") ||
		!strings.Contains(stderr, "none of the 1 node found answered") {
		t.Fatalf("a listing of a node that does not answer: exit %d: %s\n%s", code, stdout, stderr)
	}
	serveCamera(t, "robot", "/robot/camera")
	if code, stdout, stderr = goplineProcess(t, "topics", "--no-mdns"); code != 0 || !strings.Contains(stdout, "/robot/camera") {
		t.Fatalf("a listing with one node answering: exit %d: %s\n%s", code, stdout, stderr)
	}
}

func TestTopicsFoundByName(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	addr := serveCamera(t, "robot", "/robot/camera")

	code, stdout, stderr := goplineProcess(t, "topics", "--no-mdns", "--json")
	var nodes []struct {
		Node   string `json:"node"`
		Addr   string `json:"addr"`
		Topics []struct {
			Topic      string   `json:"topic"`
			Codec      string   `json:"codec"`
			Width      int      `json:"width"`
			Publishers []string `json:"publisher_names"`
		} `json:"topics"`
	}
	if err := json.Unmarshal([]byte(stdout), &nodes); code != 0 || err != nil || len(nodes) != 1 || nodes[0].Node != "robot" ||
		nodes[0].Addr != addr || len(nodes[0].Topics) != 1 || nodes[0].Topics[0].Topic != "/robot/camera" ||
		nodes[0].Topics[0].Codec != "h264" || nodes[0].Topics[0].Width != 64 || len(nodes[0].Topics[0].Publishers) != 1 {
		t.Fatalf("topics: exit %d, %v: %s\n%s", code, err, stdout, stderr)
	}

	if code, stdout, _ = goplineProcess(t, "__complete", "topic", "hz", "/ro"); code != 0 || !strings.HasPrefix(stdout, "/robot/camera\n") {
		t.Fatalf("completion of a topic's name: exit %d: %q", code, stdout)
	}

	// Each watch is stopped once it said what it measured, however long a
	// loaded machine takes to start it and find the node: hz once it gave
	// three rates (a second apart), bw its first.
	rate := regexp.MustCompile(`average rate: ([0-9.]+)`)
	code, stdout, stderr = goplineUntil(t, func(stdout, _ string) bool { return len(rate.FindAllString(stdout, 3)) == 3 },
		"topic", "hz", "--no-mdns", "--duration", helperLifetime, "/robot/camera")
	rates := rate.FindAllStringSubmatch(stdout, -1)
	if code != 0 || len(rates) == 0 {
		t.Fatalf("topic hz: exit %d: %s\n%s", code, stdout, stderr)
	}
	// The camera is another process: on a loaded machine it publishes
	// below its 20 Hz, so hz is held to the rate its node measured.
	published := publishedRate(t, "/robot/camera")
	if r, _ := strconv.ParseFloat(rates[len(rates)-1][1], 64); r < published/1.5 || r > published*1.5 || !strings.Contains(stdout, "std dev:") {
		t.Fatalf("topic hz of a camera its node says publishes at %.1f Hz says %v:\n%s", published, r, stdout)
	}

	bandwidth := regexp.MustCompile(`[0-9.]+ kB/s from [0-9]+ packets\n\tpacket size mean: `)
	code, stdout, stderr = goplineUntil(t, func(stdout, _ string) bool { return bandwidth.MatchString(stdout) },
		"topic", "bw", "--no-mdns", "--duration", helperLifetime, "/robot/camera")
	if code != 0 || !bandwidth.MatchString(stdout) {
		t.Fatalf("topic bw: exit %d: %s\n%s", code, stdout, stderr)
	}

	code, stdout, stderr = goplineProcess(t, "topic", "echo", "--no-mdns", "--once", "--json", "/robot/camera")
	var line struct {
		Seq, GOP uint64
		Key      bool
		Bytes    int
	}
	if err := json.Unmarshal([]byte(stdout), &line); code != 0 || err != nil || !line.Key || line.Seq != line.GOP || line.Bytes == 0 ||
		strings.Count(stdout, "\n") != 1 {
		t.Fatalf("topic echo --once: exit %d, %v: %q\n%s", code, err, stdout, stderr)
	}

	code, stdout, stderr = goplineProcess(t, "topic", "info", "--no-mdns", "/robot/camera")
	for _, want := range []string{"node:        robot (" + addr + ")", "format:      h264 64x48", "qos:         durable_video", "cache:       1 GOP(s)", "publishers:  1\n  - "} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Fatalf("topic info: exit %d, no %q:\n%s\n%s", code, want, stdout, stderr)
		}
	}
	code, _, stderr = goplineProcess(t, "topic", "info", "--no-mdns", "/robot/camra")
	if code != 1 || !strings.Contains(stderr, "no node has the topic /robot/camra; topics: /robot/camera (did you mean /robot/camera?)") {
		t.Fatalf("topic info of a typo: exit %d: %s", code, stderr)
	}
	code, _, stderr = goplineProcess(t, "topic", "info", "--no-mdns", "/Robot/Camera")
	if code != 1 || !strings.Contains(stderr, "(did you mean /robot/camera?)") {
		t.Fatalf("topic info of a name in other case: exit %d: %s", code, stderr)
	}
	// Stopped once it warned, 3 s into its watch, however long it took to
	// start.
	unpublished := "no publisher offers /ROBOT/CAMERA after 3s; published: /robot/camera (did you mean /robot/camera?)"
	code, _, stderr = goplineUntil(t, func(_, stderr string) bool { return strings.Contains(stderr, unpublished) },
		"topic", "hz", "--no-mdns", "--duration", helperLifetime, "/ROBOT/CAMERA")
	if code != 1 || !strings.Contains(stderr, unpublished) {
		t.Fatalf("topic hz of a name in other case: exit %d: %s", code, stderr)
	}
	// Ended by --duration before the warning, it still says it got nothing.
	code, _, stderr = goplineProcess(t, "topic", "hz", "--no-mdns", "--duration", "1s", "/Robot/Camera")
	if code != 1 || !strings.Contains(stderr, "got nothing: no publisher of /Robot/Camera was found (watched for ") || !strings.Contains(stderr, "(did you mean /robot/camera?)") {
		t.Fatalf("topic hz of a name in other case, for 1 s: exit %d: %s", code, stderr)
	}

	code, stdout, stderr = goplineUntil(t, func(_, stderr string) bool { return sinkTook(stderr, 10) },
		"run", "--no-mdns", "--duration", helperLifetime, "--json", "subscribe topic=/robot/camera ! "+loggingSink)
	if code != 0 || !strings.Contains(stderr, "subscribing to the topic of the node that publishes it") || sinkIn(t, stdout) < 10 {
		t.Fatalf("run, subscribing by name: exit %d: %s\n%s", code, stdout, stderr)
	}

	rec := t.TempDir() + "/cam.gopline"
	code, stdout, stderr = goplineProcess(t, "record", "--no-mdns", "--topic", "/robot/camera", "--out", rec, "--duration", "3s")
	if code != 0 || !strings.Contains(stderr, "/robot/camera   h264  64x48") {
		t.Fatalf("record of another node's topic: exit %d: %s\n%s", code, stdout, stderr)
	}
}

// sinkIn is what the node named sink took in, from run --json's stats.
func sinkIn(t *testing.T, stdout string) uint64 {
	var stats []nodeStats
	if err := json.Unmarshal([]byte(stdout), &stats); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	for _, s := range stats {
		if s.Node == "sink" {
			return s.In
		}
	}
	return 0
}

// A recording played with --listen is served to another process, which
// finds it by name.
func TestPlayListenServesAnotherProcess(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	rec := t.TempDir() + "/cam.gopline"
	if code, _, stderr := goplineProcess(t, "record", "--topic", "/camera", "--out", rec, "--duration", "2s",
		"testsrc size=64x48 rate=20 ! h264enc gop=10 ! publish topic=/camera"); code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	addr := freeAddr(t)
	player, _, log := startGopline(t, "play", rec, "--listen", addr, "--no-mdns", "--name", "player", "--loop", "--duration", helperLifetime)
	t.Cleanup(func() { player.Process.Kill(); player.Wait() })
	waitListening(t, addr, log)
	code, stdout, stderr := goplineProcess(t, "run", "--no-mdns", "--duration", "3s", "--json", "subscribe topic=/camera ! gate ! h264dec ! fakesink name=sink")
	if code != 0 || sinkIn(t, stdout) < 10 {
		t.Fatalf("a subscriber of the played topic: exit %d: %s\n%s\nplayer:\n%s", code, stdout, stderr, log)
	}
	// The player still runs; its stderr reaches log through the goroutine
	// exec copies it with, which may not have copied the line yet.
	waitLog(t, log, "served at "+addr+" as node player", "play")
}

// Each mistake says what is wrong and fails the command: at once, on the
// first answer, when retrying cannot mend it (it never says it retries),
// else when the link gives up (10 s).
func TestLoudMistakes(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	certs := t.TempDir()
	robot := serveCamera(t, "robot", "/camera", "--token", "s3cret")
	secure := serveCamera(t, "secure", "/secure", "--tls-make", certs+":secure=127.0.0.1,viewer-1,viewer-2", "--tls-allow", "viewer-1")
	serveCamera(t, "left", "/stereo")
	serveCamera(t, "right", "/stereo")
	sensor := serveCamera(t, "sensor", "/sensor", "--qos", "sensor_data")
	dead := freeAddr(t)                               // nothing listens there
	web := httptest.NewServer(http.NotFoundHandler()) // a web port, not a node's
	defer web.Close()
	webAddr := web.Listener.Addr().String()
	viewer2 := []string{"--tls-cert", certs + "/viewer-2.pem", "--tls-key", certs + "/viewer-2.key", "--tls-ca", certs + "/ca.pem"}
	cases := []struct {
		name string
		args []string
		says []string
		// atOnce: the first answer is final; the link never retries.
		atOnce bool
		// keepsTrying: --wait, the command runs its --duration and
		// exits 0.
		keepsTrying bool
		// never: what it must not say (a cause it cannot know).
		never []string
	}{
		{"a wrong token", []string{"run", "--no-mdns", "--token", "wrong", "subscribe topic=/camera remote=" + robot + " ! fakesink"},
			[]string{"refused the subscription", "the node refused the token", "got nothing: remote: the node refused this node"}, true, false,
			[]string{"no publisher"}},
		{"a certificate not allowed", append([]string{"run", "--no-mdns", "subscribe topic=/secure remote=" + secure + " ! fakesink"}, viewer2...),
			[]string{"refused the subscription", "client certificate not allowed"}, true, false, nil},
		{"TLS on one side only", []string{"run", "--no-mdns", "subscribe topic=/secure remote=" + secure + " ! fakesink"},
			[]string{"cannot reach the node at " + secure, "it may speak TLS"}, false, false, nil},
		{"a dead port", []string{"run", "--no-mdns", "subscribe topic=/camera remote=" + dead + " ! fakesink"},
			[]string{"nothing from /camera at " + dead + " after 3s: remote: cannot reach the node at " + dead +
				": connection refused: no node listens there (tried a TCP connection)"}, false, false,
			[]string{"no publisher", "no topic has a publisher"}},
		{"a web port", []string{"run", "--no-mdns", "--duration", "5s", "subscribe topic=/camera remote=" + webAddr + " ! fakesink"},
			[]string{"cannot reach the node at " + webAddr + ": it answers HTTP: it is a web port (gopline's --http, say), not a node's --listen port"},
			false, false, []string{"may speak TLS", "no publisher"}},
		{"a QoS mismatch", []string{"run", "--no-mdns", "--duration", "5s", "subscribe topic=/sensor qos=durable_video remote=" + sensor + " ! fakesink"},
			[]string{"/sensor at " + sensor + " has a publisher, but its QoS does not meet this subscriber's request: durability: subscriber asks transient_local, publisher offers volatile"},
			false, false, []string{"no publisher"}},
		{"a dead port, with --wait", []string{"run", "--no-mdns", "--wait", "--duration", "13s", "subscribe topic=/camera remote=" + dead + " ! fakesink"},
			[]string{"cannot reach the node"}, false, true, nil},
		{"two publishers", []string{"run", "--no-mdns", "subscribe topic=/stereo ! fakesink"},
			[]string{"/stereo is published by left at", " and right at ", "name one with remote="}, true, false, nil},
		{"a topic nobody publishes", []string{"record", "--no-mdns", "--topic", "/stero", "--out", t.TempDir() + "/x.gopline", "--duration", "8s"},
			[]string{"no publisher offers /stero after 3s; published: /sensor, /stereo (did you mean /stereo?)", "recorded nothing", notServingHint}, false, false, nil},
	}
	// Each case is a process of its own: they run at once.
	type result struct {
		code   int
		stderr string
		took   time.Duration
	}
	results := make([]chan result, len(cases))
	for i, c := range cases {
		results[i] = make(chan result, 1)
		go func() {
			start := time.Now()
			cmd, _, errOut := startGopline(t, c.args...)
			err := cmd.Wait()
			var exit *exec.ExitError
			code := 0
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			}
			results[i] <- result{code: code, stderr: errOut.String(), took: time.Since(start)}
		}()
	}
	for i, c := range cases {
		r := <-results[i]
		code := 1
		if c.keepsTrying {
			code = 0
			if strings.Contains(r.stderr, "giving up") {
				t.Errorf("%s: gave up:\n%s", c.name, r.stderr)
			}
		}
		for _, want := range c.says {
			if r.code != code || !strings.Contains(r.stderr, want) {
				t.Errorf("%s: exit %d, no %q in:\n%s", c.name, r.code, want, r.stderr)
			}
		}
		for _, wrong := range c.never {
			if strings.Contains(r.stderr, wrong) {
				t.Errorf("%s: says %q:\n%s", c.name, wrong, r.stderr)
			}
		}
		if c.atOnce && strings.Contains(r.stderr, "cannot reach the node") {
			t.Errorf("%s: retried a mistake that retrying cannot mend:\n%s", c.name, r.stderr)
		}
		t.Logf("%s: said in %v", c.name, r.took.Round(time.Millisecond))
	}
}

// announcedAddr finds the address a node's log says it announced.
var announcedAddr = regexp.MustCompile(`announced the node address=(127\.0\.0\.1:[0-9]+)`)

// A node that serves at a free port says which one it got and announces
// it: other processes find it by name.
func TestServeAtAFreePortAnnouncesThePortItGot(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	srv, _, log := startGopline(t, "serve", "--listen", "127.0.0.1:0", "--no-mdns", "--name", "free", "--duration", helperLifetime,
		"testsrc size=64x48 rate=20 ! h264enc gop=10 ! publish topic=/free/camera")
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	var addr string
	for deadline := time.Now().Add(20 * time.Second); addr == ""; time.Sleep(50 * time.Millisecond) {
		if m := announcedAddr.FindStringSubmatch(log.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("the node does not say where it listens:\n%s", log)
		}
	}
	if strings.HasSuffix(addr, ":0") {
		t.Fatalf("the node announced port 0: %s", addr)
	}
	waitListening(t, addr, log)

	code, stdout, stderr := goplineProcess(t, "topics", "--no-mdns", "--json")
	var nodes []struct {
		Node string `json:"node"`
		Addr string `json:"addr"`
	}
	if err := json.Unmarshal([]byte(stdout), &nodes); code != 0 || err != nil || len(nodes) != 1 || nodes[0].Node != "free" ||
		nodes[0].Addr != addr {
		t.Fatalf("topics: exit %d, %v, want the node free at %s: %s\n%s", code, err, addr, stdout, stderr)
	}
}

// A subscriber and a recorder that start before their topic's publisher,
// as a ROS 2 user starts a viewer or ros2 bag record first, subscribe to
// it when its node starts on the host, however late: they do not wait on
// their own process's topic for ever.
func TestSubscribersFindAPublisherThatStartsAfterThem(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	rec := filepath.Join(t.TempDir(), "late.gopline")
	sub, stdout, subLog := startGopline(t, "run", "--no-mdns", "--duration", helperLifetime, "--json", "subscribe topic=/late ! gate ! h264dec ! "+loggingSink)
	recorder, _, recLog := startGopline(t, "record", "--no-mdns", "--duration", helperLifetime, "--topic", "/late", "--out", rec)
	t.Cleanup(func() { sub.Process.Kill(); recorder.Process.Kill() })
	// Both said that no publisher offers /late: they subscribed before it
	// had one.
	waitLog(t, subLog, "no publisher offers /late", "the subscriber")
	waitLog(t, recLog, "no publisher offers /late", "the recorder")
	serveCamera(t, "late", "/late")
	// Each is stopped once it did its part, however long a loaded machine
	// took to start the publisher.
	took := func() bool { return sinkTook(subLog.String(), 10) }
	if code := stopGopline(t, sub, subLog, took, syscall.SIGINT); code != 0 || sinkIn(t, stdout.String()) < 10 {
		t.Fatalf("the subscriber: exit %d: %s\n%s", code, stdout, subLog)
	}
	recorded := func() bool {
		return strings.Contains(recLog.String(), "recording it from there") && strings.Contains(infoJSON(t, rec), `"stream": "/late"`)
	}
	if code := stopGopline(t, recorder, recLog, recorded, syscall.SIGINT); code != 0 {
		t.Fatalf("the recorder: exit %d:\n%s", code, recLog)
	}
}
