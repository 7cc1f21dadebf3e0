package main

import (
	"strings"
	"testing"
)

// ros2 topic list is gopline topics list too; ros2 topic's other commands
// given to gopline topics name gopline topic's, with the rest of the line,
// exit 2.
func TestTopicsTakesRos2TopicsWords(t *testing.T) {
	code, _, stderr := goplineProcess(t, "topics", "list", "--timeout", "1ms", "--remote", "127.0.0.1:1")
	if code == exitUsage || strings.Contains(stderr, "usage") {
		t.Errorf("gopline topics list: exit %d, %q; want it taken as gopline topics", code, stderr)
	}
	// ros2's -v, which gopline's listings need not, is taken (each in a
	// process of its own, as the node these start would race with another
	// node's gRPC logger in this one).
	for _, args := range [][]string{
		{"topics", "-v", "--timeout", "1ms", "--remote", "127.0.0.1:1"},
		{"topic", "list", "--verbose", "--timeout", "1ms", "--remote", "127.0.0.1:1"},
		{"topic", "info", "-v", "/camera", "--remote", "127.0.0.1:1"},
	} {
		if code, _, stderr := goplineProcess(t, args...); code == exitUsage || strings.Contains(stderr, "usage") {
			t.Errorf("gopline %s: exit %d, %q; want -v taken", strings.Join(args, " "), code, stderr)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"topics", "echo", "/camera"}, "gopline topics: usage: gopline topics lists the topics; one topic is looked at with gopline topic: run gopline topic echo /camera (see gopline topics --help)\n"},
		{[]string{"topics", "hz", "/robot/camera"}, "run gopline topic hz /robot/camera"},
		{[]string{"topics", "info", "/camera"}, "run gopline topic info /camera"},
		{[]string{"topics", "bw"}, "run gopline topic bw "},
		{[]string{"topics", "pub", "/camera"}, "gopline topics has no pub: a pipeline publishes, as in gopline run 'testsrc ! h264enc ! publish topic=/camera'"},
		{[]string{"topics", "type", "/camera"}, "gopline topic info /camera describes one"},
		{[]string{"topics", "list", "/camera"}, `unexpected argument "/camera" after list`},
		{[]string{"topics", "/camera"}, `unexpected argument "/camera"`},
		{[]string{"topic", "list", "list"}, `unexpected argument "list"`},
	} {
		code, stdout, stderr := runCmd(c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) || stdout != "" {
			t.Errorf("gopline %s: exit %d, %q%q; want exit 2 and %q", strings.Join(c.args, " "), code, stdout, stderr, c.want)
		}
	}
}

// A topic name without a leading slash is in the root namespace, as ros2
// resolves a relative name: camera is /camera, said in a note; a name
// that is wrong either way is left for the topic's check.
func TestARelativeTopicIsInTheRootNamespace(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, topic, note string }{
		{"camera", "/camera", "note: topic camera is taken as /camera: a name without a leading slash is in the root namespace, as ros2 takes it"},
		{"robot/camera", "/robot/camera", "taken as /robot/camera"},
		{"/camera", "/camera", ""},
		{"", "", ""},
		{"cam era", "cam era", ""},
		{"camera/", "camera/", ""},
	} {
		topic, note := rootedTopic(c.name)
		if topic != c.topic || note != c.note && !strings.Contains(note, c.note) || c.note == "" && note != "" {
			t.Errorf("rootedTopic(%q) = %q, %q; want %q, %q", c.name, topic, note, c.topic, c.note)
		}
	}
	// The commands that take a topic say so, and look at /camera. They run
	// in processes of their own: a node started in this one races with
	// gRPC's global logger of the nodes other tests left stopping.
	isolateDiscovery(t)
	code, _, stderr := goplineProcess(t, "topic", "hz", "camera", "--duration", "100ms", "--no-mdns")
	if code != exitFailure || !strings.Contains(stderr, "taken as /camera") || !strings.Contains(stderr, "no publisher of /camera was found") ||
		!strings.Contains(stderr, notServingHint) {
		t.Errorf("gopline topic hz camera: exit %d, %q; want /camera looked for, and that a run or play that does not serve is not found", code, stderr)
	}
	code, _, stderr = goplineProcess(t, "record", "--topic", "camera", "-o", t.TempDir()+"/cam.gopline", "--duration", "1s", "--no-mdns", "testsrc num-frames=10 ! h264enc ! publish topic=/camera")
	if code != 0 || !strings.Contains(stderr, "taken as /camera") {
		t.Errorf("gopline record --topic camera: exit %d, %q; want /camera recorded", code, stderr)
	}
}
