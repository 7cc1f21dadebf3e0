package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"

	"github.com/gopline/gopline/transport"
)

// rootedTopic is the topic that name, as given on the command line,
// means: name itself, or, for a relative name (camera), the name in the
// root namespace (/camera), as ros2 topic and ros2 bag record resolve one
// for a node in the root namespace. Names are never relative to anything
// else in gopline, so the slash is all that is missing. note says what was
// done, for stderr; it is "" when name is taken as it is (a name that is
// wrong either way is left for the topic's check to name).
func rootedTopic(name string) (topic, note string) {
	if topic = transport.RootedName(name); topic == name {
		return name, ""
	}
	return topic, fmt.Sprintf("note: topic %s is taken as %s: a name without a leading slash is in the root namespace, as ros2 takes it", name, topic)
}

// rootTopics is rootedTopic for each of names, its notes written to
// stderr.
func rootTopics(names []string, stderr io.Writer) []string {
	out := make([]string, len(names))
	for i, name := range names {
		var note string
		out[i], note = rootedTopic(name)
		if note != "" {
			fmt.Fprintln(stderr, note)
		}
	}
	return out
}

// topicsVerbs are the words ros2 topic takes after its name, for gopline
// topics (as in ros2 topic list): list is gopline topics itself, the
// others a command of gopline topic, or publish in a pipeline.
var topicsVerbs = []string{"list", "echo", "hz", "bw", "info", "pub", "type", "find", "delay"}

// topicsArgs takes gopline topics' arguments: none, or list, as ros2
// topic list; a word of ros2 topic's other commands is an error that
// names gopline's (usageArgs makes it a usage error).
func topicsArgs(_ *cobra.Command, args []string) error {
	switch {
	case len(args) == 0 || len(args) == 1 && args[0] == "list":
		return nil
	case !slices.Contains(topicsVerbs, args[0]):
		return fmt.Errorf("unexpected argument %q", args[0])
	case args[0] == "list":
		return fmt.Errorf("unexpected argument %q after list", args[1])
	}
	rest := ""
	if len(args) > 1 {
		rest = " " + shellLine(args[1:])
	}
	switch args[0] {
	case "pub":
		return fmt.Errorf("gopline topics has no pub: %s", publishHint)
	case "type", "find":
		return fmt.Errorf("gopline topics has no %s: gopline topics lists each topic with its codec and picture size, and gopline topic info%s describes one", args[0], rest)
	}
	return fmt.Errorf("gopline topics lists the topics; one topic is looked at with gopline topic: run gopline topic %s%s", args[0], rest)
}
