package main

import (
	"io"

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
