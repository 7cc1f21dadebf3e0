package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/pipeline/syntax"
)

// A file source that is not live is read as fast as the pipeline takes it,
// and a topic never waits for its subscribers: a subscriber of the same
// run that decodes, or records, falls behind and drops whole GOPs, and the
// run looks like a slow machine. The one fix is to pace the file at its
// own frame rate, which the user must be told.

// flatOutAdvice is what a run whose file source outran its subscribers is
// told.
const flatOutAdvice = "set is-live=true on the source so that it plays at its frame rate"

// flatOutRule finds the drops of a run's own subscribers behind a file
// source read flat out: the line's file sources that are not live (a
// videosrc of a file without is-live=true, a play with is-live=false), and
// its subscribe nodes of topics the line publishes itself (no remote=).
// The zero value finds nothing.
type flatOutRule struct {
	// sources are the file sources read flat out, by node name, with
	// the file each reads.
	sources map[string]string
	// subscribers are the subscribe nodes of the line's own topics, with
	// the topic each takes.
	subscribers map[string]string
	// kept are the sources that keep their recorded capture times (play
	// keep-time=true).
	kept map[string]bool
}

// lineFlatOut reads a line's flatOutRule; a line that does not parse, or
// has no file source read flat out feeding a topic the line subscribes to
// itself, has a rule that finds nothing. A source and a subscriber are
// paired only through a topic the source's own chain publishes: a live
// camera's subscriber is not told of a recording copied flat out to
// another topic beside it.
func lineFlatOut(line string) flatOutRule {
	r := flatOutRule{sources: map[string]string{}, subscribers: map[string]string{}, kept: map[string]bool{}}
	ast, err := syntax.Parse(line)
	if err != nil {
		return r
	}
	names := pipeline.NodeNames(ast)
	flatOut := map[string]string{}    // source node to its file
	publishes := map[string]string{}  // publish node to its topic
	subscribed := map[string]string{} // subscribe node to its topic
	for el, name := range names {
		props := map[string]string{}
		for _, p := range el.Props {
			props[p.Key] = p.Value
		}
		switch el.Type {
		case "videosrc":
			if loc := props["location"]; isFile(loc, props["input-format"]) && !isTrue(props["is-live"], false) {
				flatOut[name] = loc
			}
		case "play":
			if !isTrue(props["is-live"], true) {
				flatOut[name] = props["path"]
				r.kept[name] = isTrue(props["keep-time"], false)
			}
		case "publish":
			publishes[name] = props["topic"]
		case "subscribe":
			if props["remote"] == "" {
				subscribed[name] = props["topic"]
			}
		}
	}
	next := lineLinks(ast, names)
	for source, file := range flatOut {
		topics := map[string]bool{}
		for node := range downstream(next, source) {
			if topic, ok := publishes[node]; ok {
				topics[topic] = true
			}
		}
		for node, topic := range subscribed {
			if topics[topic] {
				r.sources[source] = file
				r.subscribers[node] = topic
			}
		}
	}
	return r
}

// lineLinks returns, for each node of a line by its name, the nodes it
// feeds: the next in its chain, a reference x. standing first in a chain
// feeding that chain from x and one standing last fed by the chain.
func lineLinks(ast *syntax.Pipeline, names map[*syntax.Element]string) map[string][]string {
	next := map[string][]string{}
	for _, c := range ast.Chains {
		for i := 1; i < len(c.Nodes); i++ {
			from, to := nodeName(c.Nodes[i-1], names), nodeName(c.Nodes[i], names)
			next[from] = append(next[from], to)
		}
	}
	return next
}

func nodeName(n syntax.Node, names map[*syntax.Element]string) string {
	if n.Ref != nil {
		return n.Ref.Name
	}
	return names[n.Element]
}

// downstream returns the nodes node feeds, directly or through others.
func downstream(next map[string][]string, node string) map[string]bool {
	seen := map[string]bool{}
	todo := []string{node}
	for len(todo) > 0 {
		n := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, m := range next[n] {
			if !seen[m] {
				seen[m] = true
				todo = append(todo, m)
			}
		}
	}
	return seen
}

// isFile reports whether a videosrc's location (read with input format
// format) is a file: not a device, not the network.
func isFile(location, format string) bool {
	switch {
	case location == "", strings.HasPrefix(location, "/dev/"), ffmpeg.IsNetwork(location):
		return false
	case format == "v4l2", format == "video4linux2":
		return false
	}
	return true
}

// isTrue reads a boolean property's value, def when it is not set (a
// value that does not parse fails the line before it runs).
func isTrue(value string, def bool) bool {
	if value == "" {
		return def
	}
	b, err := strconv.ParseBool(value)
	return err == nil && b
}

// warning is what the rule says of a run's counters: how many packets its
// subscribers dropped behind its file sources read flat out, and the
// advice; "" when they dropped none, or the line has no such source.
func (r flatOutRule) warning(stats []pipeline.NodeStats) string {
	if len(r.sources) == 0 {
		return ""
	}
	var dropped uint64
	var subs []string
	for _, s := range stats {
		if _, ok := r.subscribers[s.Node]; ok && s.Dropped > 0 {
			dropped += s.Dropped
			subs = append(subs, s.Node)
		}
	}
	if dropped == 0 {
		return ""
	}
	var sources []string
	for node, file := range r.sources {
		sources = append(sources, fmt.Sprintf("%s (%s)", node, file))
	}
	slices.Sort(sources)
	slices.Sort(subs)
	return fmt.Sprintf("%s dropped %s: %s read faster than real time, and a topic never waits for its subscribers; %s",
		strings.Join(subs, ", "), plural(dropped, "packet"), strings.Join(sources, ", "), flatOutAdvice)
}

// ahead is what the rule says of a line before it runs: that its file
// sources read flat out outrun its subscribers of its own topics, which
// drop whole GOPs as soon as they fall behind, and what to write instead;
// "" for a line with no such source or subscriber. It is said at once,
// where the subscriber's own warning needs the stream to come for a while
// (outrun: two seconds of a recording played with its recorded times),
// and the summary's comes at the end.
func (r flatOutRule) ahead() string {
	if len(r.sources) == 0 || len(r.subscribers) == 0 {
		return ""
	}
	var sources, subs, fixes []string
	kept := false
	for node, file := range r.sources {
		sources = append(sources, fmt.Sprintf("%s (%s)", node, file))
		fixes = append(fixes, node)
		kept = kept || r.kept[node]
	}
	for node, topic := range r.subscribers {
		subs = append(subs, fmt.Sprintf("%s takes %s", node, topic))
	}
	slices.Sort(sources)
	slices.Sort(subs)
	slices.Sort(fixes)
	fix := fmt.Sprintf("write is-live=true on %s so that it plays at its own pace", strings.Join(fixes, ", "))
	if kept {
		fix += " (keep-time=true keeps the recorded capture times at that pace, as ros2 bag play does)"
	}
	return fmt.Sprintf("%s is read as fast as the pipeline takes it (is-live=false), and %s, a topic this line publishes: "+
		"a topic never waits for its subscribers, so one slower than the read drops whole GOPs; %s, "+
		"or put what the subscriber feeds in the source's own chain, without the topic",
		strings.Join(sources, ", "), strings.Join(subs, ", "), fix)
}
