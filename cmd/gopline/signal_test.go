package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/internal/testlog"
)

// TestMain lets the test binary stand in for gopline in a child process.
func TestMain(m *testing.M) {
	setLogFormat()
	if os.Getenv("GOPLINE_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	flag.Parse()
	runWaitingTestsAtOnce()
	os.Exit(runApartFromTheHost(m))
}

// runApartFromTheHost runs the tests with an XDG_RUNTIME_DIR of their own,
// and so a host directory (discovery.HostDir) that only the nodes they
// start announce themselves in: a test that finds no node by name, or
// lists the host's nodes, must not find those a user of this host runs
// beside the suite.
func runApartFromTheHost(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gopline-test-runtime-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	os.Setenv("XDG_RUNTIME_DIR", dir)
	return m.Run()
}

// waitingTestsAtOnce is how many of the tests that call t.Parallel run at
// once, unless go test's -parallel says otherwise. They wait on processes
// of their own (nodes, README commands) and on real-time pacing far more
// than they compute: as many as there are cores, go test's default, would
// leave the cores idle most of the time.
const waitingTestsAtOnce = 6

// parallelGiven says whether the command line set -test.parallel.
var parallelGiven bool

// runWaitingTestsAtOnce sets -test.parallel to waitingTestsAtOnce, or to
// the number of cores if more, when the command line did not set it.
func runWaitingTestsAtOnce() {
	flag.Visit(func(f *flag.Flag) { parallelGiven = parallelGiven || f.Name == "test.parallel" })
	if !parallelGiven {
		flag.Set("test.parallel", strconv.Itoa(max(waitingTestsAtOnce, runtime.GOMAXPROCS(0))))
	}
}

// TestRunStopsCleanlyOnInterrupt sends Ctrl-C once the pipeline runs (its
// publisher has joined the topic, which is after gopline takes Ctrl-C over),
// however long the process took to start, and waits for the clean exit and
// the summary.
func TestRunStopsCleanlyOnInterrupt(t *testing.T) {
	cmd := exec.Command(os.Args[0], "run", "--verbose",
		"testsrc size=160x120 ! h264enc ! publish topic=/cam  subscribe topic=/cam ! gate ! h264dec ! fakesink")
	cmd.Env = append(os.Environ(), "GOPLINE_TEST_MAIN=1")
	var stderr testlog.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	running := time.Now().Add(60 * time.Second)
	for !strings.Contains(stderr.String(), "publisher joined") {
		if time.Now().After(running) {
			cmd.Process.Kill()
			<-done
			t.Fatalf("the pipeline did not start in 60 s:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after Ctrl-C: %v\n%s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("still running 60 s after Ctrl-C:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "h264dec0") {
		t.Fatalf("no summary after Ctrl-C:\n%s", stderr.String())
	}
}

// A record or a subscribe of a topic nobody publishes, with no --duration,
// warns and keeps waiting for a publisher; Ctrl-C then ends it with exit 1,
// saying it got nothing.
func TestInterruptedWaitForAnUnpublishedTopicFails(t *testing.T) {
	cases := []struct {
		args []string
		says string
	}{
		{[]string{"record", "--no-mdns", "--topic", "/typo", "--out", t.TempDir() + "/x.gopline"}, "recorder (record) recorded nothing"},
		{[]string{"run", "--no-mdns", "subscribe topic=/nobody ! fakesink"}, "subscribe0 (subscribe) got nothing: no publisher of /nobody was found"},
	}
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir()) // no other node of this host
	for _, c := range cases {
		t.Run(c.args[0], func(t *testing.T) {
			t.Parallel()
			cmd, _, stderr := startGopline(t, c.args...)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			warned := time.Now().Add(60 * time.Second)
			for !strings.Contains(stderr.String(), "no publisher offers") {
				select {
				case err := <-done:
					t.Fatalf("exit before the warning (%v):\n%s", err, stderr.String())
				case <-time.After(20 * time.Millisecond):
				}
				if time.Now().After(warned) {
					cmd.Process.Kill()
					<-done
					t.Fatalf("no warning in 60 s:\n%s", stderr.String())
				}
			}
			select { // it keeps waiting: a publisher may yet appear
			case err := <-done:
				t.Fatalf("exit after the warning, without Ctrl-C (%v):\n%s", err, stderr.String())
			case <-time.After(time.Second):
			}
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			var err error
			select {
			case err = <-done:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("still running 60 s after Ctrl-C:\n%s", stderr.String())
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), c.says) {
				t.Errorf("exit %v after Ctrl-C, want 1 and %q:\n%s", err, c.says, stderr.String())
			}
		})
	}
}

// silentCamera listens on loopback, takes connections and never answers
// them, as a network camera that hangs does. It returns its address and
// how many connections it took.
func silentCamera(t *testing.T) (string, func() int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	taken := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(held)
	}
	return l.Addr().String(), taken
}

// stopGopline waits until stderr says what, sends sig, and returns the exit
// code, with generous bounds for a loaded machine.
func stopGopline(t *testing.T, cmd *exec.Cmd, stderr *testlog.Buffer, what func() bool, sig syscall.Signal) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ready := time.Now().Add(60 * time.Second)
	for !what() {
		select {
		case err := <-done:
			t.Fatalf("exit before it was stopped (%v):\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(ready) {
			cmd.Process.Kill()
			<-done
			t.Fatalf("not ready to stop in 60 s:\n%s", stderr.String())
		}
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("still running 60 s after %v:\n%s", sig, stderr.String())
	}
	return -1
}

// A run stopped (Ctrl-C, SIGTERM) while its network camera has not
// answered since the start published nothing: it exits 1, naming the
// source and its location, instead of passing for a run that ran; also
// when it is stopped while it still waits for the camera's first answer
// (timeout=2m: the stop does not wait for it).
func TestRunStoppedBeforeItsCameraOpenedFails(t *testing.T) {
	for _, c := range []struct {
		name    string
		sig     syscall.Signal
		timeout string
		opening bool // stopped in the first opening, not between retries
	}{
		{"interrupted", syscall.SIGINT, "1s", false},
		{"terminated", syscall.SIGTERM, "1s", false},
		{"interrupted while opening", syscall.SIGINT, "2m", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			addr, taken := silentCamera(t)
			url := "http://" + addr + "/cam.mjpg"
			cmd, _, stderr := startGopline(t, "run", "--no-mdns", "videosrc location="+url+" timeout="+c.timeout+" ! fakesink")
			ready := func() bool { return strings.Contains(stderr.String(), "stream is down at start") }
			if c.opening {
				ready = func() bool { return taken() > 0 }
			}
			code := stopGopline(t, cmd, stderr, ready, c.sig)
			says := `videosrc0 (videosrc) 1 error (the last: stream never opened: "` + url + `" did not open`
			if code != 1 || !strings.Contains(stderr.String(), says) {
				t.Errorf("exit %d after %v, want 1 and %q:\n%s", code, c.sig, says, stderr.String())
			}
		})
	}
}

// A run stopped (Ctrl-C, SIGTERM) after its network camera opened but
// before it sent a picture published nothing: it exits 1 as one whose
// camera never opened does, saying the stream opened but delivered no
// frame. The camera is down at the start and comes up later, so that
// "stream is back" tells the test it opened.
func TestRunStoppedBeforeItsCameraSentAFrameFails(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			addr := freeAddr(t)
			url := "http://" + addr + "/cam.y4m"
			cmd, _, stderr := startGopline(t, "run", "--no-mdns", "videosrc location="+url+" ! fakesink")
			down := func() bool { return strings.Contains(stderr.String(), "stream is down at start") }
			waitUntil(t, cmd, stderr, down)
			headerOnlyCamera(t, addr)
			opened := func() bool { return strings.Contains(stderr.String(), "stream is back") }
			code := stopGopline(t, cmd, stderr, opened, sig)
			says := `videosrc0 (videosrc) 1 error (the last: stream delivered nothing: "` + url + `" opened but delivered no frame in the `
			if code != 1 || !strings.Contains(stderr.String(), says) {
				t.Errorf("exit %d after %v, want 1 and %q:\n%s", code, sig, says, stderr.String())
			}
		})
	}
}

// headerOnlyCamera serves, at addr, a live YUV4MPEG2 stream that sends its
// header and then no frame until the test ends.
func headerOnlyCamera(t *testing.T, addr string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Write([]byte("YUV4MPEG2 W64 H48 F20:1 Ip A1:1 C420jpeg\n"))
		w.(http.Flusher).Flush()
		<-req.Context().Done()
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

// waitUntil waits, at most a minute, until what holds of the running cmd.
func waitUntil(t *testing.T, cmd *exec.Cmd, stderr *testlog.Buffer, what func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !what() {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("waited a minute:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A run stopped after its network camera opened and its pictures came
// exits 0, as any run stopped by Ctrl-C that did its work.
func TestRunStoppedAfterItsCameraOpenedSucceeds(t *testing.T) {
	clip, err := os.ReadFile(testclip.Make(t, "clip.ts", 30, 30, "-c:v", "libx264", "-bf", "0"))
	if err != nil {
		t.Fatal(err)
	}
	// A live stream: sent without a length, then silent until it is closed.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.(http.Flusher).Flush()
		w.Write(clip)
		w.(http.Flusher).Flush()
		<-req.Context().Done()
	}))
	defer srv.Close()
	dir := t.TempDir()
	cmd, _, stderr := startGopline(t, "run", "--no-mdns", "videosrc location="+srv.URL+"/live.ts ! snapshot dir="+dir+" every=1")
	pictures := func() bool {
		shots, _ := filepath.Glob(filepath.Join(dir, "*.png"))
		return len(shots) > 0
	}
	if code := stopGopline(t, cmd, stderr, pictures, syscall.SIGINT); code != 0 || strings.Contains(stderr.String(), "never opened") {
		t.Errorf("exit %d after Ctrl-C once pictures came, want 0:\n%s", code, stderr.String())
	}
}

// Without -parallel, the tests that wait on processes of their own run
// more at once than there are cores.
func TestWaitingTestsRunMoreAtOnceThanCores(t *testing.T) {
	got := flag.Lookup("test.parallel").Value.String()
	if want := strconv.Itoa(max(waitingTestsAtOnce, runtime.GOMAXPROCS(0))); !parallelGiven && got != want {
		t.Errorf("-test.parallel %s without -parallel; want %s", got, want)
	}
	t.Logf("-test.parallel %s (given: %v)", got, parallelGiven)
}

// SIGHUP, which a dropped ssh session or a closed terminal sends, stops a
// recording as Ctrl-C does: the recorder writes out what it holds and
// closes the file, and the process exits by itself rather than by the
// signal, with every packet encoded recorded.
func TestHangupStopsARecordingGracefully(t *testing.T) {
	out := filepath.Join(t.TempDir(), "hup.gopline")
	cmd := exec.Command(os.Args[0], "record", "--no-mdns", "--verbose", "--json", "--topic", "/cam", "-o", out,
		"testsrc size=160x120 is-live=true ! h264enc ! publish topic=/cam")
	cmd.Env = append(os.Environ(), "GOPLINE_TEST_MAIN=1")
	var stdout bytes.Buffer
	var stderr testlog.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	recording := func() bool { return strings.Contains(stderr.String(), "publisher joined") }
	if code := stopGopline(t, cmd, &stderr, recording, syscall.SIGHUP); code != 0 {
		t.Fatalf("exit %d after SIGHUP, want 0 as after Ctrl-C:\n%s", code, stderr.String())
	}
	var encoded int64 = -1
	var nodes []struct {
		Element string `json:"element"`
		Out     int64  `json:"out"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &nodes); err != nil {
		t.Fatalf("no JSON summary after SIGHUP: %v\n%s", err, stdout.String())
	}
	for _, n := range nodes {
		if n.Element == "h264enc" {
			encoded = n.Out
		}
	}
	code, info, stderrInfo := runCmd("info", "--json", out)
	if code != 0 || encoded <= 0 || !strings.Contains(info, fmt.Sprintf(`"packets": %d,`, encoded)) {
		t.Fatalf("info after SIGHUP: exit %d, want the %d packets encoded recorded:\n%s%s", code, encoded, info, stderrInfo)
	}
}

// A command that stops gracefully watches for the stop signals from its
// start: one that comes while it opens its node, before it runs, stops it
// as one while it runs does, and does not end the process.
func TestAStopWhileACommandOpensIsKept(t *testing.T) {
	root := rootCommand(&bytes.Buffer{}, &bytes.Buffer{})
	for _, c := range []struct {
		args     []string
		watching bool
	}{
		{[]string{"run", "testsrc ! fakesink"}, true},
		{[]string{"record", "-o", "x.gopline"}, true},
		{[]string{"topic", "hz", "/camera"}, true},
		{[]string{"export", "x.gopline"}, true},
		{[]string{"info", "x.gopline"}, false}, // Ctrl-C ends it at once
		{[]string{"topics"}, false},
	} {
		cmd, _, err := root.Find(c.args)
		if err != nil {
			t.Fatal(err)
		}
		end := watchStops(cmd)
		if got := stopped.Load() != nil; got != c.watching {
			end()
			t.Fatalf("gopline %s watches for stop signals: %v, want %v", c.args[0], got, c.watching)
		}
		if !c.watching {
			end()
			continue
		}
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		ctx, stop := stopContext(0)
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			t.Errorf("gopline %s: a stop signal before its stopContext did not stop it", c.args[0])
		}
		stop()
		end()
	}
}
