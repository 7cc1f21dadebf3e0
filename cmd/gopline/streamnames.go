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
	if len(streams) == 0 {
		return usagef("--stream %q: %s holds no streams", name, file)
	}
	hint := ""
	switch slashed := "/" + strings.TrimLeft(name, "/"); {
	case !strings.HasPrefix(name, "/") && slices.Contains(streams, slashed):
		hint = fmt.Sprintf(" (did you mean %s? a stream is named as its topic, with a leading slash)", slashed)
	default:
		hint = didYouMean(nearest(name, streams))
	}
	return usagef("--stream %q: %s has streams %s%s", name, file, strings.Join(streams, ", "), hint)
}

// nearest is the name among names a mistyped one meant, if any, as a list
// for didYouMean.
func nearest(name string, names []string) []string {
	if near := pipeline.Nearest(name, names); near != "" {
		return []string{near}
	}
	return nil
}
