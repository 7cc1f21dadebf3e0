package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/discovery"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport/topictool"
)

// topicFlags are the flags of gopline topic's commands.
type topicFlags struct {
	peer     peerFlags
	remote   string
	window   int
	duration time.Duration
	once     bool
	asJSON   bool
	// tick, when set, is called once a second while the watch lasts
	// (everySecond's, which says that no packet came).
	tick func(now time.Time) error
}

// topicCommand looks at one topic: its rate, bandwidth, description or
// packets.
func topicCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "topic hz|bw|delay|info|echo TOPIC",
		Short: "look at one topic: its rate, data rate, delay, description or packets",
		Long: "Looks at one topic of the nodes found on this host and the local network (see gopline topics),\n" +
			"or of the node at --remote, as ros2 topic does; gopline topic list lists them, as gopline topics does.",
		Example: "  gopline topic hz /robot/camera\n  gopline topic info /robot/camera\n  gopline topic echo --once --json /robot/camera",
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return unknownTopicVerb(args, cmd.SuggestionsFor)
		},
		// As cobra suggests for an unknown command of gopline itself.
		SuggestionsMinimumDistance: 2,
	}
	cmd.AddCommand(
		topicVerb("hz", "the topic's rate: average, min/max and std dev of the interval between packets, and drops",
			"Subscribes to the topic and prints, once a second, its rate over the latest --window packets:\n"+
				"the average, the shortest and longest interval between two packets and its standard deviation\n"+
				"(packets the topic replays from its cache to a late joiner are left out), and the packets of the\n"+
				"stream that did not arrive among them, with their share: the holes in the packets' sequence\n"+
				"numbers, dropped by the topic for this subscriber, by a link or by a relay upstream.", hzWatcher),
		topicVerb("bw", "the topic's data rate and packet sizes",
			"Subscribes to the topic and prints, once a second, its data rate over the latest --window packets\n"+
				"and their mean, smallest and largest size.", bwWatcher),
		topicVerb("delay", "the time from each packet's capture to its arrival here: average, min/max and std dev",
			"Subscribes to the topic and prints, once a second, the time its latest --window packets took from\n"+
				"their capture to their arrival here, as ros2 topic delay does from a header's stamp: the encoder's,\n"+
				"the topic's and the links' time together (packets the topic replays from its cache to a late joiner\n"+
				"are left out). The capture time is the publisher's clock: across hosts the figure holds as far as\n"+
				"their clocks agree (chrony, PTP).", delayWatcher),
		topicVerb("echo", "one line per packet of the topic: seq, GOP, key, size, capture and receipt times",
			"Subscribes to the topic and prints a line per packet: its sequence number, the GOP it belongs to,\n"+
				"keyframe or delta, codec, picture size, bytes, when it was captured and received, the latency\n"+
				"between, and whether the topic replayed it from its cache. --json prints a JSON object a line.", echoWatcher),
		topicInfoCommand(),
		topicListCommand(),
	)
	return cmd
}

// topicListCommand is gopline topics under the name ros2 topic gives it.
func topicListCommand() *cobra.Command {
	cmd := topicsCommand()
	cmd.Use = "list [--remote HOST:PORT] [flags]"
	cmd.Short = "list the topics, as gopline topics does (ros2 topic list)"
	cmd.Long = "The same as gopline topics, under the name ros2 topic list gives it.\n\n" + cmd.Long
	cmd.Example = "  gopline topic list\n  gopline topic list --remote 127.0.0.1:7400 --json"
	cmd.Args = noArgs
	return cmd
}

// topicVerbs are the commands of gopline topic, for its errors.
const topicVerbs = "gopline topic hz|bw|delay|info|echo TOPIC"

// unknownTopicVerb is the error of gopline topic without one of its
// commands.
func unknownTopicVerb(args []string, suggest func(string) []string) error {
	if len(args) == 0 {
		return usagef("which topic command? %s (gopline topics lists the topics)", topicVerbs)
	}
	if args[0] == "pub" {
		return usagef("gopline topic has no pub: %s", publishHint)
	}
	return usagef("unknown topic command %q%s: %s (gopline topics lists the topics)", args[0], didYouMean(suggest(args[0])), topicVerbs)
}

// topicVerb is one of hz, bw, delay and echo: a subscription to the topic whose
// packets watch's function takes.
func topicVerb(verb, short, long string, watch func(*topicFlags, io.Writer) func(*media.Packet, time.Time) error) *cobra.Command {
	f := &topicFlags{}
	cmd := &cobra.Command{
		Use:   verb + " TOPIC [flags]",
		Short: short,
		Long: long + "\nExit status: 0 when packets came; 1 when none came before Ctrl-C or --duration, saying why on\n" +
			"stderr (no publisher of the topic was found, or the one found sent nothing in that time).",
		Example:           fmt.Sprintf("  gopline topic %s /robot/camera\n  gopline topic %s --remote 10.0.0.5:7400 --duration 10s /robot/camera", verb, verb),
		Args:              oneTopic,
		ValidArgsFunction: completeTopics,
		RunE: func(cmd *cobra.Command, args []string) error {
			if verb != "echo" && f.window < 2 {
				return usagef("--window %d: a rate is measured over at least 2 packets", f.window)
			}
			topic := rootTopics(args, cmd.ErrOrStderr())[0]
			n, err := f.peer.client(logger(cmd.ErrOrStderr(), false).Level(zerolog.WarnLevel), f.remote)
			if err != nil {
				return err
			}
			return closeNode(n, f.watch(n, topic, watch(f, cmd.OutOrStdout())))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.remote, "remote", "", "host:port of the node whose topic it is (default: the node found that publishes it)")
	fs.Var((*durationValue)(&f.duration), "duration", "stop after this long (default: Ctrl-C)")
	if verb == "echo" {
		fs.BoolVar(&f.once, "once", false, "stop after the first packet")
		fs.BoolVar(&f.asJSON, "json", false, "print a JSON object a line")
	} else {
		fs.IntVarP(&f.window, "window", "w", topictool.DefaultWindow, "measure over the latest this many packets (at least 2), as ros2 topic "+verb+" -w")
	}
	f.peer.add(fs)
	f.peer.addReplyFlag(fs)
	return gracefully(cmd)
}

// oneTopic takes exactly one argument, a topic.
func oneTopic(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("takes one topic, got %d", len(args))
	}
	return nil
}

// watch subscribes to topic on n and hands its packets to each until
// Ctrl-C, --duration or each says it is done. A watch that got no packet
// at all is an error that says why, as a script that checks a camera
// needs: no publisher was found, or the one found sent nothing.
func (f *topicFlags) watch(n *gopline.Node, topic string, each func(*media.Packet, time.Time) error) error {
	ctx, stop := stopContext(f.duration)
	defer stop()
	p, err := n.NewPipeline()
	if err != nil {
		return err
	}
	got := 0
	start := time.Now()
	if f.tick != nil {
		ticking := make(chan struct{})
		ctx, cancel := context.WithCancel(ctx)
		defer func() { cancel(); <-ticking }()
		go func() {
			defer close(ticking)
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case now := <-t.C:
					if f.tick(now) != nil {
						return
					}
				}
			}
		}()
	}
	err = topictool.Watch(ctx, p, elements.SubscribeConfig{Topic: topic, Remote: f.remote}, func(pkt *media.Packet, at time.Time) error {
		got++
		return each(pkt, at)
	})
	if err != nil || got > 0 {
		return f.peer.withTokenHint(err)
	}
	watched := time.Since(start).Round(100 * time.Millisecond)
	silence := elements.Silence{Topic: topic, Remote: f.remote}
	silence.Published, silence.Unlisted = n.Bus().Published(f.remote)
	if summary := silence.Summary(); summary != "" {
		summary += fmt.Sprintf(" (watched for %v)", watched)
		if near := pipeline.Nearest(topic, silence.Published); silence.Cause() == elements.SilenceUnpublished && near != "" {
			summary += fmt.Sprintf(" (did you mean %s?)", near)
		}
		if silence.Cause() == elements.SilenceUnpublished && f.remote == "" {
			// A node that refused this one may be the publisher.
			if nodes, err := listNodes(n, ""); err == nil {
				if refused := f.peer.refusedNodes(nodes); refused != "" {
					summary += "; " + refused
				}
			}
			summary += "; " + notServingHint
		}
		return f.peer.withTokenHint(errors.New(summary))
	}
	return fmt.Errorf("got nothing: %s has a publisher, which sent no packet in %v", topic, watched)
}

func echoWatcher(f *topicFlags, stdout io.Writer) func(*media.Packet, time.Time) error {
	echo := topictool.NewEcho(stdout, f.asJSON)
	return func(p *media.Packet, at time.Time) error {
		if err := echo.Write(p, at); err != nil || !f.once {
			return err
		}
		return topictool.ErrDone
	}
}

func hzWatcher(f *topicFlags, stdout io.Writer) func(*media.Packet, time.Time) error {
	hz := topictool.NewHz(f.window)
	return everySecond(f, stdout, hz.Add, func() error { return hz.Stats().Write(stdout) })
}

func delayWatcher(f *topicFlags, stdout io.Writer) func(*media.Packet, time.Time) error {
	delay := topictool.NewDelay(f.window)
	return everySecond(f, stdout, delay.Add, func() error { return delay.Stats().Write(stdout) })
}

func bwWatcher(f *topicFlags, stdout io.Writer) func(*media.Packet, time.Time) error {
	bw := topictool.NewBandwidth(f.window)
	return everySecond(f, stdout, func(p *media.Packet, at time.Time) { bw.Add(at, len(p.Data)) }, func() error { return bw.Stats().Write(stdout) })
}

// everySecond feeds live packets to add (a replay of the topic's cache
// comes in a burst: it says nothing of the rate) and calls write once a
// second while packets come. Once they have come, a second without one
// writes "no new packets" to stdout, as ros2 topic hz writes "no new
// messages" while a publisher stalls (f.tick).
func everySecond(f *topicFlags, stdout io.Writer, add func(*media.Packet, time.Time), write func() error) func(*media.Packet, time.Time) error {
	var mu sync.Mutex
	var last, lastPacket time.Time // the last write; the last packet
	f.tick = func(now time.Time) error {
		mu.Lock()
		defer mu.Unlock()
		// A tick comes a second after the one before, give or take the
		// timer's jitter.
		if lastPacket.IsZero() || now.Sub(lastPacket) < time.Second || now.Sub(last) < 900*time.Millisecond {
			return nil
		}
		last = now
		_, err := fmt.Fprintln(stdout, "no new packets")
		return err
	}
	return func(p *media.Packet, at time.Time) error {
		if p.Replay.Replayed {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		add(p, at)
		lastPacket = at
		if last.IsZero() {
			last = at
		}
		if at.Sub(last) < time.Second {
			return nil
		}
		last = at
		return write()
	}
}

// topicInfoCommand describes a topic at every node that has it.
func topicInfoCommand() *cobra.Command {
	f := &topicFlags{}
	cmd := &cobra.Command{
		Use:   "info TOPIC [flags]",
		Short: "the topic's format, rate, QoS, cache, publishers and subscribers with their QoS",
		Long: "Describes the topic at every node found that has it (or at --remote): its codec and picture size,\n" +
			"rate and data rate, QoS offer, what its cache holds (the GOP a late joiner is replayed), its\n" +
			"publishers, and its subscribers with the QoS each requests and the packets dropped for each (for a\n" +
			"subscriber of another node, those its link could not carry too).",
		Example:           "  gopline topic info /robot/camera\n  gopline topic info --remote 10.0.0.5:7400 --json /robot/camera",
		Args:              oneTopic,
		ValidArgsFunction: completeTopics,
		RunE: func(cmd *cobra.Command, args []string) error {
			topic := rootTopics(args, cmd.ErrOrStderr())[0]
			n, err := f.peer.client(zerolog.Nop(), f.remote)
			if err != nil {
				return err
			}
			nodes, err := listNodes(n, f.remote)
			if err = closeNode(n, err); err != nil {
				return f.peer.withTokenHint(err)
			}
			err = writeTopicInfo(nodes, topic, f.asJSON, cmd.OutOrStdout())
			if refused := f.peer.refusedNodes(nodes); errors.Is(err, errNoSuchTopic) && refused != "" {
				err = fmt.Errorf("%w; %s", err, refused)
			}
			return err
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.remote, "remote", "", "host:port of the node whose topic it is (default: every node found)")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON")
	addVerbose(fs)
	f.peer.add(fs)
	f.peer.addReplyFlag(fs)
	return cmd
}

// writeTopicInfo describes topic at each of nodes that has it.
func writeTopicInfo(nodes []discovery.NodeTopics, topic string, asJSON bool, stdout io.Writer) error {
	found := topictool.Find(nodes, topic)
	if len(found) == 0 {
		return noSuchTopic(topic, nodes)
	}
	if asJSON {
		return writeJSON(stdout, found)
	}
	for i, fd := range found {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := topictool.WriteInfo(stdout, fd.Node.Name, fd.Node.Addr, fd.Topic); err != nil {
			return err
		}
	}
	return nil
}

// errNoSuchTopic is the error of a topic command on a topic no node has.
var errNoSuchTopic = errors.New("no node has the topic")

// noSuchTopic says that no node of nodes has topic, naming the topics
// they have and the nearest.
func noSuchTopic(topic string, nodes []discovery.NodeTopics) error {
	var names []string
	for _, n := range nodes {
		for _, t := range n.Topics {
			names = append(names, t.Name)
		}
	}
	switch {
	case len(nodes) == 0:
		return fmt.Errorf("%w %s: no node found (a node that serves announces itself: gopline serve --listen ...)", errNoSuchTopic, topic)
	case len(names) == 0:
		return fmt.Errorf("%w %s: the nodes found have no topics", errNoSuchTopic, topic)
	}
	near := ""
	if name := pipeline.Nearest(topic, names); name != "" {
		near = fmt.Sprintf(" (did you mean %s?)", name)
	}
	return fmt.Errorf("%w %s; topics: %s%s", errNoSuchTopic, topic, strings.Join(names, ", "), near)
}

// completeTopics completes the names of the topics the nodes found
// publish.
func completeTopics(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var peer peerFlags
	peer.token = new(string)
	n, err := peer.client(zerolog.Nop())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	nodes, err := listNodes(n, "")
	closeNode(n, nil)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, nt := range nodes {
		for _, t := range nt.Topics {
			if strings.HasPrefix(t.Name, toComplete) && !slices.Contains(names, t.Name) {
				names = append(names, t.Name)
			}
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
