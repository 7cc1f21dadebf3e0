package topictool

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gopline/gopline/discovery"
	"github.com/gopline/gopline/transport/remote"
)

// WriteTopics writes a table of the topics of nodes: node, topic, codec,
// size, rate, bandwidth, QoS, publishers and subscribers by name (an actor
// of one of nodes is named after its node: robot/pipeline-1/publish0). A
// node that did not answer has a line with its error.
func WriteTopics(w io.Writer, nodes []discovery.NodeTopics) error {
	byAddr := map[string]string{}
	for _, n := range nodes {
		if n.Name != "" {
			byAddr[n.Addr] = n.Name
		}
	}
	names := func(list []string) string { return actorNames(list, byAddr) }
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "node\ttopic\tcodec\tsize\tfps\tkbit/s\tqos\tpublishers\tsubscribers")
	var silent []string
	for _, n := range nodes {
		node := n.Name
		if node == "" {
			node = n.Addr
		}
		if n.Err != nil {
			silent = append(silent, fmt.Sprintf("%s (%s) did not answer: %v", node, n.Addr, n.Err))
			continue
		}
		for _, t := range n.Topics {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f\t%.0f\t%s\t%s\t%s\n", node, t.Name, dash(t.Codec), size(t),
				t.Rate, t.ByteRate*8/1000, dash(t.QoS), names(t.PublisherNames), names(t.SubscriberNames))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range silent {
		if _, err := fmt.Fprintln(w, s); err != nil {
			return err
		}
	}
	return nil
}

// WriteInfo describes topic t of the node at addr (named node): its
// format, rate, QoS, cache, publishers, and subscribers with their
// requests and what was dropped for each (a remote subscriber's link
// included).
func WriteInfo(w io.Writer, node, addr string, t remote.TopicInfo) error {
	var b strings.Builder
	field := func(name, format string, args ...any) {
		fmt.Fprintf(&b, "%-13s"+format+"\n", append([]any{name + ":"}, args...)...)
	}
	field("topic", "%s", t.Name)
	field("node", "%s (%s)", dash(node), addr)
	field("format", "%s %s", dash(t.Codec), size(t))
	field("rate", "%.1f packets/s, %s/s", t.Rate, Bytes(t.ByteRate))
	field("qos", "%s", dash(t.QoS))
	field("cache", "%d GOP(s), %d packets", t.CachedGOPs, t.CachedPackets)
	field("published", "%d, delivered %d, dropped %d, replayed %d", t.Published, t.Delivered, t.Dropped, t.Replayed)
	field("publishers", "%d", t.Publishers)
	for _, p := range t.PublisherNames {
		fmt.Fprintf(&b, "  - %s\n", p)
	}
	field("subscribers", "%d", t.Subscribers)
	for i, s := range t.SubscriberNames {
		req := "takes the topic's"
		if i < len(t.SubscriberQoS) && t.SubscriberQoS[i] != "" {
			req = "requests " + t.SubscriberQoS[i]
		}
		var dropped uint64
		if i < len(t.SubscriberDropped) {
			dropped = t.SubscriberDropped[i]
		}
		fmt.Fprintf(&b, "  - %s (qos: %s; dropped %d)\n", s, req, dropped)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func size(t remote.TopicInfo) string {
	if t.Width == 0 || t.Height == 0 {
		return "-"
	}
	return fmt.Sprintf("%dx%d", t.Width, t.Height)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// actorNames joins actors' names (ADDRESS/ID), each named after its
// node where byAddr knows the address.
func actorNames(list []string, byAddr map[string]string) string {
	if len(list) == 0 {
		return "-"
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a
		if addr, id, ok := strings.Cut(a, "/"); ok && byAddr[addr] != "" {
			out[i] = byAddr[addr] + "/" + id
		}
	}
	return strings.Join(out, ",")
}
