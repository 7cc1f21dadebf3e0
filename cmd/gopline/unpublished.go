package main

import (
	"fmt"
	"slices"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/pipeline"
)

// unpublishedSubscribes tells, by node, of the subscribers of line that
// got nothing because no publisher offers their topic: neither line
// itself, nor the node at their remote=, nor (without remote=) this
// process or the nodes found. Ask it before n closes.
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
		if remote := remotes[s.Node]; !slices.Contains(n.Bus().Published(remote), topic) {
			why[s.Node] = noPublisher(topic, remote)
		}
	}
	return why
}

// noPublisher says that no publisher of topic was found.
func noPublisher(topic, remote string) string {
	if remote != "" {
		return fmt.Sprintf("got nothing: no publisher of %s was found at %s", topic, remote)
	}
	return fmt.Sprintf("got nothing: no publisher of %s was found", topic)
}
