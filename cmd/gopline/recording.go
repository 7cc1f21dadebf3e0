package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport"
	"github.com/spf13/cobra"
)

// recordFlags are the flags of `gopline record`.
type recordFlags struct {
	topics stringList
	// all, regex and exclude choose topics as ros2 bag record's -a, -e
	// and -x do (topicChoice).
	all            bool
	regex, exclude string
	out            string
	// outDefaulted: --out was not given, and out is defaultOut's.
	outDefaulted bool
	// held says what the recording this run appends to held when it
	// began (heldText); "" for a new one.
	held     string
	duration time.Duration
	asJSON   bool
	verbose  bool
	quiet    bool
	// allowDamage: damage a source skipped does not fail the recording.
	allowDamage bool
	node        *nodeFlags
	// Retention, and what a full disk costs (elements.RecordConfig).
	maxBytes        int64
	maxAge          time.Duration
	overwriteOldest bool
	// maxCacheSize is the recorder's cache, in bytes (elements.RecordConfig.Cache).
	maxCacheSize int64
	// The search for topics that appear while recording (--all,
	// --regex): its interval, its bound, or none at all.
	pollingInterval millisValue
	maxStreams      int
	noDiscovery     bool
	// Splitting into files, as ros2 bag record's -b and -d
	// (elements.RecordSplit).
	maxBagSize     int64
	maxBagDuration time.Duration
	firstSplit     int // the number of the first split file of this run
	// madeDirs are the directories of --out that checkOut made.
	madeDirs []string
	// changeFiles are the files of a recording not split
	// (elements.FormatChangeFiles).
	changeFiles elements.FormatChangeFiles
	// waiting says why no topic was there to record at the start, when
	// --all or --regex wait for topics to appear; search is what looks
	// for them.
	waiting string
	search  *topicSearch
}

// recordCommand runs a pipeline and records some of its topics.
func recordCommand() *cobra.Command {
	f := &recordFlags{}
	cmd := &cobra.Command{
		Use:   "record [TOPIC...] (--topic NAME | --all | --regex RE) [--out FILE] [flags] ['PIPELINE']",
		Short: "run a pipeline and record its topics",
		Long: "Runs the pipeline (which publishes the topics) and records the topics into a gopline recording\n" +
			"(one bbolt file; an existing one is appended to, which the first line says with what it holds;\n" +
			"without --out, gopline_YYYY_MM_DD-HH_MM_SS.gopline here, as ros2 bag record names its bag),\n" +
			"until the sources end, Ctrl-C or --duration. Topics are named with --topic, or before the pipeline\n" +
			"as ros2 bag record takes them (gopline record /camera /imu).\n" +
			"Without a pipeline it records the topics of the nodes found that publish them (docs/remote.md).\n" +
			"--all, --regex and --exclude choose as ros2 bag record's -a, -e and -x do, among the topics published\n" +
			"when the recording starts, and go on adding those that appear while it runs (--no-discovery: not);\n" +
			"with none there yet they wait for the first.\n" +
			"A camera that changes its resolution goes on in the next file (OUT_1.gopline, ...) from the keyframe\n" +
			"of the new size, which the log says; a later run appends where those files end, in the last one\n" +
			"(docs/recording.md).\n" +
			"Then it describes the recording as gopline info does; a recording that got no packet fails.",
		Example: "  gopline record --topic /camera --out cam.gopline --duration 10s 'testsrc ! h264enc ! publish topic=/camera'\n" +
			"  gopline record --topic /camera --out cam.gopline 'subscribe topic=/camera remote=127.0.0.1:7400 ! publish topic=/camera'\n" +
			"  gopline record --topic /robot/camera --out cam.gopline --duration 10s\n" +
			"  gopline record -a -x '^/debug/' -o robot.gopline --duration 1m\n" +
			"  gopline record -a -o robot.gopline -b 1GB   # robot_0.gopline, robot_1.gopline, ... split at keyframes",
		ValidArgsFunction: completePipeline,
		RunE: func(cmd *cobra.Command, args []string) error {
			topics, line := topicArgs(args) // ros2 bag record /camera /imu
			f.topics = append(f.topics, topics...)
			return f.record(pipelineLine(line), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.Var(&f.topics, "topic", "topic to record (repeat or comma-separate for more)")
	fs.Var(&f.topics, "topics", "ros2 bag record's --topics: --topic")
	_ = fs.MarkHidden("topics")
	fs.BoolVarP(&f.all, "all", "a", false, "record every topic published: by the pipeline, and by the other nodes found, and those that appear later (alone: not with --regex or --topic)")
	fs.StringVarP(&f.regex, "regex", "e", "", "record the published topics whose names the regular expression finds a match in, and those that appear later (with --topic: those too)")
	f.pollingInterval = millisValue(elements.DefaultPollingInterval)
	fs.Var(&f.pollingInterval, "polling-interval", "with --all or --regex, how often to look for new topics (100ms, 1s; a bare number is milliseconds, as ros2 takes it)")
	fs.IntVar(&f.maxStreams, "max-streams", elements.DefaultMaxStreams, "with --all or --regex, the most streams the recording takes; further topics are left out, with a warning")
	fs.BoolVar(&f.noDiscovery, "no-discovery", false, "with --all or --regex, record only the topics published when the recording starts, as ros2 bag record --no-discovery")
	fs.StringVarP(&f.exclude, "exclude", "x", "", "leave out of --all or --regex the topics whose names this regular expression finds a match in (never those named with --topic)")
	fs.StringVarP(&f.out, "out", "o", "", "recording file to create or append to")
	fs.Var((*durationValue)(&f.duration), "duration", "record this long from the first packet, as ffmpeg's -t: each topic's packets captured this long after its first are left out, a late joiner's cached GOP counted (and fail when none came in that long from the start) (default: until the sources end, or Ctrl-C)")
	fs.BoolVar(&f.asJSON, "json", false, "print the per-node stats as JSON on stdout")
	fs.BoolVar(&f.allowDamage, "allow-damage", false, "exit 0 even when a source skipped damaged packets (they are still counted)")
	fs.Var((*byteSizeValue)(&f.maxBytes), "max-bytes", "retention: payload bytes to keep, e.g. 1GB or 500MiB, oldest whole GOPs deleted first (0: all)")
	fs.Var((*durationValue)(&f.maxAge), "max-age", "retention: how old a kept GOP may be (0: all)")
	fs.BoolVar(&f.overwriteOldest, "overwrite-oldest", false, "on a full disk, delete the oldest GOPs to make room, as a loop recorder does, instead of dropping new packets (with -b or -d: the set's oldest files first)")
	f.maxCacheSize = elements.DefaultRecordCache
	fs.Var((*byteSizeValue)(&f.maxCacheSize), "max-cache-size",
		"bytes of packets held for the disk's writer, e.g. 100MiB: a disk that stalls loses nothing until they are full (at least 1)")
	fs.VarP((*byteSizeValue)(&f.maxBagSize), "max-bag-size", "b",
		"split the recording into files of about this much payload each (e.g. 1GB; a bare number is bytes, as ros2 takes it), each from a keyframe of every stream: OUT_0.gopline, OUT_1.gopline, ...")
	fs.VarP((*durationValue)(&f.maxBagDuration), "max-bag-duration", "d",
		"split the recording into files of about this long each (e.g. 10m; a bare number is seconds, as ros2 takes it), each from a keyframe of every stream")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log at debug level")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no live status line, and no line on what is recorded where (the summary stays)")
	f.node = addNodeFlags(fs, "")
	f.node.addHTTPFlag(fs)
	cmd.MarkFlagFilename("out", recordingExtensions...)
	cmd.RegisterFlagCompletionFunc("topic", completeTopics)
	return cmd
}

func (f *recordFlags) record(line string, stdout, stderr io.Writer) error {
	f.topics = rootTopics(f.topics, stderr) // ros2 bag record camera records /camera
	choice := topicChoice{named: f.topics, all: f.all, regex: f.regex, exclude: f.exclude}
	if _, _, err := choice.compile(); err != nil {
		return err // first: a -e that took the next flag leaves --out unset
	}
	if topics := leadingTopics(line); len(f.topics) == 0 && !choice.searches() && len(topics) > 0 {
		return usagef("%s: a topic to record is given with --topic (--topic %s), as ros2 bag record's --topics; "+
			"the argument is the pipeline that publishes the topics, if this process is to run one (gopline record --help)",
			strings.Join(topics, " "), strings.Join(topics, " --topic "))
	}
	if len(f.topics) == 0 && !choice.searches() {
		if bare := bareTopics(line); len(bare) > 0 {
			return usagef("%s: a topic named before the pipeline begins with its slash: gopline record /%s (or --topic %s)",
				strings.Join(bare, " "), strings.Join(bare, " /"), strings.Join(bare, " --topic "))
		}
		return usagef("give the topics (gopline record /camera, --topic, --all or --regex), and the pipeline that publishes them unless other nodes do (gopline record --help)")
	}
	if f.out == "" {
		f.out, f.outDefaulted = defaultOut(time.Now()), true
	}
	if err := storage.CheckName(f.out); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if err := checkLine(line, stderr); err != nil {
		return err
	}
	log := logger(stderr, f.verbose)
	n, err := f.node.open(log, subscribesRemote(line, f.topics...) || choice.searches(), lineRemotes(line)...)
	if err != nil {
		return err
	}
	p, err := recordPipeline(n, line, stderr)
	if err != nil {
		return closeNode(n, err)
	}
	search, err := f.chooseTopics(choice, n, log, line, stderr)
	if err != nil {
		return closeNode(n, err)
	}
	if f.maxBytes < 0 || f.maxAge < 0 || f.maxBagSize < 0 || f.maxBagDuration < 0 {
		return closeNode(n, usagef("--max-bytes, --max-age, --max-bag-size and --max-bag-duration are 0 (no limit) or more"))
	}
	if f.maxCacheSize < 1 {
		return closeNode(n, usagef("--max-cache-size is 1 byte or more"))
	}
	cfg := elements.DefaultRecordConfig()
	cfg.Path, cfg.Topics = f.out, f.topics
	cfg.MaxBytes, cfg.MaxAge, cfg.OverwriteOldest = f.maxBytes, f.maxAge, f.overwriteOldest
	cfg.Cache, cfg.Search = f.maxCacheSize, search
	cfg.Split = elements.RecordSplit{MaxBytes: f.maxBagSize, MaxDuration: f.maxBagDuration}
	cfg.Duration = f.duration
	if err := p.Add("recorder", elements.Record(cfg)); err != nil {
		return closeNode(n, err)
	}
	if err := f.startSplit(); err != nil {
		return closeNode(n, err)
	}
	if err := f.checkOut(); err != nil {
		return closeNode(n, err)
	}
	if !f.quiet && !f.asJSON {
		fmt.Fprintln(stderr, f.startLine())
	}
	topics := lineTopics(line)
	topics["recorder"] = strings.Join(f.topics, ",")
	started := time.Now()
	stats, end := runRecordingUntilDone(n, p, f.duration, liveOutput(stderr, f.quiet || f.asJSON), topics)
	end.err = closeNode(n, end.err)
	f.removeUnused()
	err = finish(judge(stats, end, judgeRules{sources: isSource, files: nodeFiles(line), allowDamage: f.allowDamage,
		losses: recordingLosses(line, stats, map[string][]string{"recorder": f.topics}), unpublished: f.nothingPublished(line, stats, time.Since(started))}), f.asJSON, stdout, stderr)
	if !f.asJSON {
		// What the files kept is said on a failed run too (a full disk
		// loses packets, not the recording); a run that recorded no file
		// has its own error to say.
		if printErr := f.printRecorded(stderr); err == nil {
			err = printErr
		}
	}
	return err
}

// playFlags are the flags of `gopline play`.
type playFlags struct {
	streams      []string
	rate         float64
	start, end   string // as export takes them (parseTimeRange)
	duration     time.Duration
	loop, asJSON bool
	keepTime     bool
	allowDamage  bool
	node         *nodeFlags
	quiet        bool
	// source names what is played when it is not the files: a bag,
	// imported into a temporary recording.
	source string
}

// playCommand publishes a recording's streams on their topics at the
// recorded pace, and says how many packets it published on each.
func playCommand() *cobra.Command {
	f := &playFlags{rate: 1}
	cmd := &cobra.Command{
		Use:   "play RECORDING...|BAG... [flags]",
		Short: "publish a recording's streams at the recorded pace",
		Long: "Publishes each stream of the recording on its topic at the recorded pace (or --rate times it),\n" +
			"until the end (or --end), Ctrl-C or --duration, and says how many packets it published on each topic.\n" +
			"--start and --end take times as gopline export does: a duration from the recording's start (12.5s),\n" +
			"an RFC 3339 time, or one as gopline info prints it (its Start: and End: pasted play it all); --end is\n" +
			"exclusive, and one as info prints it takes in its whole millisecond. Each stream begins at its\n" +
			"keyframe at or before --start (a later file's Start: as info prints it, rounded up to the\n" +
			"millisecond, at that file's first); one with no packet from --start to --end is not played.\n" +
			"The streams keep their recorded timing relative to each other, as ros2 bag play's topics: play\n" +
			"begins at the earliest of their keyframes, and every packet goes out at its recorded time after\n" +
			"it (divided by --rate), on every --loop too.\n" +
			"Several recordings (the files of a split recording, robot_*.gopline) play in the order given, each\n" +
			"stream going on from one file to the next, their times counted from the earliest's start; a\n" +
			"directory plays the one recording it holds (one of several is refused, naming them).\n" +
			"With --listen the topics are served to other processes and hosts, and the node announces itself\n" +
			"so that they find them by name (gopline topics; subscribe topic=NAME).\n" +
			"Packets are stamped with the wall-clock time they are played at, as a live camera's; --keep-time\n" +
			"keeps their recorded capture times, as ros2 bag play keeps header stamps, to line them up with\n" +
			"other sensors recorded beside them (unscaled: at --rate 2 they run twice as fast as the wall\n" +
			"clock). play says at the start which recorded time plays when, and at what pace.\n" +
			"A ROS bag (a rosbag2 directory, an .mcap, .db3 or ROS 1 .bag file, as ros2 bag play takes one) is\n" +
			"imported first into a temporary recording (as gopline import makes one; in $TMPDIR, removed at the\n" +
			"end), its topics of pictures played as streams of their names.",
		Example: "  gopline play cam.gopline --rate 2\n  gopline play cam.gopline --stream /camera --start 30s --loop --duration 1m\n" +
			"  gopline play cam.gopline --start 10s --end 15s\n" +
			"  gopline play cam.gopline --start '2024-05-01 12:00:02.000 UTC' --end '2024-05-01 12:00:02.966 UTC'\n" +
			"  gopline play cam.gopline --listen 127.0.0.1:7401 --loop\n" +
			"  gopline play robot_bag --keep-time   # a ROS 2 bag, its header stamps kept",
		Args:              playRecordings,
		ValidArgsFunction: completeRecordingsOrBags,
		RunE: func(cmd *cobra.Command, args []string) error {
			if areBags(args) {
				if err := f.check(); err != nil {
					return err
				}
				topics := f.streams
				if err := checkBagTopics(args, topics, false); err != nil {
					return err
				}
				files, cleanup, err := importToUse("play", args, topics, cmd.ErrOrStderr(), f.quiet || f.asJSON, f.asJSON)
				f.source = strings.Join(args, ", ")
				defer cleanup()
				if err != nil {
					return err
				}
				return f.play(files, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			files, err := recordingFiles("play", args)
			if err != nil {
				return err
			}
			noteLaterFiles(cmd.ErrOrStderr(), "play", args)
			if err := checkKinds("play", files); err != nil {
				return err
			}
			if files, err = leaveOutEmpty(files, cmd.ErrOrStderr()); err != nil {
				return err
			}
			return f.play(files, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&f.streams, "stream", nil, "a stream to play (repeat or separate with commas; default: all)")
	fs.VarP((*finiteValue)(&f.rate), "rate", "r", "speed factor")
	fs.StringVar(&f.start, "start", "", "play from this time: a duration from the recording's start (12.5s, 1m, 00:01:02.5), an RFC 3339 time, one as gopline info prints it, or a time of day in UTC (each stream begins at its keyframe at or before it)")
	fs.StringVar(&f.end, "end", "", "play up to this time, exclusive (same forms as --start; one as gopline info prints it takes in its whole millisecond)")
	fs.BoolVarP(&f.loop, "loop", "l", false, "start again at the end (or --end), from --start")
	// ros2 bag play's names, taken as they are.
	fs.StringSliceVar(&f.streams, "topics", nil, "ros2 bag play's --topics: --stream")
	fs.StringVar(&f.start, "start-offset", "", "ros2 bag play's --start-offset: --start")
	_ = fs.MarkHidden("topics")
	_ = fs.MarkHidden("start-offset")
	fs.BoolVar(&f.keepTime, "keep-time", false, "publish each packet with its recorded capture time, as ros2 bag play keeps header stamps "+
		"(default: the wall-clock time it is played at, as a live camera's)")
	fs.Var((*durationValue)(&f.duration), "duration", "stop after playing this long, on the wall clock (--end bounds the recording's time)")
	fs.BoolVar(&f.asJSON, "json", false, "print the per-node stats as JSON on stdout")
	fs.BoolVar(&f.allowDamage, "allow-damage", false, "exit 0 even when damaged packets were skipped (they are still counted)")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no live status line on a terminal (the summary stays)")
	f.node = addNodeFlags(fs, "")
	f.node.addHTTPFlag(fs)
	return cmd
}

// label names what set plays: its files, or the bag they were imported
// from.
func (f *playFlags) label(set playSet) string {
	if f.source != "" {
		return f.source
	}
	return set.label()
}

// check checks the flags that need no recording.
func (f *playFlags) check() error {
	if f.rate < elements.MinPlayRate || f.rate > elements.MaxPlayRate {
		return usagef("--rate %g: a speed factor from %g to %g", f.rate, elements.MinPlayRate, elements.MaxPlayRate)
	}
	return checkTimeForms(f.start, f.end, "")
}

func (f *playFlags) play(files []string, stdout, stderr io.Writer) error {
	if err := f.check(); err != nil {
		return err
	}
	set, err := openPlaySet(files)
	if err != nil {
		return err
	}
	if err := f.checkStream(f.label(set), set.streams); err != nil {
		return err
	}
	plan, err := f.plan(set)
	if err != nil {
		return err
	}
	if !f.asJSON && !f.quiet {
		for _, name := range plan.leftOut {
			fmt.Fprintf(stderr, "note: stream %q has no packet from --start to --end (it spans %s): not played\n",
				name, describeSpan(plan.base, plan.spans[name].first, plan.spans[name].last))
		}
	}
	n, err := f.node.open(logger(stderr, false), false)
	if err != nil {
		return err
	}
	if err := f.playOn(n, set, plan, stdout, stderr); err != nil {
		return closeNode(n, err)
	}
	return nil
}

// streamTopic is the topic a stream is played on: its name, with a
// leading slash when it has none (a stream named by record's stream=, or
// recover's recovered-1), as topic names start with one.
func streamTopic(stream string) string {
	if strings.HasPrefix(stream, "/") {
		return stream
	}
	return "/" + stream
}

// playOn plays the streams of set on n's topics, each through the files
// that hold it in turn, and closes n when they have played.
func (f *playFlags) playOn(n *gopline.Node, set playSet, plan playPlan, stdout, stderr io.Writer) error {
	p, err := n.NewPipeline()
	if err != nil {
		return err
	}
	// The streams play together, keeping their recorded timing relative
	// to each other, as ros2 bag play keeps its topics'.
	var cfgs []elements.PlayConfig
	for _, ps := range plan.streams {
		holders := set.holders[ps.name]
		cfgs = append(cfgs, elements.PlayConfig{Path: holders[0], Then: holders[1:], Stream: ps.name,
			Rate: f.rate, Start: ps.start, End: ps.end, Loop: f.loop, Live: true, KeepTime: f.keepTime})
	}
	group, err := elements.PlayTogether(cfgs)
	if err != nil {
		return err
	}
	played, topics, publishers := 0, map[string]string{}, map[string]string{}
	for j, ps := range plan.streams {
		i := ps.index
		topic := streamTopic(ps.name)
		names := []string{fmt.Sprintf("play%d", i), fmt.Sprintf("publish%d", i)}
		if err := p.Chain(names, []pipeline.Element{group.Elements[j], elements.Publish(topic)}); err != nil {
			return err
		}
		topics[names[0]], topics[names[1]] = topic, topic
		publishers[names[1]] = topic
		played++
	}
	begin := time.Now()
	group.Begin(begin)
	if !f.asJSON && !f.quiet {
		where := ""
		if name := n.Name(); name != "" {
			where = fmt.Sprintf(", served at %s as node %s", n.Addr(), name)
		}
		fmt.Fprintf(stderr, "playing %d stream(s) of %s on their topics%s\n", played, f.label(set), where)
		if origin := group.Origin(); !origin.IsZero() {
			fmt.Fprintln(stderr, timeLine(origin, begin, f.rate, f.keepTime))
		}
	}
	stats, end := runUntilDone(n, p, f.duration, liveOutput(stderr, f.quiet || f.asJSON), topics)
	end.err = closeNode(n, end.err)
	err = finish(judge(stats, end, judgeRules{sources: isSource, allowDamage: f.allowDamage}), f.asJSON, stdout, stderr)
	if !f.asJSON {
		for _, line := range publishedLines(stats, publishers) {
			fmt.Fprintln(stderr, line)
		}
	}
	return err
}

// checkStream refuses a --stream the recording file lacks, and a
// recording with no stream at all: there would be nothing to play.
func (f *playFlags) checkStream(file string, infos []storage.StreamInfo) error {
	names := make([]string, len(infos))
	for i, info := range infos {
		names[i] = info.Name
	}
	for _, s := range f.streams {
		if !slices.Contains(names, s) {
			return unknownStream(file, s, names)
		}
	}
	if len(infos) == 0 {
		return fmt.Errorf("%s holds no streams: nothing to play", file)
	}
	return nil
}

func streamsOf(path string) ([]storage.StreamInfo, error) {
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		return nil, err
	}
	defer rec.Close()
	return rec.Streams()
}

// leadingTopics returns the words at the start of a record command's
// pipeline argument that are topic names rather than elements (/camera),
// as ros2 bag record takes its topics: a pipeline's first word is an
// element, never a name beginning with a slash.
// bareTopics returns the words of line when each could be a topic named
// without its slash (gopline record camera imu) and none is an element's
// name, as a pipeline's first word is; nil otherwise.
func bareTopics(line string) []string {
	words := strings.Fields(line)
	reg, err := elements.Registry()
	if err != nil {
		return nil
	}
	for _, w := range words {
		if strings.ContainsAny(w, "=!/") || transport.ValidateTopicName("/"+w) != nil || reg.Knows(w) {
			return nil
		}
	}
	return words
}

func leadingTopics(line string) []string {
	var topics []string
	for _, w := range strings.Fields(line) {
		if !strings.HasPrefix(w, "/") || strings.ContainsAny(w, "=!") {
			break
		}
		topics = append(topics, w)
	}
	return topics
}
