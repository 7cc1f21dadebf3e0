package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for gopline in a child process.
func TestMain(m *testing.M) {
	setLogFormat()
	if os.Getenv("GOPLINE_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestRunStopsCleanlyOnInterrupt(t *testing.T) {
	cmd := exec.Command(os.Args[0], "run", "testsrc size=160x120 ! h264enc ! publish topic=/cam  subscribe topic=/cam ! gate ! h264dec ! fakesink")
	cmd.Env = append(os.Environ(), "GOPLINE_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after Ctrl-C: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 10 s after Ctrl-C:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "h264dec0") {
		t.Fatalf("no summary after Ctrl-C:\n%s", stderr.String())
	}
}
