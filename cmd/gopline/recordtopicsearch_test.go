package main

import (
	"slices"
	"testing"
	"time"

	"github.com/gopline/gopline/elements"
)

// While recording, --all and --regex find the topics that appeared, each
// with the node to take it from; --exclude still leaves out, and a topic
// more than one other node publishes is left out, said once.
func TestTopicSearchFindsTopicsThatAppear(t *testing.T) {
	s := newTopicSearch(topicChoice{regex: "cam", exclude: "^/debug/"}, "this node", []leftOut{{topic: "/dup/cam"}})
	pub := published{
		here:   []string{"/cam", "/debug/cam"},
		others: map[string][]string{"/cam/left": {"a at h:1"}, "/dup/cam": {"a at h:1", "b at h:2"}, "/new/cam": {"a at h:1", "b at h:2"}, "/lidar": {"a at h:1"}},
		addrs:  map[string]string{"/cam/left": "h:1", "/dup/cam": "h:1", "/new/cam": "h:1", "/lidar": "h:1"},
	}
	found, left := s.found(pub)
	want := []elements.FoundTopic{{Topic: "/cam", Publisher: "this node"}, {Topic: "/cam/left", Remote: "h:1", Publisher: "a at h:1"}}
	if !slices.Equal(found, want) {
		t.Errorf("found %+v, want %+v", found, want)
	}
	if len(left) != 1 || left[0].topic != "/new/cam" {
		t.Errorf("left out %v, want /new/cam alone (/dup/cam was said at the start)", left)
	}
	if _, left = s.found(pub); len(left) != 0 {
		t.Errorf("left out %v again", left)
	}
}

// --polling-interval takes ros2's milliseconds or a duration.
func TestPollingIntervalTakesMilliseconds(t *testing.T) {
	for in, want := range map[string]time.Duration{"100": 100 * time.Millisecond, "2s": 2 * time.Second, "250ms": 250 * time.Millisecond} {
		var d millisValue
		if err := d.Set(in); err != nil || time.Duration(d) != want {
			t.Errorf("%q: %v, %v; want %v", in, time.Duration(d), err, want)
		}
	}
	for _, in := range []string{"0", "-5", "soon", "1e3"} {
		var d millisValue
		if err := d.Set(in); err == nil {
			t.Errorf("%q taken as %v", in, time.Duration(d))
		}
	}
}
