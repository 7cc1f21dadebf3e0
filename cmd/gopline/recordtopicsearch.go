package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/discovery"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport"
)

// topicSearch is what record --all and --regex look for while they
// record, as ros2 bag record keeps discovering: the choice's topics among
// those published now, each with the node to take it from, and the topics
// more than one other node publishes, each told once.
type topicSearch struct {
	choice topicChoice
	// self names this node in the log ("this node", or its name).
	self string
	// told are the topics left out and said so already.
	told map[string]bool
	// taken are the topics found before, by the node each was found at:
	// a second node that publishes one later does not take it from its
	// recording, and the warning says so.
	taken map[string]string
	// appeared is set once a search found a topic to record.
	appeared atomic.Bool
}

// newTopicSearch returns the search of choice; told are the topics left
// out at the start, which were said then.
func newTopicSearch(choice topicChoice, self string, told []leftOut) *topicSearch {
	s := &topicSearch{choice: choice, self: self, told: map[string]bool{}, taken: map[string]string{}}
	for _, l := range told {
		s.told[l.topic] = true
	}
	return s
}

// found returns the topics of pub the choice takes, each with who
// publishes it, and the topics left out that were not said before. A
// topic this node publishes is taken here; a named topic nobody publishes
// is not found (its subscription waits for it already).
func (s *topicSearch) found(pub published) ([]elements.FoundTopic, []leftOut) {
	chosen, left, err := s.choice.pick(pub)
	if err != nil {
		return nil, nil // compile was checked before the recording began
	}
	var out []elements.FoundTopic
	for _, t := range chosen {
		switch nodes := pub.others[t]; {
		case slices.Contains(pub.here, t):
			out = append(out, elements.FoundTopic{Topic: t, Publisher: s.self})
		case len(nodes) == 1:
			out = append(out, elements.FoundTopic{Topic: t, Remote: pub.addrs[t], Publisher: nodes[0]})
		}
	}
	for _, f := range out {
		if _, ok := s.taken[f.Topic]; !ok {
			s.taken[f.Topic] = f.Publisher
		}
	}
	left = slices.DeleteFunc(left, func(l leftOut) bool { return s.told[l.topic] })
	for i, l := range left {
		s.told[l.topic] = true
		left[i].takenFrom = s.taken[l.topic]
	}
	return out, left
}

// finder is the search's Find for the recorder (elements.RecordSearch):
// the topics this node publishes now, and those of the other nodes found
// as at the start (discovery.Directory, whose listing is reused for a
// while); what it leaves out it says in log.
func (s *topicSearch) finder(n *gopline.Node, log zerolog.Logger) func(context.Context) []elements.FoundTopic {
	return func(ctx context.Context) []elements.FoundTopic {
		pub := published{here: publishedHere(n.Bus())}
		if dir := n.Directory(); dir != nil {
			ctx, cancel := context.WithTimeout(ctx, listTimeout)
			nodes, _ := dir.Nodes(ctx) // a browse that fails finds no other node
			cancel()
			pub.others, pub.addrs = othersPublishing(nodes), otherAddrs(nodes)
		}
		found, left := s.found(pub)
		if len(found) > 0 {
			s.appeared.Store(true)
		}
		for _, l := range left {
			log.Warn().Str("topic", l.topic).Msg(l.String())
		}
		return found
	}
}

// publishedHere returns the topics of bus that have a publisher now.
func publishedHere(bus *transport.Bus) []string {
	var out []string
	for _, t := range bus.Topics() {
		if st, err := bus.Stats(t); err == nil && st.Publishers > 0 {
			out = append(out, t)
		}
	}
	return out
}

// otherAddrs maps each topic the nodes found publish to the address of
// one of them (published.addrs: the node to subscribe to when it is the
// only one).
func otherAddrs(nodes []discovery.NodeTopics) map[string]string {
	out := map[string]string{}
	for _, n := range nodes {
		for _, t := range n.Topics {
			if _, ok := out[t.Name]; !ok && t.Publishers > 0 {
				out[t.Name] = n.Addr
			}
		}
	}
	return out
}

// millisValue is a duration flag that takes ros2's milliseconds (100) or
// a duration (100ms, 1s), as ros2 bag record's --polling-interval.
type millisValue time.Duration

func (d *millisValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if ms, ierr := strconv.ParseInt(s, 10, 32); err != nil && ierr == nil {
		v, err = time.Duration(ms)*time.Millisecond, nil
	}
	switch {
	case err != nil:
		return errors.New("not a duration (e.g. 100ms, 1s, or 100 for milliseconds as ros2 takes it)")
	case v <= 0:
		return errors.New("not positive")
	}
	*d = millisValue(v)
	return nil
}

func (d *millisValue) String() string { return time.Duration(*d).String() }
func (d *millisValue) Type() string   { return "duration" }

// chooseTopics settles f.topics for --all and --regex among the topics
// published now, warning of those left out, and returns the search that
// adds those that appear later (nil with --no-discovery, or for named
// topics alone).
func (f *recordFlags) chooseTopics(choice topicChoice, n *gopline.Node, log zerolog.Logger, line string, stderr io.Writer) (*elements.RecordSearch, error) {
	if !choice.searches() {
		return nil, nil
	}
	if f.maxStreams < 1 {
		return nil, usagef("--max-streams is 1 or more")
	}
	// This process's topics have no publisher before the pipeline
	// starts: its line names them. A browse that fails finds no other
	// node.
	nodes, _ := listNodes(n, "")
	chosen, left, err := choice.choose(published{here: linePublished(line), others: othersPublishing(nodes)})
	var none *noTopic
	if errors.As(err, &none) && !f.noDiscovery {
		f.waiting, err = none.why, nil // as ros2 bag record -a, wait for topics
	}
	if err != nil {
		return nil, err
	}
	for _, l := range left {
		fmt.Fprintf(stderr, "warning: %v\n", l)
	}
	if len(chosen) > f.maxStreams {
		fmt.Fprintf(stderr, "warning: the recording has its maximum of %d streams (--max-streams): leaving out %s\n",
			f.maxStreams, strings.Join(chosen[f.maxStreams:], ", "))
		chosen = chosen[:f.maxStreams]
	}
	f.topics = chosen
	if f.noDiscovery {
		return nil, nil
	}
	self := "this node"
	if name := n.Name(); name != "" {
		self = name + " (this node)"
	}
	search := newTopicSearch(choice, self, left)
	f.search = search
	return &elements.RecordSearch{Find: search.finder(n, log), Interval: time.Duration(f.pollingInterval), MaxStreams: f.maxStreams}, nil
}

// startLine says what the recording records and where, or, when no topic
// was there to record at the start, that it waits for topics, where it
// looks for them, and until when.
func (f *recordFlags) startLine() string {
	if len(f.topics) > 0 || f.waiting == "" {
		return fmt.Sprintf("recording %s to %s", strings.Join(f.topics, ", "), f.describeOut())
	}
	where := "on this node and on the other nodes of this host"
	if !f.node.noMDNS {
		where = "on this node, on the other nodes of this host, and on the network (multicast DNS)"
	}
	return fmt.Sprintf("no topic to record yet (%s): waiting for topics %s, and recording each to %s as it appears, "+
		"until Ctrl-C or --duration", f.waiting, where, f.describeOut())
}

// nothingPublished is, by record node, why a recording got nothing: no
// topic appeared (nothingAppeared), or the topics named by --topic are not
// among those the line publishes, nor did another node offer them (a
// mistyped name).
func (f *recordFlags) nothingPublished(line string, stats []pipeline.NodeStats, waited time.Duration) map[string]string {
	if why := f.nothingAppeared(waited); why != nil {
		return why
	}
	i := slices.IndexFunc(stats, func(s pipeline.NodeStats) bool { return s.Node == "recorder" })
	published := linePublished(line)
	if len(f.topics) == 0 || i < 0 || stats[i].In > 0 {
		return nil
	}
	if len(published) == 0 { // the topics are other processes'
		return map[string]string{"recorder": fmt.Sprintf("recorded nothing: nothing came from %s; %s", strings.Join(f.topics, ", "), notServingHint)}
	}
	var missing []string
	for _, t := range f.topics {
		if !slices.Contains(published, t) {
			missing = append(missing, t)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return map[string]string{"recorder": fmt.Sprintf("recorded nothing: the pipeline publishes %s, not %s, and no other node offered %s%s",
		strings.Join(published, ", "), strings.Join(missing, ", "), strings.Join(missing, ", "), didYouMean(nearest(missing[0], published)))}
}

// nothingAppeared is, by record node, why a recording that waited for
// topics (startLine) got none: no topic to record appeared in the time it
// waited. It is empty when a topic was there from the start, or appeared.
func (f *recordFlags) nothingAppeared(waited time.Duration) map[string]string {
	if len(f.topics) > 0 || f.search == nil || f.search.appeared.Load() {
		return nil
	}
	return map[string]string{"recorder": fmt.Sprintf("recorded nothing: no topic to record appeared in the %v it waited", waited.Round(time.Second/10))}
}
