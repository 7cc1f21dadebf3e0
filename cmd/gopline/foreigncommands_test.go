package main

import (
	"strings"
	"testing"
)

// A command that gst-inspect, ros2 and ffmpeg users type after gopline,
// and ros2's --ros-args, are answered with what gopline takes instead,
// exit 2, not with a bare "unknown command".
func TestForeignCommandsNameGoplinesEquivalent(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"inspect", "h264enc"}, `unknown command "inspect"; gst-inspect-1.0's is gopline elements, which lists the elements; gopline elements h264enc describes one`},
		{[]string{"inspect"}, "gopline elements NAME describes one"},
		{[]string{"node", "list"}, "gopline has no node command: gopline topics lists the topics of every node found"},
		{[]string{"publish", "topic=camera"}, "publish is an element, not a command: a pipeline publishes, as in gopline run 'testsrc ! h264enc ! publish topic=/camera'"},
		{[]string{"hz", "/camera"}, "ros2 topic hz is gopline topic hz /camera"},
		{[]string{"topic", "pub", "/camera"}, "gopline topic has no pub: a pipeline publishes, as in gopline run 'testsrc ! h264enc ! publish topic=/camera'"},
		{[]string{"run", "testsrc ! fakesink", "--ros-args", "-p", "x:=1"}, "unknown flag: --ros-args; gopline takes no --ros-args: a node's name is --name"},
		{[]string{"topics", "--ros-args"}, "and --log-level debug is -v"},
	} {
		code, _, stderr := runCmd(c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("gopline %s: exit %d, %q; want exit 2 saying %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
		if strings.Contains(stderr, "see gopline --help") {
			t.Errorf("gopline %s: %q sends to --help when it has the answer", strings.Join(c.args, " "), stderr)
		}
	}
}
