package main

import (
	"os"
	"strings"
	"testing"
)

// A camera that is not there fails the run at once, though a camera that
// drops while it streams is waited for: at the start it is the user's to
// fix, and the error says what there is instead.
func TestAMissingCameraFailsTheRunAtOnce(t *testing.T) {
	const missing = "/dev/video97"
	if _, err := os.Stat(missing); err == nil {
		t.Skipf("%s exists here", missing)
	}
	code, _, stderr := runCmd("run", "videosrc location="+missing+" ! h264enc ! fakesink")
	if code != 1 || !strings.Contains(stderr, "no camera at "+missing) {
		t.Fatalf("exit %d, stderr %q; want exit 1 saying there is no camera at %s", code, stderr, missing)
	}
}
