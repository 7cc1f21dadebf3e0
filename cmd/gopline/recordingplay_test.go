package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopline/gopline/pipeline"
)

// play says how many packets it published on each topic, by its
// publishers' counts, in the order of the topics.
func TestPublishedLinesCountWhatPlayPublished(t *testing.T) {
	stats := []pipeline.NodeStats{{Node: "play0", Out: 90}, {Node: "publish0", In: 90}, {Node: "play1", Out: 1}, {Node: "publish1", In: 1}}
	got := publishedLines(stats, map[string]string{"publish0": "/rear", "publish1": "/front"})
	if want := []string{"published 1 packet on /front", "published 90 packets on /rear"}; !slices.Equal(got, want) {
		t.Errorf("%q, want %q", got, want)
	}
}

// play's count is what it published, all of the recording, played much
// faster than recorded: no subscriber of its own that may join late or
// fall behind stands for it.
func TestPlayCountsEveryPacketItPublished(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	if code, _, stderr := runCmd("run", "testsrc size=160x120 num-frames=120 is-live=false ! h264enc gop=10 ! record path="+path+" stream=/camera"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCmd("play", path, "--rate", "50")
	if code != 0 || !strings.Contains(stderr, "published 120 packets on /camera\n") {
		t.Fatalf("play: exit %d: %s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCmd("play", path, "--rate", "50", "--json")
	var nodes []nodeReport
	if code != 0 || json.Unmarshal([]byte(stdout), &nodes) != nil {
		t.Fatalf("play --json: exit %d: %s%s", code, stdout, stderr)
	}
	for _, n := range nodes {
		if n.Element == "subscribe" || n.Element == "fakesink" {
			t.Errorf("node %s (%s) counts what it saw, %d packets, beside the %d published", n.Node, n.Element, n.In+n.Out, nodeStat(t, stdout, "publish0").In)
		}
	}
}

// The files of one split recording play in the order of their numbers,
// whatever order a glob gave them in; other lists as given.
func TestSplitOrder(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"d/robot_10.gopline", "d/robot_2.gopline", "d/robot_0.gopline"}, []string{"d/robot_0.gopline", "d/robot_2.gopline", "d/robot_10.gopline"}},
		{[]string{"b.gopline", "a.gopline"}, []string{"b.gopline", "a.gopline"}},
		{[]string{"robot_1.gopline", "cam_0.gopline"}, []string{"robot_1.gopline", "cam_0.gopline"}},
		{[]string{"robot_1.gopline", "robot_x.gopline"}, []string{"robot_1.gopline", "robot_x.gopline"}},
		{[]string{"my_robot_3.gopline", "my_robot_1.gopline"}, []string{"my_robot_1.gopline", "my_robot_3.gopline"}},
	} {
		if got := splitOrder(slices.Clone(c.in)); !slices.Equal(got, c.want) {
			t.Errorf("%q: %q, want %q", c.in, got, c.want)
		}
	}
}
