package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// minGap is the shortest pause between two packets of a stream that info
// calls a gap: a camera that stopped, a recorder that was restarted. A
// pause must also be several frame intervals long (gapFactor) so that a
// slow stream's ordinary pace is not one.
const (
	minGap    = time.Second
	gapFactor = 3
)

// streamSummary is one stream of `gopline info`.
type streamSummary struct {
	Stream       string        `json:"stream"`
	Codec        string        `json:"codec"`
	Width        int           `json:"width"`
	Height       int           `json:"height"`
	Start        time.Time     `json:"start"`
	End          time.Time     `json:"end"`
	Duration     time.Duration `json:"duration_ns"`
	Packets      int64         `json:"packets"`
	Keyframes    int64         `json:"keyframes"`
	GOPs         int64         `json:"gops"`
	FPS          float64       `json:"fps"`
	MeanGOP      float64       `json:"gop_length"`
	PayloadBytes int64         `json:"payload_bytes"`
	FileBytes    int64         `json:"file_bytes"`
	Gaps         int           `json:"gaps"`
	GapTime      time.Duration `json:"gap_ns"`
	Damaged      int           `json:"damaged"`
	// FrameID is the stream's frame_id (a bag's header, kept by import),
	// "" when it has none: its pictures' frame in the robot's TF tree.
	FrameID string `json:"frame_id,omitempty"`
	// Sizes are, over the files of a set, each picture size the stream
	// had, in order, when it had more than one: a camera that changed its
	// size, whose recording went on in a new file at the change.
	Sizes []pictureSize `json:"sizes,omitempty"`
	// Formats are, over the files of a set, each codec and picture size
	// the stream had, in order, when it had more than one: Codec, Width
	// and Height are its first file's.
	Formats []streamFormat `json:"formats,omitempty"`
	// Writing is set when the recording is being written: the figures are
	// as of its last commit, and gaps and damaged records are not counted.
	Writing *writingState `json:"being_written,omitempty"`
}

// pictureSize is a stream's picture size.
type pictureSize struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

func (p pictureSize) String() string { return fmt.Sprintf("%dx%d", p.Width, p.Height) }

// streamFormat is a stream's codec and picture size in one file of a set.
type streamFormat struct {
	Codec  string `json:"codec"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

func (f streamFormat) String() string {
	return f.Codec + " " + pictureSize{f.Width, f.Height}.String()
}

// formatOf is the format of s in one file.
func formatOf(s streamSummary) streamFormat { return streamFormat{s.Codec, s.Width, s.Height} }

// codecsDiffer reports whether the stream's codec changed over the files.
func (s streamSummary) codecsDiffer() bool {
	for _, f := range s.Formats {
		if f.Codec != s.Codec {
			return true
		}
	}
	return false
}

// codecText is the codec column of s: its codec, or, when it changed, each
// of its codecs once, in the order they first came (h264, mjpeg); the
// size column lists its sizes apart (sizeText), and each file's line the
// format it had there.
func (s streamSummary) codecText() string {
	if !s.codecsDiffer() {
		return s.Codec
	}
	var codecs []string
	for _, f := range s.Formats {
		if !slices.Contains(codecs, f.Codec) {
			codecs = append(codecs, f.Codec)
		}
	}
	return strings.Join(codecs, ", ")
}

// sizeText is the size column of s: its size, or its sizes in the order
// they came, whatever its codecs.
func (s streamSummary) sizeText() string {
	if len(s.Sizes) == 0 {
		return pictureSize{s.Width, s.Height}.String()
	}
	texts := make([]string, len(s.Sizes))
	for i, size := range s.Sizes {
		texts[i] = size.String()
	}
	return strings.Join(texts, ", ")
}

// writingState is the commit that the summary of a recording being written
// describes.
type writingState struct {
	// TxID is bbolt's number of the commit.
	TxID uint64 `json:"txid"`
	// AsOf is when the writer last wrote to the file.
	AsOf time.Time `json:"as_of"`
}

// scan is what a walk over a stream's packets counts.
type scan struct {
	packets, keyframes int64
	gaps, damaged      int
	gapTime            time.Duration
	prev               time.Time
	times              []time.Duration // the intervals, to tell a gap from the pace
}

// add counts one packet.
func (s *scan) add(p *media.Packet) {
	s.packets++
	if p.Key {
		s.keyframes++
	}
	t := p.DecodeTime()
	if !s.prev.IsZero() {
		s.times = append(s.times, t.Sub(s.prev))
	}
	s.prev = t
}

// finish finds the gaps (isGap) among the intervals.
func (s *scan) finish() {
	if len(s.times) == 0 {
		return
	}
	var total time.Duration
	for _, d := range s.times {
		total += d
	}
	mean := total / time.Duration(len(s.times))
	for _, d := range s.times {
		if isGap(d, mean) {
			s.gaps++
			s.gapTime += d
		}
	}
}

// isGap reports whether a pause of d between two packets of a stream
// whose packets come every mean on average is a gap.
func isGap(d, mean time.Duration) bool { return d >= minGap && d >= gapFactor*mean }

// scanStream walks a stream's packets, counting the records that do not
// decode.
func scanStream(rec *storage.Recording, stream string, first time.Time) (scan, error) {
	var s scan
	c, err := rec.Seek(stream, first)
	if err != nil {
		return s, err
	}
	defer c.Close()
	for {
		p, err := c.Next()
		switch {
		case errors.Is(err, io.EOF):
			s.finish()
			return s, nil
		case errors.Is(err, storage.ErrCorruptRecord):
			s.damaged++
		case err != nil:
			return s, err
		default:
			s.add(p)
		}
	}
}

// summary is what `gopline info` says of a recording: each stream, the
// size of its file, and, for a recording being written, the commit that
// the figures are as of.
type summary struct {
	streams   []streamSummary
	fileBytes int64
	writing   *writingState
}

// summarize describes the recording at path. A recording that a writer
// holds open is described as of its last commit.
func summarize(path string) (summary, error) {
	rec, err := storage.Open(path, storage.WithReadOnly())
	if errors.Is(err, storage.ErrLocked) {
		return summarizeWriting(path)
	}
	if err != nil {
		return summary{}, err
	}
	defer rec.Close()
	sums, fileBytes, err := summarizeOpen(rec)
	return summary{streams: sums, fileBytes: fileBytes}, err
}

// summarizeOpen describes each stream of rec, and returns the size of its
// file.
func summarizeOpen(rec *storage.Recording) (sums []streamSummary, fileBytes int64, err error) {
	total, err := rec.RecordingStats()
	if err != nil {
		return nil, 0, err
	}
	infos, err := rec.Streams()
	if err != nil {
		return nil, 0, err
	}
	var out []streamSummary
	for _, info := range infos {
		st, err := rec.Stats(info.Name)
		if err != nil {
			return nil, 0, err
		}
		sum := streamSummary{Stream: info.Name, Codec: info.Codec.String(), Width: info.Width, Height: info.Height,
			Start: st.First, End: st.Last, Packets: st.Packets, GOPs: st.GOPs, Duration: st.Duration, FPS: st.FPS, MeanGOP: st.MeanGOP,
			PayloadBytes: st.PayloadBytes, FileBytes: st.FileBytes, FrameID: info.FrameID}
		if st.Packets > 0 {
			sc, err := scanStream(rec, info.Name, st.First)
			if err != nil {
				return nil, 0, err
			}
			sum.Keyframes, sum.Gaps, sum.GapTime, sum.Damaged = sc.keyframes, sc.gaps, sc.gapTime, sc.damaged
		}
		out = append(out, sum)
	}
	return out, total.FileBytes, nil
}

// summarizeWriting describes the recording at path that a writer holds
// open, from the figures that its last commit left: the counters, which
// give the keyframes (a stream's GOPs), and the first and last packets.
// Gaps and damaged records would need every packet read, which a writer
// that commits on would make a moving target; they are left at zero.
func summarizeWriting(path string) (summary, error) {
	snap, err := storage.Peek(path)
	if err != nil {
		return summary{}, err
	}
	writing := &writingState{TxID: snap.TxID, AsOf: snap.Modified}
	var sums []streamSummary
	for _, s := range snap.Streams {
		info, st := s.Info, s.Stats
		sums = append(sums, streamSummary{Stream: info.Name, Codec: info.Codec.String(), Width: info.Width, Height: info.Height,
			Start: st.First, End: st.Last, Packets: st.Packets, Keyframes: st.GOPs, GOPs: st.GOPs, Duration: st.Duration,
			FPS: st.FPS, MeanGOP: st.MeanGOP, PayloadBytes: st.PayloadBytes, FileBytes: st.FileBytes, FrameID: info.FrameID,
			Writing: writing})
	}
	return summary{streams: sums, fileBytes: snap.FileBytes, writing: writing}, nil
}

// infoCommand describes a recording, or several files as one.
func infoCommand() *cobra.Command {
	var asJSON, allowDamage bool
	cmd := &cobra.Command{
		Use:   "info RECORDING...|BAG... [flags]",
		Short: "describe a recording, or the files of a split recording as one; or a ROS bag, and what import makes of it",
		Long: "Describes a recording as ros2 bag info does: its start and end time and duration, and per\n" +
			"stream the codec, picture size, packets, keyframes, mean GOP length, frame rate, payload bytes,\n" +
			"gaps (pauses of a second and more) and damaged records. An empty recording, or one with damaged\n" +
			"records (unless --allow-damage), exits 1. A recording that gopline record is still writing is\n" +
			"described as of its last commit, without gaps and damaged records, which are counted once it is closed.\n\n" +
			"Several files are described as one recording, as\n" +
			"ros2 bag info does a split bag: each file (its span, packets, and the pause after the file before),\n" +
			"and each stream over all the files, its gaps counting those between files. The files of a split\n" +
			"recording (record -b, -d) are taken in the order of their numbers. A stream whose codec or size\n" +
			"differs between the files lists each in order, and each file's line says its own. A file that\n" +
			"holds no packet (a recording cut before its first write) is left out, warned of; any other file\n" +
			"that would fail on its own fails the set. A stream a file holds from before its last packet in the file\n" +
			"before is warned of (Overlap:): such files are likely not one recording's.\n\n" +
			"A directory means the recordings in it: its .gopline and .db files, STEM.gopline and STEM_N.gopline\n" +
			"one recording, other stems others; each is described on its own. A file there that does not open\n" +
			"is warned of and left out.\n\n" +
			"A ROS bag (a rosbag2 directory, its .mcap or .db3 files, a ROS 1 .bag, perhaps compressed whole or\n" +
			"zipped) or a Foxglove recording is described as ros2 bag info does, each topic with its type,\n" +
			"messages and rate, and with the stream gopline import would make of it (codec, size; H.265, VP9\n" +
			"and AV1 transcoded to H.264) or why it would leave it out. The bag is read through, nothing written.",
		Example:           "  gopline info cam.gopline\n  gopline info --json cam.gopline\n  gopline info robot_*.gopline\n  gopline info runs/\n  gopline info robot_bag/  # a ROS 2 bag: its topics, and what gopline import makes of them",
		Args:              someRecordings,
		ValidArgsFunction: completeRecordingsOrBags,
		RunE: func(cmd *cobra.Command, args []string) error {
			if areBags(args) {
				return bagInfo(cmd.OutOrStdout(), cmd.ErrOrStderr(), args, asJSON)
			}
			units, err := infoUnits(args)
			if err != nil {
				return err
			}
			noteLaterFiles(cmd.ErrOrStderr(), "info", args)
			if len(units) > 0 && !units[0].inDir { // the files given, not those a directory holds
				if err := checkKinds("info", units[0].files); err != nil {
					return err
				}
			}
			return infoAll(cmd.OutOrStdout(), cmd.ErrOrStderr(), units, asJSON, allowDamage)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the streams as JSON (of several files: the files and the streams over them)")
	cmd.Flags().BoolVar(&allowDamage, "allow-damage", false, "exit 0 even when records are damaged (they are still counted)")
	return cmd
}

// infoOne describes the recording at path.
func infoOne(w io.Writer, path string, asJSON, allowDamage bool) error {
	sum, err := summarize(path)
	if err != nil {
		return err
	}
	if asJSON {
		streams := sum.streams
		if streams == nil {
			streams = []streamSummary{} // a list, if empty, not null
		}
		err = writeJSON(w, streams)
	} else {
		err = writeInfo(w, path, sum)
	}
	return errors.Join(err, judgeRecording(path, sum, allowDamage))
}

// judgeRecording is the error a recording's summary calls for: none, an
// empty recording, or damaged records unless they are allowed.
func judgeRecording(path string, sum summary, allowDamage bool) error {
	var packets int64
	damaged := 0
	for _, s := range sum.streams {
		packets += s.Packets
		damaged += s.Damaged
	}
	switch {
	case packets == 0 && sum.writing != nil:
		return fmt.Errorf("%s is being written and holds no packet yet: no commit has stored one", path)
	case packets == 0:
		return fmt.Errorf("%s is empty: no packet was recorded in it", path)
	case damaged > 0 && !allowDamage:
		return fmt.Errorf("%s: %s, which do not decode (--allow-damage accepts it)", path, plural(uint64(damaged), "damaged record"))
	}
	return nil
}

// printInfo describes the recording at path.
func printInfo(w io.Writer, path string) error {
	sum, err := summarize(path)
	if err != nil {
		return err
	}
	return errors.Join(writeInfo(w, path, sum), judgeRecording(path, sum, false))
}

// writeInfo writes a recording's summary: the whole, then a line a stream.
func writeInfo(w io.Writer, path string, sum summary) error {
	start, end, packets := recordingSpan(sum.streams)
	fmt.Fprintf(w, "File:      %s\nSize:      %s\n", path, formatBytes(sum.fileBytes))
	if sum.writing != nil {
		fmt.Fprintf(w, "Writing:   still being written: figures as of its last commit (txid %d, %s); gaps and damage not counted\n",
			sum.writing.TxID, sum.writing.AsOf.Format(infoTime))
	}
	writeSpan(w, start, end, packets, len(sum.streams))
	return writeStreams(w, sum.streams, start, sum.writing != nil)
}

// infoTime is how info writes a time: to the millisecond, with its zone.
// Format cuts a time to the millisecond: a span's end prints so, and its
// start rounded up first (startTime), inward both.
const infoTime = time.DateTime + ".000 MST"

// startTime is the time info prints for t, the first packet of a span (a
// recording, a file of a set, a stream): t rounded up to the millisecond,
// so that the time printed is within the span, and, pasted into --start
// (which begins at the keyframe at or before it), begins at the span's
// first keyframe, not at the GOP before it in an earlier file. An end is
// cut instead, and --end takes in its whole millisecond.
func startTime(t time.Time) time.Time { return t.Add(time.Millisecond - 1).Truncate(time.Millisecond) }

// startOffset is the offset info prints for a span that begins d after
// the recording's start: d rounded up to the millisecond, as startTime.
func startOffset(d time.Duration) time.Duration {
	return (d + time.Millisecond - 1).Truncate(time.Millisecond)
}

// recordingSpan is the earliest first and the latest last packet time of
// streams, and their packets.
func recordingSpan(streams []streamSummary) (start, end time.Time, packets int64) {
	for _, s := range streams {
		if s.Packets == 0 {
			continue
		}
		if start.IsZero() || s.Start.Before(start) {
			start = s.Start
		}
		if s.End.After(end) {
			end = s.End
		}
		packets += s.Packets
	}
	return start, end, packets
}

// writeSpan writes a recording's start, end and duration, when it holds
// packets, and its packets.
func writeSpan(w io.Writer, start, end time.Time, packets int64, streams int) {
	if packets > 0 {
		fmt.Fprintf(w, "Start:     %s\nEnd:       %s\nDuration:  %s\n", startTime(start).Format(infoTime),
			end.Format(infoTime), end.Sub(start).Round(time.Millisecond))
	}
	fmt.Fprintf(w, "Packets:   %d in %s\n", packets, plural(uint64(streams), "stream"))
}

// writeStreams writes a line a stream, its start counted from start.
// Gaps and damage are "-" for a recording being written (writing).
func writeStreams(w io.Writer, sums []streamSummary, start time.Time, writing bool) error {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stream\tcodec\tsize\tfrom\tduration\tfps\tpackets\tkeyframes\tGOP\tbytes\tgaps\tdamaged\t")
	for _, s := range sums {
		gaps, damaged := fmt.Sprint(s.Gaps), fmt.Sprint(s.Damaged)
		if s.Gaps > 0 {
			gaps += fmt.Sprintf(" (%s)", s.GapTime.Round(time.Millisecond))
		}
		if writing || s.Writing != nil {
			gaps, damaged = "-", "-"
		}
		from := "-"
		if s.Packets > 0 {
			from = startOffset(s.Start.Sub(start)).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.1f\t%d\t%d\t%.1f\t%s\t%s\t%s\t\n", s.Stream, s.codecText(), s.sizeText(),
			from, s.Duration.Round(time.Millisecond), s.FPS, s.Packets, s.Keyframes, s.MeanGOP,
			formatBytes(s.PayloadBytes), gaps, damaged)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range sums {
		if s.FrameID != "" {
			fmt.Fprintf(w, "%s: frame_id %s\n", s.Stream, s.FrameID)
		}
	}
	return nil
}
