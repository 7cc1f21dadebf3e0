package main

import (
	"github.com/gopline/gopline"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/pipeline"
)

// notServingHint is what a command that found no publisher of a topic
// says of the processes that may publish it: only those that serve are
// found, where ROS 2 finds every node.
const notServingHint = "a gopline run, play or record is found by other processes only when it serves: " +
	"start it with --listen 127.0.0.1:0, or use gopline serve"

// unpublishedSubscribes tells, by node, of the subscribers of line that
// got nothing because no publisher of their topic was found, or the node
// at their remote= did not list its topics (it could not be reached, is
// not a node, or refused this one): neither line itself, nor the node at
// their remote=, nor (without remote=) this process or the nodes found
// publish it. Ask it before n closes.
func unpublishedSubscribes(n *gopline.Node, line string, stats []pipeline.NodeStats) map[string]string {
	topics, remotes := lineTopics(line), lineProps(line, func(_, key string) bool { return key == "remote" })
	own := map[string]bool{}
	for _, topic := range lineProps(line, func(element, key string) bool { return element == "publish" && key == "topic" }) {
		own[topic] = true
	}
	why := map[string]string{}
	for _, s := range stats {
		topic := topics[s.Node]
		if s.Element != "subscribe" || s.Out > 0 || topic == "" || own[topic] {
			continue
		}
		silence := elements.Silence{Topic: topic, Remote: remotes[s.Node]}
		silence.Published, silence.Unlisted = n.Bus().Published(silence.Remote)
		if summary := silence.Summary(); summary != "" {
			if silence.Cause() == elements.SilenceUnpublished && silence.Remote == "" {
				summary += "; " + notServingHint
			}
			why[s.Node] = summary
		}
	}
	return why
}
