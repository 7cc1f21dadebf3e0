package main

import (
	"fmt"
	"strings"

	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/pipeline/syntax"
	"github.com/gopline/gopline/qos"
)

// fellBehindAdvice is what a recording that fell behind its topic is told:
// a topic never waits for a subscriber, so a source that outruns real time
// outruns the recording's subscription.
const fellBehindAdvice = "a file read faster than real time is recorded whole with is-live=true on its source"

// subscriberLoss is what one subscribe node that feeds a recorder dropped
// because it fell behind its topic.
type subscriberLoss struct {
	node, topic string
	packets     uint64
}

// recordingLoss is the one rule for a recording that lost packets on the
// way to its file: the run fails, saying how many and why, unless the
// recording asked to be lossy. A recorder that subscribes itself
// (topics=, gopline record) counts what its subscriptions dropped in its
// own dropped; a recorder of its input loses what the subscribe nodes in
// front of it dropped (subscribe topic=/c ! record). A subscription that
// asks for best effort (qos=best_effort, qos=sensor_data) asked for a
// lossy recording: its drops are counted, and accepted.
type recordingLoss struct {
	// own is what the recorder dropped itself; ownLossy: its own
	// subscriptions asked for best effort.
	own      uint64
	ownLossy bool
	// writesFailed: the recorder's writes failed, which its errors say;
	// its own drops are then not put down to falling behind.
	writesFailed bool
	// subscribers are the subscribe nodes in front of a recorder of its
	// input whose drops were not asked for.
	subscribers []subscriberLoss
}

// failure is why the recording fails the run, or "".
func (l recordingLoss) failure() string {
	var lost uint64
	var why []string
	if l.own > 0 && l.writesFailed {
		return fmt.Sprintf("lost %s", plural(l.own, "packet")) // the writes' errors say why
	}
	if l.own > 0 && !l.ownLossy {
		lost += l.own
		why = append(why, "it fell behind its topic")
	}
	for _, s := range l.subscribers {
		lost += s.packets
		why = append(why, fmt.Sprintf("its subscriber %s fell behind its topic %s", s.node, s.topic))
	}
	if lost == 0 {
		return ""
	}
	return fmt.Sprintf("lost %s: %s (%s)", plural(lost, "packet"), strings.Join(why, ", and "), fellBehindAdvice)
}

// recordingLosses are, by record node, the losses of the recorders of a
// run (recordingLoss) from its counters and its line: which subscribe
// nodes feed each recorder, and which subscriptions asked for best effort.
func recordingLosses(line string, stats []pipeline.NodeStats) map[string]recordingLoss {
	feeds := lineRecordFeeds(line)
	byNode := map[string]pipeline.NodeStats{}
	for _, s := range stats {
		byNode[s.Node] = s
	}
	losses := map[string]recordingLoss{}
	for _, s := range stats {
		if s.Element != "record" {
			continue
		}
		l := recordingLoss{own: s.Dropped, ownLossy: feeds.lossy[s.Node], writesFailed: s.Errors > 0}
		for _, sub := range feeds.subscribes[s.Node] {
			if d := byNode[sub].Dropped; d > 0 && !feeds.lossy[sub] {
				l.subscribers = append(l.subscribers, subscriberLoss{node: sub, topic: feeds.topics[sub], packets: d})
			}
		}
		losses[s.Node] = l
	}
	return losses
}

// recordFeeds is what a line says of its recorders' subscriptions.
type recordFeeds struct {
	// subscribes are, by record node, the subscribe nodes upstream of it,
	// the nearest first.
	subscribes map[string][]string
	// topics are the subscribe nodes' topics.
	topics map[string]string
	// lossy: the node (a subscribe, or a record with topics=) asks for
	// best effort.
	lossy map[string]bool
}

// lineRecordFeeds reads a line's recordFeeds: its chains' links, elements
// and references alike, and the qos= of its subscribe and record nodes. A
// line that does not parse has none (parseLine reports it).
func lineRecordFeeds(line string) recordFeeds {
	f := recordFeeds{subscribes: map[string][]string{}, topics: map[string]string{}, lossy: map[string]bool{}}
	ast, err := syntax.Parse(line)
	if err != nil {
		return f
	}
	names := pipeline.NodeNames(ast)
	kind := map[string]string{}
	var order []string
	for el, name := range names {
		kind[name] = el.Type
		for _, p := range el.Props {
			switch {
			case p.Key == "topic" && el.Type == "subscribe":
				f.topics[name] = p.Value
			case p.Key == "qos" && (el.Type == "subscribe" || el.Type == "record"):
				f.lossy[name] = asksBestEffort(p.Value)
			}
		}
	}
	feeders := map[string][]string{} // by node, the nodes that feed it
	for _, c := range ast.Chains {
		prev := ""
		for _, n := range c.Nodes {
			name := ""
			if n.Element != nil {
				name = names[n.Element]
				order = append(order, name)
			} else if n.Ref != nil {
				name = n.Ref.Name
			}
			if prev != "" && name != "" {
				feeders[name] = append(feeders[name], prev)
			}
			prev = name
		}
	}
	for _, rec := range order {
		if kind[rec] != "record" {
			continue
		}
		seen := map[string]bool{rec: true}
		queue := []string{rec}
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			for _, up := range feeders[n] {
				if seen[up] {
					continue
				}
				seen[up] = true
				queue = append(queue, up)
				if kind[up] == "subscribe" {
					f.subscribes[rec] = append(f.subscribes[rec], up)
				}
			}
		}
	}
	return f
}

// asksBestEffort reports whether a qos= text asks for best effort: a
// lossy subscription. "auto", and a text that does not parse (the element
// refuses it), do not.
func asksBestEffort(text string) bool {
	if strings.TrimSpace(text) == "auto" {
		return false
	}
	p, err := qos.ParseProfile(text)
	return err == nil && p.Reliability == qos.BestEffort
}

// recordingLoss is the loss of the record node s: as recordingLosses
// found it, or, for a recorder they do not know, its own drops.
func (r judgeRules) recordingLoss(s pipeline.NodeStats) recordingLoss {
	if l, ok := r.losses[s.Node]; ok {
		return l
	}
	return recordingLoss{own: s.Dropped, writesFailed: s.Errors > 0}
}
