package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/pipeline/syntax"
	"github.com/gopline/gopline/storage"
)

// maxCaretLine is the longest line parseLine shows with a caret under a
// mistake; a longer one (pasted, or generated) is not echoed back.
const maxCaretLine = 1000

// parseLine builds a pipeline from the one-line syntax, printing a caret
// under a mistake.
func parseLine(n *gopline.Node, line string, stderr io.Writer) (*pipeline.Pipeline, error) {
	reg, err := elements.Registry()
	if err != nil {
		return nil, err
	}
	p, err := n.Parse(line, reg)
	if err == nil {
		err = p.Check() // a node nothing feeds, an output nothing takes
	}
	var serr *syntax.Error
	if errors.As(err, &serr) {
		if len(line) <= maxCaretLine {
			fmt.Fprintln(stderr, serr.Caret())
			return nil, fmt.Errorf("%w: %s", errUsage, serr.Msg)
		}
		return nil, fmt.Errorf("%w: %s at column %d", errUsage, serr.Msg, serr.Column())
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return p, nil
}

// runRecord runs a pipeline and records some of its topics.
func runRecord(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("record", stderr)
	var topics stringList
	fs.Var(&topics, "topic", "topic to record (repeat for more)")
	out := fs.String("out", "", "recording file to create or append to")
	duration := duration(fs, "duration", 0, "stop after this long (default: when the sources end, or on Ctrl-C)")
	asJSON := fs.Bool("json", false, "print the per-node stats as JSON on stdout")
	verbose := fs.Bool("v", false, "log at debug level")
	nf := addNodeFlags(fs, "")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gopline record --topic /camera --out cam.db [--duration 10s] 'PIPELINE'\n\nRuns the pipeline (which publishes the topics) and records the topics into a gopline recording.\nExample: gopline record --topic /camera --out cam.db --duration 10s 'testsrc ! h264enc ! publish topic=/camera'\n\nFlags:")
		fs.PrintDefaults()
	}
	line, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(topics) == 0 || *out == "" || line == "" {
		return fmt.Errorf("%w: give --topic, --out and the pipeline that publishes the topic (gopline record -h)", errUsage)
	}
	n, err := nf.open(logger(stderr, *verbose), subscribesRemote(line))
	if err != nil {
		return err
	}
	p, err := parseLine(n, line, stderr)
	if err != nil {
		return closeNode(n, err)
	}
	if err := p.Add("recorder", elements.Record(elements.RecordConfig{Path: *out, Topics: topics})); err != nil {
		return closeNode(n, err)
	}
	stats, err := runUntilDone(p, *duration)
	err = closeNode(n, err)
	if jerr := report(stats, *asJSON, stdout, stderr); jerr != nil {
		return jerr
	}
	if err != nil {
		return err
	}
	if !*asJSON {
		return printInfo(stderr, *out)
	}
	return nil
}

// stringList is a repeatable flag (also taking comma-separated values).
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

// Set adds the comma-separated values of v, trimmed; an empty one is an
// error (a stray comma must not add an empty name).
func (s *stringList) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return fmt.Errorf("an empty value in %q", v)
		}
		*s = append(*s, item)
	}
	return nil
}

// runPlay publishes a recording's streams on their topics at the recorded
// pace, with a counting subscriber on each.
func runPlay(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("play", stderr)
	stream := fs.String("stream", "", "stream to play (default: all)")
	rate := finiteFloat(fs, "rate", 1, "speed factor")
	start := duration(fs, "start", 0, "offset from the start of the recording")
	loop := fs.Bool("loop", false, "start again at the end")
	duration := duration(fs, "duration", 0, "stop after this long")
	asJSON := fs.Bool("json", false, "print the per-node stats as JSON on stdout")
	files, err := parseFiles(fs, args, "play")
	if err != nil {
		return err
	}
	if *rate <= 0 {
		return fmt.Errorf("%w: --rate %g must be positive", errUsage, *rate)
	}
	infos, err := streamsOf(files[0])
	if err != nil {
		return err
	}
	p := pipeline.New(pipeline.WithLogger(logger(stderr, false)))
	played := 0
	for i, info := range infos {
		if *stream != "" && info.Name != *stream {
			continue
		}
		el, err := elements.Play(elements.PlayConfig{Path: files[0], Stream: info.Name, Rate: *rate, Start: *start, Loop: *loop, Live: true})
		if err != nil {
			return err
		}
		names := []string{fmt.Sprintf("play%d", i), fmt.Sprintf("publish%d", i)}
		if err := p.Chain(names, []pipeline.Element{el, elements.Publish(info.Name)}); err != nil {
			return err
		}
		if err := p.Chain([]string{fmt.Sprintf("watch%d", i), fmt.Sprintf("count%d", i)},
			[]pipeline.Element{elements.Subscribe(info.Name, 0), elements.FakeSink()}); err != nil {
			return err
		}
		played++
	}
	if played == 0 {
		return fmt.Errorf("%w: %s has no stream %q", errUsage, files[0], *stream)
	}
	if !*asJSON {
		fmt.Fprintf(stderr, "playing %d stream(s) of %s on their topics\n", played, files[0])
	}
	stats, err := runUntilDone(p, *duration)
	if jerr := report(stats, *asJSON, stdout, stderr); jerr != nil {
		return jerr
	}
	return err
}

// parseFiles parses flags around exactly one file argument.
func parseFiles(fs interface {
	Parse([]string) error
	NArg() int
	Arg(int) string
	Args() []string
}, args []string, verb string) ([]string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError(err)
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		return nil, fmt.Errorf("%w: gopline %s takes one recording file, got %d", errUsage, verb, len(files))
	}
	return files, nil
}

func streamsOf(path string) ([]storage.StreamInfo, error) {
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		return nil, err
	}
	defer rec.Close()
	return rec.Streams()
}

// streamSummary is one stream of `gopline info`.
type streamSummary struct {
	Stream       string        `json:"stream"`
	Codec        string        `json:"codec"`
	Width        int           `json:"width"`
	Height       int           `json:"height"`
	Packets      int64         `json:"packets"`
	GOPs         int64         `json:"gops"`
	Duration     time.Duration `json:"duration_ns"`
	FPS          float64       `json:"fps"`
	MeanGOP      float64       `json:"gop_length"`
	PayloadBytes int64         `json:"payload_bytes"`
	FileBytes    int64         `json:"file_bytes"`
}

func summarize(path string) ([]streamSummary, error) {
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		return nil, err
	}
	defer rec.Close()
	infos, err := rec.Streams()
	if err != nil {
		return nil, err
	}
	var out []streamSummary
	for _, info := range infos {
		s, err := rec.Stats(info.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, streamSummary{Stream: info.Name, Codec: info.Codec.String(), Width: info.Width, Height: info.Height,
			Packets: int64(s.Packets), GOPs: int64(s.GOPs), Duration: s.Duration, FPS: s.FPS, MeanGOP: s.MeanGOP,
			PayloadBytes: s.PayloadBytes, FileBytes: s.FileBytes})
	}
	return out, nil
}

// runInfo describes a recording.
func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("info", stderr)
	asJSON := fs.Bool("json", false, "print as JSON")
	files, err := parseFiles(fs, args, "info")
	if err != nil {
		return err
	}
	if *asJSON {
		sums, err := summarize(files[0])
		if err != nil {
			return err
		}
		return writeJSON(stdout, sums)
	}
	return printInfo(stdout, files[0])
}

func printInfo(w io.Writer, path string) error {
	sums, err := summarize(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s\n", path)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stream\tcodec\tsize\tduration\tfps\tpackets\tGOP length\tpayload bytes\tfile bytes\t")
	for _, s := range sums {
		fmt.Fprintf(tw, "%s\t%s\t%dx%d\t%s\t%.1f\t%d\t%.1f\t%d\t%d\t\n", s.Stream, s.Codec, s.Width, s.Height,
			s.Duration.Round(time.Millisecond), s.FPS, s.Packets, s.MeanGOP, s.PayloadBytes, s.FileBytes)
	}
	return tw.Flush()
}
