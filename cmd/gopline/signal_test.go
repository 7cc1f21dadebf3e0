package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testlog"
)

// TestMain lets the test binary stand in for gopline in a child process.
func TestMain(m *testing.M) {
	setLogFormat()
	if os.Getenv("GOPLINE_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
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
