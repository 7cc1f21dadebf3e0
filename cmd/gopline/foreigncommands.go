package main

import (
	"fmt"
	"strings"
)

// An unknown command that users of gst-inspect, ros2 and ffmpeg type after
// gopline out of habit is answered with gopline's equivalent, or with why
// there is none, after the error (foreignCommandHint).

// publishHint answers ros2 topic pub: gopline publishes from a pipeline.
const publishHint = "a pipeline publishes, as in gopline run 'testsrc ! h264enc ! publish topic=/camera' (publish is an element)"

// rosArgsHint answers --ros-args, which sets a ROS node's name, parameters,
// remappings and log level.
const rosArgsHint = "gopline takes no --ros-args: a node's name is --name (run, serve, record), " +
	"a ros2 parameter (-p NAME:=VALUE) is an element's property in the line (h264enc bitrate=2M), " +
	"a remapping (-r FROM:=TO) is the topic named in the line (publish topic=/other), " +
	"and --log-level debug is -v"

// foreignCommands map a command gopline does not have to what it takes
// instead. A hint's %s, when it has one, is the rest of the command line
// after the command's name (" NAME" for gopline inspect NAME), "" if none.
// (ros2 bag is a hidden command of its own, bagCommand.)
var foreignCommands = map[string]string{
	"inspect": "gst-inspect-1.0's is gopline elements, which lists the elements; gopline elements%s describes one",
	"node": "gopline has no node command: gopline topics lists the topics of every node found, " +
		"each topic with its node and its publishers and subscribers (ros2 node list and info); --remote HOST:PORT asks one node",
	"nodes": "gopline topics lists the topics of every node found, each with its node",
	"pub":   publishHint,
	"publish": "publish is an element, not a command: a pipeline publishes, as in gopline run 'testsrc ! h264enc ! publish topic=/camera'" +
		"; a topic name without its leading slash is in the root namespace (topic=camera is /camera)",
	"launch": "gopline has no launch files: one gopline run (or serve) line holds several chains, a space between them",
	"param":  "gopline has no parameters: an element's properties are set in its line (h264enc bitrate=2M), and gopline elements NAME lists them",
	"list":   "gopline topics lists the topics",
	"echo":   "ros2 topic echo is gopline topic echo%s",
	"hz":     "ros2 topic hz is gopline topic hz%s",
	"bw":     "ros2 topic bw is gopline topic bw%s",
	"delay":  "ros2 topic delay is gopline topic delay%s",
	"probe":  "gopline info describes a recording; a video file or stream is read by videosrc location=FILE (gopline run 'videosrc location=FILE ! stats')",
}

// foreignCommandHint is what follows "unknown command NAME" for args, a
// command line whose first word gopline does not know: "; " and the hint,
// or "" when there is none.
func foreignCommandHint(args []string) string {
	hint, ok := foreignCommands[args[0]]
	if !ok {
		return ""
	}
	rest := ""
	if len(args) > 1 {
		rest = " " + shellLine(args[1:])
	}
	switch {
	case args[0] == "inspect" && rest == "":
		return "; " + fmt.Sprintf(hint, " NAME")
	case strings.Contains(hint, "%s"):
		return "; " + fmt.Sprintf(hint, rest)
	}
	return "; " + hint
}
