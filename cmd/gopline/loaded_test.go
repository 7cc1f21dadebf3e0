package main

import (
	"regexp"
	"syscall"
	"testing"
	"time"
)

// loadedWait bounds a wait for what a process does on a loaded machine:
// starting, finding a node, listening, publishing. It comes in a second
// on a quiet machine, in tens of seconds in CI beside other packages'
// tests on two cores; a test waits for it and goes on as soon as it
// happens.
const loadedWait = time.Minute

// loggingSink is a sink, named sink, that logs each packet it takes (a
// stats line for every item a millisecond after the last): a test that
// wants a subscriber to take packets waits for its lines (sinkTook) and
// then stops it, rather than giving it a run time of which a loaded
// machine may spend all on starting and finding the topic's node.
const loggingSink = "stats name=sink interval=1ms"

// sinkLine is a line of loggingSink in a process's log.
var sinkLine = regexp.MustCompile(`(?m)^.* INF stats .*node=sink\b`)

// sinkTook says whether log holds n lines of loggingSink: it took n
// packets, or more (packets that come within a millisecond share a line).
func sinkTook(log string, n int) bool { return len(sinkLine.FindAllStringIndex(log, n)) == n }

// goplineUntil runs gopline with args (a --duration among them bounds
// it), waits until done holds of its outputs so far (loadedWait at most),
// stops it with Ctrl-C and returns its exit code and outputs.
func goplineUntil(t *testing.T, done func(stdout, stderr string) bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd, out, errOut := startGopline(t, args...)
	code = stopGopline(t, cmd, errOut, func() bool { return done(out.String(), errOut.String()) }, syscall.SIGINT)
	return code, out.String(), errOut.String()
}
