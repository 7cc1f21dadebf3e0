package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gopline/gopline/pipeline"
)

// publishedLines say how many packets play published on each topic: what
// its publish node took, which all went out on the topic, whatever any
// subscriber (one that joined late, or fell behind and dropped) saw of
// them. publishers maps each publish node to its topic.
func publishedLines(stats []pipeline.NodeStats, publishers map[string]string) []string {
	stats = slices.Clone(stats)
	slices.SortFunc(stats, func(a, b pipeline.NodeStats) int { return strings.Compare(publishers[a.Node], publishers[b.Node]) })
	var out []string
	for _, s := range stats {
		if topic, ok := publishers[s.Node]; ok {
			out = append(out, fmt.Sprintf("published %s on %s", plural(s.In, "packet"), topic))
		}
	}
	return out
}
