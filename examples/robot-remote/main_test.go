package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/storage"
)

// mainEnv makes the test binary run main instead of the tests: each role
// runs in a process of its own, as users run them (one node per process).
const mainEnv = "ROBOT_REMOTE_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// role starts the example with args in a child process; its stdout comes
// line by line on the returned channel, its stderr into log.
func role(t *testing.T, args ...string) (*exec.Cmd, <-chan string, *testlog.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	log := &testlog.Buffer{}
	cmd.Stderr = log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("%s's log:\n%s", args[1], log)
		}
	})
	return cmd, lines, log
}

// The robot serves its camera; an operator joins half a second later (in
// the middle of a GOP), shows a picture at once, decodes it, and records a
// file that starts at a keyframe.
func TestOperatorJoinsLateSeesAPictureAtOnceAndRecords(t *testing.T) {
	robot, robotOut, _ := role(t, "-role", "robot", "-listen", "127.0.0.1:0", "-duration", "20s")
	var addr string
	select {
	case line := <-robotOut:
		m := regexp.MustCompile(`serving /robot/camera at (\S+):`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("robot says %q", line)
		}
		addr = m[1]
	case <-time.After(10 * time.Second):
		t.Fatal("the robot does not serve")
	}
	time.Sleep(500 * time.Millisecond)

	path := filepath.Join(t.TempDir(), "op.gopline")
	op, opOut, opLog := role(t, "-role", "operator", "-robot", addr, "-out", path, "-duration", "2s")
	var out []string
	for line := range opOut {
		out = append(out, line)
	}
	if err := op.Wait(); err != nil {
		t.Fatalf("operator: %v\n%s\n%s", err, strings.Join(out, "\n"), opLog)
	}
	text := strings.Join(out, "\n")

	m := regexp.MustCompile(`first picture after ([0-9.]+) ms: frame (\d+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no readable first picture:\n%s", text)
	}
	after, _ := strconv.ParseFloat(m[1], 64)
	frame, _ := strconv.Atoi(m[2])
	// The cached GOP's newest picture, well before the next keyframe
	// would come (a GOP is a second); timing on a shared machine varies.
	if after > 2000 {
		t.Errorf("first picture after %.0f ms", after)
	}
	if frame == 0 {
		t.Error("the first picture is frame 0: want the newest, not the GOP's keyframe")
	}
	t.Logf("first picture after %.1f ms, frame %d", after, frame)

	dec := regexp.MustCompile(`decoder\s+in\s+(\d+)\s+out\s+(\d+)\s+dropped\s+\d+\s+errors\s+(\d+)`).FindStringSubmatch(text)
	if dec == nil || dec[2] == "0" || dec[3] != "0" {
		t.Errorf("the decoder: %q\n%s", dec, text)
	}
	if !strings.Contains(text, "the first is a keyframe: true") {
		t.Errorf("the operator's description of its recording:\n%s", text)
	}

	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	st, err := rec.Stats("/robot/camera")
	if err != nil {
		t.Fatal(err)
	}
	if st.Packets < 30 || st.GOPs < 1 {
		t.Errorf("the recording holds %d packets in %d GOPs", st.Packets, st.GOPs)
	}
	c, err := rec.Seek("/robot/camera", st.First)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	first, err := c.Next()
	if err != nil {
		t.Fatal(err)
	}
	if c.Index() != 0 || !first.Key {
		t.Errorf("the recording starts with packet %d, key %v: want a keyframe first", c.Index(), first.Key)
	}

	// The robot stops cleanly on Ctrl-C: it prints its counters and exits.
	if err := robot.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for ended := false; !ended; {
		select {
		case _, more := <-robotOut:
			ended = !more
		case <-deadline:
			t.Fatal("the robot is still running 10 s after Ctrl-C")
		}
	}
	if err := robot.Wait(); err != nil {
		t.Errorf("robot after Ctrl-C: %v", err)
	}
}
