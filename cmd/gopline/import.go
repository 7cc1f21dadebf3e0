package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/mcapimport"
)

// importedTopic is one topic of `gopline import --json`.
type importedTopic struct {
	Topic          string        `json:"topic"`
	Schema         string        `json:"schema"`
	Skipped        string        `json:"skipped,omitempty"`
	Stream         string        `json:"stream,omitempty"`
	Codec          string        `json:"codec,omitempty"`
	Format         string        `json:"pixel_format,omitempty"`
	Width          int           `json:"width,omitempty"`
	Height         int           `json:"height,omitempty"`
	Sizes          []string      `json:"sizes,omitempty"`
	Files          []string      `json:"files,omitempty"`
	Messages       int64         `json:"messages"`
	Packets        int64         `json:"packets"`
	Start          *time.Time    `json:"start,omitempty"` // none for a topic not imported
	End            *time.Time    `json:"end,omitempty"`
	Span           time.Duration `json:"span_ns"`
	BeforeKeyframe int64         `json:"before_keyframe"`
	Damaged        int64         `json:"damaged"`
	DamageWhy      string        `json:"damage,omitempty"` // why the first damaged one was left out
	OtherFormat    int64         `json:"other_format"`
	Dropped        int64         `json:"dropped"`
	Retimed        int64         `json:"retimed"`
	// OutOfLine counts stamps far out of line, stored at their log times.
	OutOfLine int64 `json:"out_of_line"`
	// LogTimed: timed by log times (--time log, or stamps on another clock).
	LogTimed    bool          `json:"log_timed,omitempty"`
	ClockOffset time.Duration `json:"clock_offset_ns,omitempty"` // its stamps less its log times
	// NoParameterSets counts keyframes left out for want of SPS and PPS.
	NoParameterSets int64 `json:"no_parameter_sets"`
	// Transcoded is the codec the pictures were in, transcoded to H.264.
	Transcoded string `json:"transcoded_from,omitempty"`
	// FrameID is the first picture's frame_id, the stream's; FrameIDChanged
	// counts the pictures of another, OtherFrameID the first of those.
	FrameID        string `json:"frame_id,omitempty"`
	FrameIDChanged int64  `json:"frame_id_changed,omitempty"`
	OtherFrameID   string `json:"other_frame_id,omitempty"`
}

// importReport is `gopline import --json`.
type importReport struct {
	From          string          `json:"from"`
	To            string          `json:"to"`
	Files         []string        `json:"files"`
	Topics        []importedTopic `json:"topics"`
	Truncated     []string        `json:"truncated"`
	DamagedChunks int64           `json:"damaged_chunks"`
	Unchanneled   int64           `json:"unchanneled_messages,omitempty"`
	Stopped       []string        `json:"stopped,omitempty"`
	ReadPast      []string        `json:"read_past,omitempty"`     // damage the reading went on after
	Lost          int64           `json:"lost_messages,omitempty"` // messages the files' statistics count that were not read
	Missing       []string        `json:"missing,omitempty"`
}

// unchanneledLine says that n messages of channels the bag never defines
// were left out.
func unchanneledLine(n int64) string {
	return fmt.Sprintf("%s of channels the file never defines: left out, their topics unknown", plural(uint64(n), "message"))
}

// importCommand makes a recording of an MCAP file's pictures.
func importCommand() *cobra.Command {
	var out, clock string
	var topics, values []string
	var asJSON, quiet, encode bool
	cmd := &cobra.Command{
		Use:   "import BAG... --out NEW.gopline [--topic TOPIC]... [flags]",
		Short: "make a recording of the pictures in a ROS bag or another MCAP file (a Foxglove recording)",
		Long: "Reads a ROS 2 bag (its directory, or one of its .mcap or .db3 files), a ROS 1 bag (.bag, or\n" +
			"converted to MCAP), a Foxglove recording or what gopline export wrote, each file perhaps compressed\n" +
			"whole (zstd, gzip, bzip2 or lz4: robot_0.db3.zstd, dataset.bag.bz2) or a bag zipped (robot_bag.zip),\n" +
			"and writes its topics of pictures into a new recording, a stream a topic named as the topic, which\n" +
			"gopline play, info, export and the viewers then take. Compressed pictures\n" +
			"(sensor_msgs/CompressedImage, foxglove CompressedImage) keep their JPEG, PNG becomes raw;\n" +
			"compressed video (foxglove CompressedVideo, ffmpeg_image_transport) keeps its H.264 from its first\n" +
			"keyframe, and H.265, VP9, AV1 or VP8 is transcoded to H.264 (libx264, CRF 20); raw pictures\n" +
			"(sensor_msgs/Image, foxglove RawImage: rgb8, bgr8, rgba8, bgra8, mono8, yuv422, yuyv, nv12,\n" +
			"bayer_* demosaiced; 16-bit ones by their top bits) stay raw. Depth and thermal pictures (16UC1\n" +
			"millimetres, 32FC1 metres, compressedDepth, mono16) become grey, 0 black to 10 m white, as ROS\n" +
			"image_view and Foxglove show them (--value-range sets another). --encode stores JPEG, PNG, raw and\n" +
			"depth pictures as H.264 too (tens of times smaller than raw), and re-encodes H.264 with B-frames\n" +
			"without them (WebRTC and Foxglove play none). A packet's time is its\n" +
			"message's header stamp, or its log time when the stamp is zero or on another clock than the bag's\n" +
			"(--time says which; a stamp far out of line with its topic's others is repaired). ROS 2 (CDR), ROS 1, JSON and\n" +
			"protobuf messages are read. Other topics (IMU, transforms, point clouds) are listed with why they\n" +
			"were left. A bag its recorder left without its footer imports up to its cut; a damaged chunk loses\n" +
			"its own messages only. Several bags (the files of one split by rosbag record --split, say) are read\n" +
			"as one, in the order given (a split bag's files in their numbers' order, robot_2 before robot_10,\n" +
			"whatever order a shell's glob gives them). Exits 0 when pictures were imported, 1 when none were,\n" +
			"and 2 when NEW exists: BAG is only read.",
		Example: "  gopline import robot.mcap --out robot.gopline\n" +
			"  gopline import robot_bag --out robot.gopline     # a rosbag2 directory\n" +
			"  gopline import dataset.bag --out dataset.gopline # a ROS 1 bag\n" +
			"  gopline import robot_bag.zip -o robot.gopline    # a rosbag2 directory, zipped\n" +
			"  gopline import run_0.bag run_1.bag -o run.gopline # several, read as one in the order given\n" +
			"  gopline import robot.mcap -o front.gopline --topic /front/image_raw/compressed\n" +
			"  gopline import dataset.bag -o dataset.gopline --encode   # its raw cameras as H.264\n" +
			"  gopline play robot.gopline",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("takes a bag (a rosbag2 directory, an .mcap, .db3 or ROS 1 .bag file), or the files of one, in order")
			}
			return nil
		},
		ValidArgsFunction: func(_ *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
			return bagExtensions, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := parseClock(clock)
			if err != nil {
				return err
			}
			return importMCAP(args, out, topics, values, c, encode, asJSON, quiet, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "the new recording to write (must not exist)")
	cmd.Flags().StringSliceVarP(&topics, "topic", "t", nil, "a topic to import (repeat or separate with commas; default every topic of pictures)")
	cmd.Flags().StringSliceVar(&values, "value-range", nil, "MIN:MAX, the values of depth and thermal pictures shown from black to white\n"+
		"(default 0:10000 for 16-bit ones, millimetres; 0:10 for 32FC1, metres); TOPIC=MIN:MAX gives one topic\n"+
		"its own (repeat, or separate with commas: --value-range /thermal=7000:9000,/depth=0:5000)")
	cmd.Flags().BoolVar(&encode, "encode", false, "store JPEG, PNG, raw and depth pictures as H.264 (libx264, CRF 20): a raw camera's\n"+
		"pictures take tens of times less room, and the viewers play them over WebRTC; H.264 with B-frames\n"+
		"is re-encoded without them")
	cmd.Flags().StringVar(&clock, "time", "auto", "what a packet's time is taken from: stamp, its message's header stamp; log, its log time\n"+
		"(when the recorder received it), as ros2 bag play paces a bag; auto, the stamp, but a topic whose stamps\n"+
		"are more than a minute from its log times (a simulation's clock, a sensor's boot clock) by its log times")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print what was imported as JSON")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bar on a terminal (the summary stays)")
	cmd.MarkFlagFilename("out", recordingExtensions...)
	return cmd
}

func importMCAP(srcs []string, dst string, topics, values []string, clock mcapimport.Clock, encode, asJSON, quiet bool, w, stderr io.Writer) error {
	if dst == "" {
		return usagef("give --out, the new recording to write (gopline import --help)")
	}
	valueRange, ranges, err := parseValueRanges(values)
	if err != nil {
		return err
	}
	src := strings.Join(srcs, ", ")
	ctx, stop := stopContext(0)
	defer stop()
	bar := newProgressBar(stderr, quiet || asJSON, "importing "+src, "MB")
	_, statErr := os.Lstat(dst)
	opts := mcapimport.Options{Topics: topics, Range: valueRange, Ranges: ranges, Clock: clock, Transcode: transcoder, Progress: func(done, total int64) {
		bar.update(int(done>>20), int(max(total>>20, 1)))
	}}
	if encode {
		opts.Encode = encoder
	}
	made, err := makeDirsOf(dst)
	if err != nil {
		return fmt.Errorf("cannot import into %s: %w", dst, err)
	}
	res, err := mcapimport.ImportFiles(ctx, srcs, dst, opts)
	bar.clear()
	if err != nil {
		removeDirs(made)
	}
	switch {
	case errors.Is(err, fs.ErrExist) && statErr == nil:
		return usagef("--out %s exists: import writes a new file and never over one", dst)
	case errors.Is(err, fs.ErrExist): // a next file, where a stream changed its size
		return usagef("%v (import writes new files and never over one: move it, or give another --out)", err)
	case ctx.Err() != nil && err != nil:
		return fmt.Errorf("interrupted: %s is not written (its unfinished file is removed)", dst)
	case errors.Is(err, mcapimport.ErrNoTopic):
		var names []string
		for _, t := range res.Topics {
			names = append(names, t.Topic)
		}
		for _, want := range topics {
			if !slices.Contains(names, want) {
				return unknownName("--topic", "topic", "a ROS topic's name begins with a slash", src, want, names)
			}
		}
		return fmt.Errorf("%w in %s (its topics: %s)", err, src, topicList(res, false))
	case errors.Is(err, mcapimport.ErrNoPictures) && len(topics) > 0:
		_, why := noPictures(src, res)
		return fmt.Errorf("--topic %s: no topic of pictures gopline takes, so %s is not written: %s%s (gopline info %s lists the bag's topics, and what import makes of each)",
			strings.Join(topics, ","), dst, askedTopics(res, topics), why, shellLine(srcs))
	case errors.Is(err, mcapimport.ErrNoPictures):
		what, why := noPictures(src, res)
		return fmt.Errorf("%s, so %s is not written; its topics: %s%s", what, dst, topicList(res, true), why)
	case errors.Is(err, storage.ErrDiskFull):
		// The file's own error speaks of the recorder's retries, which an
		// import does not make: it stops, and removes what it wrote.
		cause := err
		if werr := (*storage.WriteError)(nil); errors.As(err, &werr) {
			cause = werr.Err
		}
		return fmt.Errorf("no room to write %s (%w): it is not written, and its unfinished file is removed; give --out on another disk", dst, cause)
	case err != nil:
		return err
	}
	for topic := range ranges {
		if !slices.ContainsFunc(res.Topics, func(t mcapimport.Topic) bool { return t.Topic == topic }) {
			fmt.Fprintf(stderr, "note: --value-range %s: %s has no such topic\n", topic, src)
		}
	}
	report := reportOf(src, dst, res)
	if asJSON {
		return writeJSON(w, report)
	}
	return writeImported(w, report)
}

// transcodeCRF is the quality H.265, VP9 and AV1 pictures are transcoded
// to H.264 at on import: a little finer than gopline's live default (23),
// the pictures having been coded once already.
const transcodeCRF = 20

// transcoder opens the Transcoder of a bag's topic in codec.
func transcoder(codec string) (mcapimport.Transcoder, error) {
	return ffmpeg.NewTranscoder(codec, ffmpeg.WithCRF(transcodeCRF))
}

// encoder opens the Encoder of a bag's topic of JPEG or raw pictures
// (import --encode).
func encoder(width, height int) (mcapimport.Encoder, error) {
	return ffmpeg.NewH264Encoder(width, height, ffmpeg.WithCRF(transcodeCRF))
}

// askedTopics names the topics of res an import was asked for, each with
// its type and why it was not imported.
func askedTopics(res mcapimport.Result, topics []string) string {
	var asked mcapimport.Result
	for _, t := range res.Topics {
		if slices.Contains(topics, t.Topic) {
			asked.Topics = append(asked.Topics, t)
		}
	}
	return topicList(asked, true)
}

// topicList names a file's topics with their schemas and, when why, why
// each was not imported.
func topicList(res mcapimport.Result, why bool) string {
	if len(res.Topics) == 0 {
		return "none"
	}
	var parts []string
	for _, t := range res.Topics {
		s := t.Topic + " (" + t.Schema
		if why && t.Skipped != "" {
			s += ": " + t.Skipped
		} else if why && t.Messages > 0 {
			s += fmt.Sprintf(": %s, none stored", plural(uint64(t.Messages), "message"))
			if left := notStored(importedTopic{BeforeKeyframe: t.BeforeKeyframe, Damaged: t.Damaged, DamageWhy: t.DamageWhy,
				OtherFormat: t.OtherFormat, Dropped: t.Dropped, NoParameterSets: t.NoParameterSets}); left != "none" {
				s += ": " + left
			}
		}
		parts = append(parts, s+")")
	}
	return strings.Join(parts, ", ")
}

// writeImported describes what import made: a line a stream, the topics
// left, then what the file lost.
func writeImported(w io.Writer, r importReport) error {
	var packets int64
	for _, t := range r.Topics {
		packets += t.Packets
	}
	fmt.Fprintf(w, "Imported %s of %s into %s\n", plural(uint64(packets), "packet"), r.From, strings.Join(r.Files, ", "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Stream\tSchema\tCodec\tSize\tPackets\tStart\tSpan\tLeft out")
	var left []string
	for _, t := range r.Topics {
		if t.Stream == "" {
			if t.Skipped != "not asked for" {
				why := t.Skipped
				if why == "" {
					why = "no picture stored"
					if n := notStored(t); n != "none" {
						why += ": " + n
					}
				}
				left = append(left, t.Topic+" ("+t.Schema+": "+why+")")
			}
			continue
		}
		codec := t.Codec
		if t.Format != "" {
			codec += " " + t.Format
		}
		if t.Transcoded != "" {
			codec += " (from " + t.Transcoded + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", t.Stream, t.Schema, codec, strings.Join(t.Sizes, ", "), t.Packets,
			t.Start.UTC().Format("2006-01-02 15:04:05.000"), t.Span.Round(time.Millisecond), notStored(t))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(left) > 0 {
		fmt.Fprintf(w, "Not imported: %s\n", strings.Join(left, ", "))
	}
	var raw []string
	for _, t := range r.Topics {
		if t.Stream != "" && t.Codec == media.Raw.String() {
			raw = append(raw, t.Stream)
		}
	}
	if len(raw) > 0 {
		fmt.Fprintf(w, "Raw pictures are stored uncompressed (%s): --encode stores them as H.264, tens of times smaller, "+
			"which the viewers play over WebRTC\n", strings.Join(raw, ", "))
	}
	if len(r.Files) > 1 {
		var changed []string
		for _, t := range r.Topics {
			if len(t.Sizes) > 1 {
				changed = append(changed, t.Stream+" ("+strings.Join(t.Sizes, ", ")+")")
			}
		}
		fmt.Fprintf(w, "The recording goes on in a new file where a stream changed its size or format, as gopline record splits one: %s; "+
			"gopline info, play and export take the files as one\n", strings.Join(changed, ", "))
	}
	for _, t := range r.Topics {
		if note := clockNote(t.Stream, t.ClockOffset, "--time stamp"); t.LogTimed && note != "" {
			fmt.Fprintln(w, note)
		}
	}
	for _, line := range r.frameIDNotes() {
		fmt.Fprintln(w, line)
	}
	for _, line := range r.damage() {
		fmt.Fprintln(w, line)
	}
	return nil
}

func orText(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// parseValueRanges reads --value-range's values: MIN:MAX, the range of
// every topic (at most one), and TOPIC=MIN:MAX, one topic's own.
func parseValueRanges(values []string) (mcapimport.ValueRange, map[string]mcapimport.ValueRange, error) {
	var all mcapimport.ValueRange
	var ranges map[string]mcapimport.ValueRange
	allText := ""
	for _, v := range values {
		topic, r, own := strings.Cut(v, "=")
		if !own {
			if allText != "" {
				return all, nil, usagef("--value-range %s and %s: one range for every topic, and TOPIC=MIN:MAX for a topic's own", allText, v)
			}
			allText = v
			var err error
			if all, err = parseValueRange(v); err != nil {
				return all, nil, err
			}
			continue
		}
		topic = strings.TrimSpace(topic)
		rng, err := parseValueRange(r)
		switch {
		case err != nil, strings.TrimSpace(r) == "":
			return all, nil, usagef("--value-range %q: want TOPIC=MIN:MAX, numbers with MIN below MAX (as /thermal=7000:9000)", v)
		case topic == "":
			return all, nil, usagef("--value-range %q: want TOPIC=MIN:MAX, a topic before the '='", v)
		case ranges[topic] != (mcapimport.ValueRange{}):
			return all, nil, usagef("--value-range gives %s two ranges", topic)
		}
		if ranges == nil {
			ranges = map[string]mcapimport.ValueRange{}
		}
		ranges[topic] = rng
	}
	return all, ranges, nil
}

// parseValueRange reads --value-range's MIN:MAX; "" is the default range.
func parseValueRange(s string) (mcapimport.ValueRange, error) {
	if s == "" {
		return mcapimport.ValueRange{}, nil
	}
	lo, hi, ok := strings.Cut(s, ":")
	low, errLow := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	high, errHigh := strconv.ParseFloat(strings.TrimSpace(hi), 64)
	r := mcapimport.ValueRange{Min: low, Max: high}
	if !ok || errLow != nil || errHigh != nil || r.Valid() != nil {
		return r, usagef("--value-range %q: want MIN:MAX, numbers with MIN below MAX (as 500:4000, millimetres of depth)", s)
	}
	return r, nil
}
