package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopline/gopline/discovery"
	"github.com/gopline/gopline/transport/remote"
)

func TestTopicChoiceAsRos2BagRecord(t *testing.T) {
	pub := published{here: []string{"/cam", "/debug/cam"}, others: map[string][]string{"/lidar": {"a at h:1"}, "/cam/left": {"b at h:2"}}}
	for _, c := range []struct {
		choice topicChoice
		want   []string
		fails  string
	}{
		{topicChoice{named: []string{"/b", "/a"}}, []string{"/a", "/b"}, ""},
		{topicChoice{all: true}, []string{"/cam", "/cam/left", "/debug/cam", "/lidar"}, ""},
		{topicChoice{all: true, exclude: "^/debug/"}, []string{"/cam", "/cam/left", "/lidar"}, ""},
		// A match anywhere in the name, as ros2 bag record's -e finds one.
		{topicChoice{regex: "cam"}, []string{"/cam", "/cam/left", "/debug/cam"}, ""},
		{topicChoice{regex: "^/cam$", named: []string{"/lidar"}}, []string{"/cam", "/lidar"}, ""},
		{topicChoice{regex: "^/cam", exclude: "left"}, []string{"/cam"}, ""},
		{topicChoice{regex: "radar"}, nil, `--regex "radar" leaves none of /cam, /cam/left, /debug/cam, /lidar`},
		{topicChoice{all: true, exclude: "."}, nil, `--all less --exclude "." leaves none`},
		{topicChoice{regex: "("}, nil, "--regex: error parsing regexp"},
		{topicChoice{exclude: "x"}, nil, "give one of them"},
		// -x leaves out found topics, never named ones; -a goes alone, as
		// ros2 bag record takes them.
		{topicChoice{exclude: "x", named: []string{"/x"}}, nil, "not those named with --topic"},
		{topicChoice{regex: "cam", exclude: "cam", named: []string{"/cam"}}, []string{"/cam"}, ""},
		{topicChoice{all: true, regex: "cam"}, nil, "--all records every topic already"},
		{topicChoice{all: true, named: []string{"/cam"}}, nil, "--all records every topic already"},
		{topicChoice{named: []string{"/cam.*"}}, nil, "a regular expression is --regex"},
		{topicChoice{regex: "testsrc ! h264enc ! publish topic=/cam"}, nil, "ros2 bag record's --regex"},
		{topicChoice{regex: "--topic"}, nil, `--regex "--topic" is a flag: -e is ros2 bag record's --regex here`},
	} {
		got, left, err := c.choice.choose(pub)
		if c.fails != "" {
			if err == nil || !strings.Contains(err.Error(), c.fails) {
				t.Errorf("%+v: %v, want an error with %q", c.choice, err, c.fails)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) || len(left) > 0 {
			t.Errorf("%+v: %q, left out %v, %v; want %q", c.choice, got, left, err, c.want)
		}
	}
	if _, _, err := (topicChoice{all: true}).choose(published{}); err == nil || !strings.Contains(err.Error(), "gopline topics lists them") {
		t.Errorf("--all with nothing published: %v", err)
	}
}

// A topic that more than one other node publishes is left out of --all
// and --regex, with the nodes and how to record it, and the rest is
// recorded; one this pipeline publishes, or one named, stays.
func TestTopicChoiceLeavesOutTopicsOfMoreThanOneNode(t *testing.T) {
	pub := published{here: []string{"/mine"}, others: map[string][]string{
		"/dup":   {"a at h:1", "b at h:2"},
		"/uniq":  {"a at h:1"},
		"/mine":  {"a at h:1", "b at h:2"},
		"/named": {"a at h:1", "b at h:2"},
	}}
	got, left, err := topicChoice{regex: "^/(dup|uniq|mine)$", named: []string{"/named"}}.choose(pub)
	if err != nil || !slices.Equal(got, []string{"/mine", "/named", "/uniq"}) {
		t.Fatalf("chose %q, %v; want /mine, /named and /uniq", got, err)
	}
	if len(left) != 1 || left[0].topic != "/dup" {
		t.Fatalf("left out %v, want /dup", left)
	}
	for _, want := range []string{"a at h:1, b at h:2", "--topic /dup", "subscribe topic=/dup remote=HOST:PORT ! publish topic=/dup"} {
		if !strings.Contains(left[0].String(), want) {
			t.Errorf("warning %q lacks %q", left[0], want)
		}
	}
	_, _, err = topicChoice{regex: "dup"}.choose(pub)
	if err == nil || !strings.Contains(err.Error(), "finds only topics that more than one node publishes") || !strings.Contains(err.Error(), "remote=HOST:PORT") {
		t.Errorf("--regex finding only /dup: %v", err)
	}
	if _, left, _ := (topicChoice{all: true, exclude: "dup|named"}).choose(pub); len(left) > 0 {
		t.Errorf("an excluded topic is warned of: %v", left)
	}
}

func TestOthersPublishing(t *testing.T) {
	nodes := []discovery.NodeTopics{
		{Peer: discovery.Peer{Name: "a", Addr: "h:1"}, Topics: []remote.TopicInfo{{Name: "/dup", Publishers: 1}, {Name: "/sub", Publishers: 0}}},
		{Peer: discovery.Peer{Addr: "h:2"}, Topics: []remote.TopicInfo{{Name: "/dup", Publishers: 2}}},
	}
	got := othersPublishing(nodes)
	if len(got) != 1 || !slices.Equal(got["/dup"], []string{"a at h:1", "h:2"}) {
		t.Errorf("othersPublishing: %q", got)
	}
}

// record -e records the topics its expression finds among those its
// pipeline publishes, and -x leaves some out, as ros2 bag record -e -x
// does. It runs as a process of its own, as it starts a node that looks
// for others (other tests' nodes on this host: the names are this test's).
func TestRecordRegexLessExcluded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "some.gopline")
	code, _, stderr := goplineProcess(t, "record", "-e", "^/recordtest/", "-x", "/debug/", "-o", path, "--no-mdns", "-q",
		"testsrc size=160x120 num-frames=15 ! h264enc ! publish topic=/recordtest/cam  "+
			"testsrc size=160x120 num-frames=15 ! h264enc ! publish topic=/recordtest/debug/cam  "+
			"testsrc size=160x120 num-frames=15 ! h264enc ! publish topic=/recordtest/lidar")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	names := recordedStreams(t, path)
	if !slices.Equal(names, []string{"/recordtest/cam", "/recordtest/lidar"}) {
		t.Errorf("recorded %q, want /recordtest/cam and /recordtest/lidar", names)
	}
}

func TestRecordRefusesBadTopicsBeforeStarting(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.gopline")
	for _, args := range [][]string{
		{"record", "--topic", "/cam.*", "--out", out, "testsrc ! h264enc ! publish topic=/cam"},
		{"record", "-e", "testsrc ! h264enc ! publish topic=/cam", "--out", out},
		// -e first, as gst-launch users write it: it takes the next flag.
		{"record", "-e", "--topic", "/cam", "-o", out, "testsrc ! h264enc ! publish topic=/cam"},
		{"record", "-e", "-o", out, "--topic", "/cam", "testsrc ! h264enc ! publish topic=/cam"},
		{"record", "--out", out, "testsrc ! h264enc ! publish topic=/cam"},
	} {
		code, _, stderr := runCmd(args...)
		if args[1] == "-e" && !strings.Contains(stderr, "ros2 bag record's --regex") {
			t.Errorf("gopline %q: %s; want -e explained", args, stderr)
		}
		if code != 2 || strings.Contains(stderr, "recording ") {
			t.Errorf("gopline %q: exit %d, %s; want a usage error before recording", args, code, stderr)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused record made its file: %v", err)
	}
}
