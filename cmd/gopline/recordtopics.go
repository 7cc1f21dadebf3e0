package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gopline/gopline/pipeline/syntax"
	"github.com/gopline/gopline/transport"
)

// topicChoice is what `gopline record` is told to record, as ros2 bag
// record is: topics by name (--topic), every topic (--all), the topics a
// regular expression finds in their names (--regex), less those another
// finds (--exclude). --all and --regex choose among the topics published
// when the recording starts: by the pipeline's line, and by the other
// nodes found.
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
	if c.regex != "" {
		if include, err = regexp.Compile(c.regex); err != nil {
			return nil, nil, usagef("--regex: %v", err)
		}
	}
	if c.exclude != "" {
		if exclude, err = regexp.Compile(c.exclude); err != nil {
			return nil, nil, usagef("--exclude: %v", err)
		}
		if !c.searches() && len(c.named) == 0 {
			return nil, nil, usagef("--exclude leaves out topics of --all or --regex; give one of them")
		}
	}
	return include, exclude, nil
}

// choose returns the topics to record, sorted, among published: the named
// ones, and with --all or --regex the published ones that match (a
// regular expression finds a match anywhere in the name, as ros2 bag
// record's -e does), less those --exclude finds.
func (c topicChoice) choose(published []string) ([]string, error) {
	include, exclude, err := c.compile()
	if err != nil {
		return nil, err
	}
	out := slices.Clone(c.named)
	for _, t := range published {
		if c.all || include != nil && include.MatchString(t) {
			out = append(out, t)
		}
	}
	if exclude != nil {
		out = slices.DeleteFunc(out, exclude.MatchString)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 && c.searches() {
		return nil, c.noneFound(published)
	}
	return out, nil
}

// noneFound says why --all or --regex chose no topic.
func (c topicChoice) noneFound(published []string) error {
	if len(published) == 0 {
		return fmt.Errorf("no topic to record: the pipeline publishes none and no other node found publishes one (gopline topics lists them)")
	}
	what := "--all"
	if !c.all {
		what = fmt.Sprintf("--regex %q", c.regex)
	}
	if c.exclude != "" {
		what += fmt.Sprintf(" less --exclude %q", c.exclude)
	}
	return fmt.Errorf("no topic to record: %s leaves none of %s", what, strings.Join(published, ", "))
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
