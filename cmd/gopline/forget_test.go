package main

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// A topic typed wrong at a node's remote= is listed while its subscriber
// runs, and forgotten once it has left (no publisher, no subscriber, no
// cached GOP), as ROS 2's graph forgets a topic: it does not stay in the
// listings, nor count against the node's topics, for good.
func TestAMistypedTopicIsForgottenWhenItsSubscriberLeaves(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	robot := serveCamera(t, "robot", "/camera")
	listed := func() []string {
		t.Helper()
		code, stdout, stderr := goplineProcess(t, "topics", "--no-mdns", "--remote", robot, "--json")
		var topics []struct {
			Topic string `json:"topic"`
		}
		if err := json.Unmarshal([]byte(stdout), &topics); code != 0 || err != nil {
			t.Fatalf("topics: exit %d, %v: %s\n%s", code, err, stdout, stderr)
		}
		var names []string
		for _, tp := range topics {
			names = append(names, tp.Topic)
		}
		return names
	}
	typo, _, typoLog := startGopline(t, "run", "--no-mdns", "--duration", helperLifetime, "subscribe topic=/typo123 remote="+robot+" ! fakesink")
	t.Cleanup(func() { typo.Process.Kill(); typo.Wait() })
	for deadline := time.Now().Add(60 * time.Second); !slices.Contains(listed(), "/typo123"); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the subscription to /typo123 is not listed:\n%s", typoLog)
		}
	}
	typo.Process.Kill()
	typo.Wait()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		names := listed()
		if !slices.Contains(names, "/camera") {
			t.Fatalf("the published topic is gone: %v", names)
		}
		if !slices.Contains(names, "/typo123") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/typo123 is still listed a minute after its subscriber left: %v", names)
		}
	}
}
