package main

import (
	"strings"
	"testing"
)

// A topic whose publisher sends nothing: topic hz, bw and echo that got no
// packet in their --duration exit 1 naming the topic and saying that no
// packet came in that time, so that a script that checks a camera learns it
// from the exit status.
func TestTopicWatchOfASilentPublisherExitsOne(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	addr := freeAddr(t)
	// The publisher of /quiet has joined its topic, and publishes what
	// /in brings: nothing.
	srv, _, log := startGopline(t, "serve", "--listen", addr, "--no-mdns", "--duration", helperLifetime,
		"subscribe topic=/in ! publish topic=/quiet")
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	waitListening(t, addr, log)
	for _, verb := range []string{"hz", "bw", "echo"} {
		code, stdout, stderr := goplineProcess(t, "topic", verb, "--no-mdns", "--remote", addr, "--duration", "1s", "/quiet")
		if code != 1 || !strings.Contains(stderr, "got nothing: /quiet has a publisher, which sent no packet in ") {
			t.Errorf("topic %s of a silent publisher: exit %d, want 1 and why:\n%s%s", verb, code, stdout, stderr)
		}
	}
}
