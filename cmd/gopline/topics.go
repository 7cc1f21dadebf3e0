package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
)

// runTopics lists the topics of another node.
func runTopics(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("topics", stderr)
	addr := fs.String("remote", "", "host:port of the node whose topics to list")
	asJSON := fs.Bool("json", false, "print the topics as JSON")
	timeout := duration(fs, "timeout", 5*time.Second, "how long to wait for the node's answer")
	nf := addNodeFlags(fs, "")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gopline topics --remote HOST:PORT [--json]\n\nLists a node's topics with their QoS, counters and subscribers (see gopline serve).\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *addr == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: give --remote HOST:PORT (gopline topics -h)", errUsage)
	}
	// A short-lived client: the remote's connection log would only be noise;
	// what fails is returned.
	n, err := nf.open(zerolog.Nop(), true)
	if err != nil {
		return err
	}
	topics, err := n.Remote().Topics(*addr, *timeout)
	if err = closeNode(n, err); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, topics)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "topic\tqos\tpublishers\trate Hz\tkbit/s\tpublished\tsubscribers\tdelivered\tdropped\treplayed")
	for _, t := range topics {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.0f\t%d\t%d\t%d\t%d\t%d\n", t.Name, t.QoS, t.Publishers, t.Rate, t.ByteRate*8/1000,
			t.Published, t.Subscribers, t.Delivered, t.Dropped, t.Replayed)
		for _, s := range t.SubscriberNames {
			fmt.Fprintf(tw, "  %s\t\t\t\t\t\t\t\t\t\n", s)
		}
	}
	return tw.Flush()
}
