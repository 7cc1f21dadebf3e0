package main

import (
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
