package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/pipeline"
)

// recordPipeline is the pipeline of gopline record: line's, or an empty
// one on n when there is no line (the recorder then records topics of
// other nodes).
func recordPipeline(n *gopline.Node, line string, stderr io.Writer) (*pipeline.Pipeline, error) {
	if line == "" {
		return n.NewPipeline()
	}
	return parseLine(n, line, stderr)
}

// recordedSomething fails a recording that took no packet of any of
// topics: no publisher offered them (the recorder warned, naming the
// topics that are published).
func recordedSomething(stats []pipeline.NodeStats, topics []string) error {
	for _, s := range stats {
		if s.Node == "recorder" && s.In == 0 {
			return fmt.Errorf("recorded nothing: no packet of %s came (gopline topics lists what is published)", strings.Join(topics, ", "))
		}
	}
	return nil
}
