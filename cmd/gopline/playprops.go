package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gopline/gopline/pipeline/syntax"
)

// gopline play's arguments are recordings; a user who knows the play
// element writes its properties after them, as in a pipeline line (is-live=false
// keep-time=true). Each is refused before anything plays, with the flag
// that says it, rather than taken for a file that does not exist.

// playPropFlags are the play element's properties that gopline play takes
// as flags, by name.
var playPropFlags = map[string]string{"keep-time": "--keep-time", "rate": "--rate", "start": "--start", "end": "--end",
	"loop": "--loop", "stream": "--stream"}

// playRecordings takes one recording file or more, none of them the play
// element's properties.
func playRecordings(cmd *cobra.Command, args []string) error {
	if err := someRecordings(cmd, args); err != nil {
		return err
	}
	var props, files, said []string
	for _, arg := range args {
		key, _, ok := strings.Cut(arg, "=")
		if _, err := os.Stat(arg); err == nil || !ok || !isPlayProp(key) {
			files = append(files, arg)
			continue
		}
		props = append(props, arg)
	}
	if len(props) == 0 {
		return nil
	}
	file := "FILE"
	if len(files) > 0 {
		file = files[0]
	}
	for _, prop := range props {
		said = append(said, playPropAnswer(prop, props, file))
	}
	return fmt.Errorf("takes flags, not the play element's properties, which are written in a pipeline line: %s", strings.Join(said, "; "))
}

func isPlayProp(key string) bool {
	_, flag := playPropFlags[key]
	return flag || key == "is-live" || key == "path"
}

// playPropAnswer says what gopline play takes for prop, one of props
// given after the recording file.
func playPropAnswer(prop string, props []string, file string) string {
	key, value, _ := strings.Cut(prop, "=")
	switch {
	case key == "path":
		return fmt.Sprintf("%s is gopline play's argument: gopline play %s", prop, value)
	case key == "is-live" && isTrue(value, true):
		return prop + ": gopline play plays at the recorded pace already (--rate times it)"
	case key == "is-live":
		// A copy flat out is read once (a loop would copy for ever) and at
		// no rate: the user's loop= and rate= stay out of its line.
		var rest []string
		for _, p := range props {
			if k, _, _ := strings.Cut(p, "="); k != "is-live" && k != "path" && k != "loop" && k != "rate" {
				rest = append(rest, p)
			}
		}
		line := strings.Join(append([]string{"play path=" + syntax.Value(file), "is-live=false"}, rest...), " ")
		return fmt.Sprintf("%s: gopline play publishes at the recorded pace (--rate times it), as a topic's subscribers "+
			"can take it; a recording read as fast as possible goes into a chain of its own, without a topic: "+
			"gopline run '%s ! record path=OUT.gopline stream=NAME'", prop, line)
	case key == "keep-time" || key == "loop":
		switch on, err := strconv.ParseBool(value); {
		case err != nil:
			return fmt.Sprintf("%s is %s=%s, which takes true or false", prop, playPropFlags[key], value)
		case on:
			return fmt.Sprintf("%s is %s", prop, playPropFlags[key])
		}
		return fmt.Sprintf("%s is the default: leave it out (or %s=false)", prop, playPropFlags[key])
	default:
		return fmt.Sprintf("%s is %s %s", prop, playPropFlags[key], value)
	}
}
