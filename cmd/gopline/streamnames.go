package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gopline/gopline/pipeline"
)

// unknownStream is the usage error for --stream name, which the recording
// file does not hold: it lists the streams it holds, and names the one
// meant when name lacks only its leading slash or is a near miss.
func unknownStream(file, name string, streams []string) error {
	return unknownName("--stream", "stream", "a stream is named as its topic, with a leading slash", file, name, streams)
}

// unknownName is the usage error for flag's name of a what ("stream",
// "topic") that file does not hold, as unknownStream's; slash says why
// the name wants its leading slash.
func unknownName(flag, what, slash, file, name string, names []string) error {
	if len(names) == 0 {
		return usagef("%s %q: %s holds no %ss", flag, name, file, what)
	}
	hint := ""
	switch slashed := "/" + strings.TrimLeft(name, "/"); {
	case !strings.HasPrefix(name, "/") && slices.Contains(names, slashed):
		hint = fmt.Sprintf(" (did you mean %s? %s)", slashed, slash)
	default:
		hint = didYouMean(nearest(name, names))
	}
	return usagef("%s %q: %s has %ss %s%s", flag, name, file, what, strings.Join(names, ", "), hint)
}

// nearest is the name among names a mistyped one meant, if any, as a list
// for didYouMean.
func nearest(name string, names []string) []string {
	if near := pipeline.Nearest(name, names); near != "" {
		return []string{near}
	}
	return nil
}
