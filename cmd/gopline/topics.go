package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// topicsCommand lists the topics of every node found, or of another node.
func topicsCommand() *cobra.Command {
	var (
		peer    peerFlags
		addr    string
		asJSON  bool
		timeout = 5 * time.Second
	)
	cmd := &cobra.Command{
		Use:   "topics [list] [--remote HOST:PORT] [flags]",
		Short: "list the topics of every node found, or of one, with their format, QoS and subscribers",
		Long: "Lists the topics of every node found on this host and, by multicast DNS, on the local network\n" +
			"(a node that serves announces itself, see docs/remote.md): for each, the\n" +
			"node, topic, codec, picture size, rate, bit rate, QoS, publishers and subscribers by name.\n" +
			"With --remote, the topics of the node at that address (any node that listens), with the node's name\n" +
			"(its --name, or its address when it has none) and their counters: packets published, delivered,\n" +
			"dropped (also those its remote subscribers' links could not carry) and replayed. See docs/remote.md.\n" +
			"gopline topics list is the same, as ros2 topic list; ros2 topic's echo, hz, bw and info are gopline topic's.",
		Example: "  gopline topics\n  gopline topics list   # the same, as ros2 topic list\n  gopline topics --remote 127.0.0.1:7400\n  gopline topics --remote 10.0.0.5:7400 --token s3cret --json",
		Args:    topicsArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if addr == "" {
				return listAllTopics(&peer, asJSON, cmd.OutOrStdout())
			}
			return listTopics(&peer, addr, timeout, asJSON, cmd.OutOrStdout())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&addr, "remote", "", "host:port of the node whose topics to list (default: every node found)")
	fs.BoolVar(&asJSON, "json", false, "print the topics as JSON")
	fs.Var((*durationValue)(&timeout), "timeout", "how long to wait for the node's answer")
	addVerbose(fs)
	peer.add(fs)
	peer.addReplyFlag(fs)
	return cmd
}

// addVerbose takes ros2 topic's -v (--verbose), which a listing of
// gopline's needs not: it names the publishers and subscribers, with
// their QoS, always.
func addVerbose(fs *pflag.FlagSet) {
	fs.BoolP("verbose", "v", false, "as ros2 topic takes it; gopline always lists the publishers and subscribers, with their QoS")
}

// listTopics prints the topics of the node at addr.
func listTopics(peer *peerFlags, addr string, timeout time.Duration, asJSON bool, stdout io.Writer) error {
	// A short-lived client: the remote's connection log would only be noise;
	// what fails is returned.
	n, err := peer.client(zerolog.Nop(), addr)
	if err != nil {
		return err
	}
	topics, err := n.Remote().Topics(addr, timeout)
	if err = closeNode(n, err); err != nil {
		return peer.withTokenHint(err)
	}
	if asJSON {
		return writeJSON(stdout, topics)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "node\ttopic\tqos\tpublishers\trate Hz\tkbit/s\tpublished\tsubscribers\tdelivered\tdropped\treplayed")
	for _, t := range topics {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.1f\t%.0f\t%d\t%d\t%d\t%d\t%d\n", t.Node, t.Name, t.QoS, t.Publishers, t.Rate, t.ByteRate*8/1000,
			t.Published, t.Subscribers, t.Delivered, t.Dropped, t.Replayed)
		for _, s := range t.SubscriberNames {
			fmt.Fprintf(tw, "\t  %s\t\t\t\t\t\t\t\t\t\n", s)
		}
	}
	return tw.Flush()
}
