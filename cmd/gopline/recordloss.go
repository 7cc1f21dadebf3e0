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

// stalledAdvice is what a recording that fell behind a topic published
// elsewhere (another node's, through subscribe remote=) is told.
const stalledAdvice = "a subscription falls behind when its process stalls or takes the stream slower than it comes"

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
	// input whose drops were not asked for, or in front of a publish of a
	// topic it records (subscribe remote=... ! publish topic=/c, which
	// gopline record --topic /c records).
	subscribers []subscriberLoss
	// elsewhere: a topic it lost packets of is published by another node,
	// not by a source of the run.
	elsewhere bool
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
	advice := fellBehindAdvice
	if l.elsewhere {
		advice = stalledAdvice
	}
	return fmt.Sprintf("lost %s: %s (%s)", plural(lost, "packet"), strings.Join(why, ", and "), advice)
}

// recordingLosses are, by record node, the losses of the recorders of a
// run (recordingLoss) from its counters and its line: which subscribe
// nodes feed each recorder, directly or through a publish of a topic it
// records, and which subscriptions asked for best effort. recorded are the
// topics of the recorders the line does not hold (gopline record's).
func recordingLosses(line string, stats []pipeline.NodeStats, recorded map[string][]string) map[string]recordingLoss {
	feeds := lineRecordFeeds(line)
	for node, topics := range recorded {
		feeds.recorded[node] = topics
	}
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
		subs := feeds.subscribes[s.Node]
		for _, topic := range feeds.recorded[s.Node] {
			subs = append(subs, feeds.publishers[topic]...)
			l.elsewhere = l.elsewhere || (s.Dropped > 0 && !feeds.published[topic])
		}
		for _, sub := range subs {
			if d := byNode[sub].Dropped; d > 0 && !feeds.lossy[sub] {
				l.subscribers = append(l.subscribers, subscriberLoss{node: sub, topic: feeds.topics[sub], packets: d})
				l.elsewhere = l.elsewhere || !feeds.published[feeds.topics[sub]] || feeds.remote[sub]
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
	// recorded are, by record node, the topics it subscribes to itself
	// (topics=).
	recorded map[string][]string
	// publishers are, by topic, the subscribe nodes upstream of a publish
	// of it; published: a publish of the line publishes it.
	publishers map[string][]string
	published  map[string]bool
	// remote: the subscribe node subscribes to another node (remote=).
	remote map[string]bool
}

// lineRecordFeeds reads a line's recordFeeds: its chains' links, elements
// and references alike, and the qos= of its subscribe and record nodes. A
// line that does not parse has none (parseLine reports it).
func lineRecordFeeds(line string) recordFeeds {
	f := recordFeeds{subscribes: map[string][]string{}, topics: map[string]string{}, lossy: map[string]bool{},
		recorded: map[string][]string{}, publishers: map[string][]string{}, published: map[string]bool{}, remote: map[string]bool{}}
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
			case p.Key == "topic" && (el.Type == "subscribe" || el.Type == "publish"):
				f.topics[name] = p.Value
			case p.Key == "remote" && el.Type == "subscribe":
				f.remote[name] = p.Value != ""
			case p.Key == "topics" && el.Type == "record":
				f.recorded[name] = strings.Split(p.Value, ",")
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
		if kind[rec] == "publish" {
			f.published[f.topics[rec]] = true
		}
		if kind[rec] != "record" && kind[rec] != "publish" {
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
				switch {
				case kind[up] != "subscribe":
				case kind[rec] == "record":
					f.subscribes[rec] = append(f.subscribes[rec], up)
				default:
					f.publishers[f.topics[rec]] = append(f.publishers[f.topics[rec]], up)
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
