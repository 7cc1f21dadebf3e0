package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gopline/gopline/discovery"
	"github.com/gopline/gopline/pipeline/syntax"
	"github.com/gopline/gopline/transport"
)

// topicChoice is what `gopline record` is told to record, as ros2 bag
// record is: topics by name (--topic), every topic (--all), the topics a
// regular expression finds in their names (--regex), less those another
// finds (--exclude). --all and --regex choose among the topics published
// when the recording starts: by the pipeline's line, and by the other
// nodes found. --all goes alone; --exclude leaves out found topics only,
// never named ones.
type topicChoice struct {
	named   []string
	all     bool
	regex   string
	exclude string
}

// searches reports whether the choice is made among the published topics
// (--all or --regex), rather than by name alone.
func (c topicChoice) searches() bool { return c.all || c.regex != "" }

// compile checks the named topics and the two expressions: a bad one is a
// usage error, said before anything starts.
func (c topicChoice) compile() (include, exclude *regexp.Regexp, err error) {
	for _, t := range c.named {
		if err := transport.ValidateTopicName(t); err != nil {
			if strings.ContainsAny(t, "*?[]()|+^$\\") {
				return nil, nil, usagef("--topic %q: %v (a regular expression is --regex)", t, err)
			}
			return nil, nil, usagef("--topic: %v", err)
		}
	}
	if strings.Contains(c.regex, " ! ") {
		return nil, nil, usagef("--regex %q is a pipeline: -e is ros2 bag record's --regex here, and gst-launch's -e is not needed (Ctrl-C ends the stream cleanly)", c.regex)
	}
	if strings.HasPrefix(c.regex, "-") {
		// -e given first, as gst-launch's is: it took the next flag.
		return nil, nil, usagef("--regex %q is a flag: -e is ros2 bag record's --regex here, which takes a regular expression of topic names, "+
			"and gst-launch's -e is not needed (Ctrl-C ends the stream cleanly); an expression that starts with a dash is written [-]...", c.regex)
	}
	if c.regex != "" {
		if include, err = regexp.Compile(c.regex); err != nil {
			return nil, nil, usagef("--regex: %v", err)
		}
	}
	if c.all && (c.regex != "" || len(c.named) > 0) {
		// As ros2 bag record refuses them: --all would take every topic.
		return nil, nil, usagef("--all records every topic already: give it without --regex and --topic")
	}
	if c.exclude != "" {
		if exclude, err = regexp.Compile(c.exclude); err != nil {
			return nil, nil, usagef("--exclude: %v", err)
		}
		if !c.searches() {
			return nil, nil, usagef("--exclude leaves out topics of --all or --regex, not those named with --topic; give one of them")
		}
	}
	return include, exclude, nil
}

// published is what --all and --regex choose among: the topics this
// pipeline publishes (here), and the nodes that publish each topic other
// nodes found publish (others: topic to "NAME at ADDR" of each node).
type published struct {
	here   []string
	others map[string][]string
	// addrs are, by topic, the address of a node found that publishes it
	// (otherAddrs).
	addrs map[string]string
}

// names are the published topics, sorted, each once.
func (p published) names() []string {
	out := slices.Clone(p.here)
	for t := range p.others {
		out = append(out, t)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// leftOut is a topic --all or --regex found but cannot record: more than
// one other node publishes it, and this pipeline does not, so a
// subscriber would not know which node to take it from.
type leftOut struct {
	topic string
	nodes []string
	// takenFrom is the node a search found the topic at before a second
	// node published it: its recording goes on from there.
	takenFrom string
}

// String is the warning record gives for the topic: which nodes publish
// it, and how to record it from one of them.
func (l leftOut) String() string {
	if l.takenFrom != "" {
		return fmt.Sprintf("%s: more than one node publishes it now (%s); its recording goes on from %s, the node it was found at",
			l.topic, strings.Join(l.nodes, ", "), l.takenFrom)
	}
	return fmt.Sprintf("leaving out %s: more than one node publishes it (%s); to record it from one, "+
		"give --topic %s and the pipeline 'subscribe topic=%s remote=HOST:PORT ! publish topic=%s'",
		l.topic, strings.Join(l.nodes, ", "), l.topic, l.topic, l.topic)
}

// choose returns the topics to record, sorted, among pub: the named ones,
// and with --all or --regex the published ones that match (a regular
// expression finds a match anywhere in the name, as ros2 bag record's -e
// does), less those --exclude finds, and less those more than one other
// node publishes (returned as left out: the user names the node with a
// pipeline of their own). A named topic stays: its subscriber says which
// nodes publish it.
func (c topicChoice) choose(pub published) ([]string, []leftOut, error) {
	out, left, err := c.pick(pub)
	if err != nil {
		return nil, nil, err
	}
	if len(out) == 0 && c.searches() {
		return nil, nil, c.noneFound(pub.names(), left)
	}
	return out, left, nil
}

// pick is choose without its judgement of an empty choice: what a search
// while recording finds (topicSearch).
func (c topicChoice) pick(pub published) ([]string, []leftOut, error) {
	include, exclude, err := c.compile()
	if err != nil {
		return nil, nil, err
	}
	var found []string
	for _, t := range pub.names() {
		if c.all || include != nil && include.MatchString(t) {
			found = append(found, t)
		}
	}
	if exclude != nil {
		found = slices.DeleteFunc(found, exclude.MatchString)
	}
	var left []leftOut
	found = slices.DeleteFunc(found, func(t string) bool {
		if nodes := pub.others[t]; len(nodes) > 1 && !slices.Contains(pub.here, t) && !slices.Contains(c.named, t) {
			left = append(left, leftOut{topic: t, nodes: nodes})
			return true
		}
		return false
	})
	out := append(slices.Clone(c.named), found...)
	slices.Sort(out)
	return slices.Compact(out), left, nil
}

// noTopic is the error of a choice that leaves no topic: why says why
// (the pipeline publishes none, the expression matches none of those
// published, ...), and hint what may help. With the search on, record
// waits for topics to appear instead (recordFlags.startLine).
type noTopic struct{ why, hint string }

func (e *noTopic) Error() string { return "no topic to record: " + e.why + e.hint }

// noneFound says why --all or --regex chose no topic.
func (c topicChoice) noneFound(published []string, left []leftOut) error {
	if len(published) == 0 {
		return &noTopic{"the pipeline publishes none and no other node found publishes one", " (gopline topics lists them)"}
	}
	what := "--all"
	if !c.all {
		what = fmt.Sprintf("--regex %q", c.regex)
	}
	if c.exclude != "" {
		what += fmt.Sprintf(" less --exclude %q", c.exclude)
	}
	if len(left) > 0 {
		why := make([]string, len(left))
		for i, l := range left {
			why[i] = l.String()
		}
		return &noTopic{fmt.Sprintf("%s finds only topics that more than one node publishes; %s", what, strings.Join(why, "; ")), ""}
	}
	return &noTopic{fmt.Sprintf("%s leaves none of %s", what, strings.Join(published, ", ")), ""}
}

// othersPublishing maps each topic that the nodes found publish to those
// nodes, "NAME at ADDR" each (published.others).
func othersPublishing(nodes []discovery.NodeTopics) map[string][]string {
	out := map[string][]string{}
	for _, n := range nodes {
		who := n.Addr
		if n.Name != "" {
			who = n.Name + " at " + n.Addr
		}
		for _, t := range n.Topics {
			if t.Publishers > 0 && !slices.Contains(out[t.Name], who) {
				out[t.Name] = append(out[t.Name], who)
			}
		}
	}
	return out
}

// linePublished returns the topics a pipeline line publishes (publish
// topic=); a line that does not parse publishes none (parseLine says why).
func linePublished(line string) []string {
	var out []string
	ast, err := syntax.Parse(line)
	if err != nil {
		return nil
	}
	for _, c := range ast.Chains {
		for _, nd := range c.Nodes {
			if nd.Element == nil || nd.Element.Type != "publish" {
				continue
			}
			for _, p := range nd.Element.Props {
				if p.Key == "topic" {
					out = append(out, strings.TrimSpace(p.Value))
				}
			}
		}
	}
	return out
}
