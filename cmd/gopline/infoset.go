package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// fileSummary is one file of a set that `gopline info` describes as one
// recording (the files of a split recording).
type fileSummary struct {
	File      string        `json:"file"`
	FileBytes int64         `json:"file_bytes"`
	Start     time.Time     `json:"start"`
	End       time.Time     `json:"end"`
	Duration  time.Duration `json:"duration_ns"`
	Packets   int64         `json:"packets"`
	Gaps      int           `json:"gaps"`
	Damaged   int           `json:"damaged"`
	// Pause is the time from the last packet of the file before (the
	// latest that holds packets) to this file's first; negative when they
	// overlap, as a split recording's files do while a stream goes on in
	// the older file until its next keyframe; 0 for the first file.
	Pause   time.Duration   `json:"pause_ns"`
	Streams []streamSummary `json:"streams"`
	Writing *writingState   `json:"being_written,omitempty"`
}

// setSummary is what `gopline info` says of several files taken as one
// recording: each file, and each stream over all the files that hold it.
type setSummary struct {
	// Recording names the recording (of several a directory holds).
	Recording string        `json:"recording,omitempty"`
	Files     []fileSummary `json:"files"`
	FileBytes int64         `json:"file_bytes"`
	Start     time.Time     `json:"start"`
	End       time.Time     `json:"end"`
	Duration  time.Duration `json:"duration_ns"`
	Packets   int64         `json:"packets"`
	// FileGaps are the pauses between files of minGap or more (a camera
	// that stopped between two files, a second run recording on).
	FileGaps    int           `json:"file_gaps"`
	FileGapTime time.Duration `json:"file_gap_ns"`
	// Streams are each stream over the files that hold it, in the order
	// first found; their gaps count those between the files too.
	Streams []streamSummary `json:"streams"`
	// Overlaps say each stream that a file holds from before its last
	// packet in the file before: files that are not one recording's, as
	// a split recording's stream goes on in the next file only after its
	// last packet in the one before.
	Overlaps []string `json:"overlaps,omitempty"`
}

// combineSet describes the files named names, whose summaries are sums,
// as one recording.
func combineSet(names []string, sums []summary) setSummary {
	set := setSummary{Streams: []streamSummary{}}
	var prevEnd time.Time
	byStream := map[string][]streamSummary{}
	var order []string
	for i, sum := range sums {
		f := describeFile(names[i], sum)
		if f.Packets > 0 && !prevEnd.IsZero() {
			f.Pause = f.Start.Sub(prevEnd)
			if f.Pause >= minGap {
				set.FileGaps++
				set.FileGapTime += f.Pause
			}
		}
		if f.Packets > 0 {
			prevEnd = f.End
		}
		set.Files = append(set.Files, f)
		set.FileBytes += f.FileBytes
		for _, s := range sum.streams {
			if byStream[s.Stream] == nil {
				order = append(order, s.Stream)
			}
			byStream[s.Stream] = append(byStream[s.Stream], s)
		}
	}
	for _, name := range order {
		set.Streams = append(set.Streams, combineStream(byStream[name]))
	}
	set.Start, set.End, set.Packets = recordingSpan(set.Streams)
	set.Duration = set.End.Sub(set.Start)
	set.Overlaps = overlaps(names, sums)
	return set
}

// overlaps says, for files names whose summaries are sums, each stream a
// file holds from before its last packet in an earlier file.
func overlaps(names []string, sums []summary) []string {
	type last struct {
		file string
		end  time.Time
	}
	ends := map[string]last{}
	var out []string
	for i, sum := range sums {
		for _, s := range sum.streams {
			if s.Packets == 0 {
				continue
			}
			if l, ok := ends[s.Stream]; ok && s.Start.Before(l.end) {
				out = append(out, fmt.Sprintf("%s in %s begins %s before its last packet in %s",
					s.Stream, names[i], l.end.Sub(s.Start).Round(time.Millisecond), l.file))
			}
			if l, ok := ends[s.Stream]; !ok || s.End.After(l.end) {
				ends[s.Stream] = last{names[i], s.End}
			}
		}
	}
	return out
}

// describeFile is the line of one file of a set.
func describeFile(name string, sum summary) fileSummary {
	f := fileSummary{File: name, FileBytes: sum.fileBytes, Streams: sum.streams, Writing: sum.writing}
	if f.Streams == nil {
		f.Streams = []streamSummary{} // a list, if empty, not null
	}
	f.Start, f.End, f.Packets = recordingSpan(sum.streams)
	f.Duration = f.End.Sub(f.Start)
	for _, s := range sum.streams {
		f.Gaps += s.Gaps
		f.Damaged += s.Damaged
	}
	return f
}

// combineStream is one stream over its parts, one a file, in the order of
// the files. A pause between the last packet of one part and the first
// of the next is a gap as one within a file is (isGap), at the stream's
// mean interval over all its parts.
func combineStream(parts []streamSummary) streamSummary {
	s := streamSummary{Stream: parts[0].Stream, Codec: parts[0].Codec, Width: parts[0].Width, Height: parts[0].Height,
		FrameID: parts[0].FrameID}
	var ends []time.Time // each part's last packet, to find the pauses between parts
	var starts []time.Time
	for _, p := range parts {
		if size := (pictureSize{p.Width, p.Height}); len(s.Sizes) == 0 || s.Sizes[len(s.Sizes)-1] != size {
			s.Sizes = append(s.Sizes, size)
		}
		if f := formatOf(p); len(s.Formats) == 0 || s.Formats[len(s.Formats)-1] != f {
			s.Formats = append(s.Formats, f)
		}
		s.Packets += p.Packets
		s.Keyframes += p.Keyframes
		s.GOPs += p.GOPs
		s.PayloadBytes += p.PayloadBytes
		s.FileBytes += p.FileBytes
		s.Gaps += p.Gaps
		s.GapTime += p.GapTime
		s.Damaged += p.Damaged
		if p.Writing != nil {
			s.Writing = p.Writing
		}
		if p.Packets > 0 {
			starts, ends = append(starts, p.Start), append(ends, p.End)
		}
	}
	if len(s.Sizes) == 1 {
		s.Sizes = nil // one size: Width and Height say it
	}
	if len(s.Formats) == 1 {
		s.Formats = nil // one format: Codec, Width and Height say it
	}
	if len(starts) == 0 {
		return s
	}
	s.Start, s.End = starts[0], ends[len(ends)-1]
	s.Duration = s.End.Sub(s.Start)
	if s.Packets > 1 && s.Duration > 0 {
		s.FPS = float64(s.Packets-1) / s.Duration.Seconds()
		mean := s.Duration / time.Duration(s.Packets-1)
		for i := 1; i < len(starts); i++ {
			if pause := starts[i].Sub(ends[i-1]); isGap(pause, mean) {
				s.Gaps++
				s.GapTime += pause
			}
		}
	}
	if s.GOPs > 0 {
		s.MeanGOP = float64(s.Packets) / float64(s.GOPs)
	}
	return s
}

// judgeSet is the error the files of a set call for, each as on its own
// (judgeRecording).
func judgeSet(files []string, sums []summary, allowDamage bool) error {
	var errs []error
	for i, sum := range sums {
		errs = append(errs, judgeRecording(files[i], sum, allowDamage))
	}
	return errors.Join(errs...)
}

// writeSetInfo writes a set's summary: the whole, a line a file, then a
// line a stream over all the files.
func writeSetInfo(w io.Writer, set setSummary) error {
	fmt.Fprintf(w, "Files:     %d\nSize:      %s\n", len(set.Files), formatBytes(set.FileBytes))
	for _, f := range set.Files {
		if f.Writing != nil {
			fmt.Fprintf(w, "Writing:   %s is still being written: figures as of its last commit (txid %d, %s); its gaps and damage not counted\n",
				f.File, f.Writing.TxID, f.Writing.AsOf.Format(infoTime))
		}
	}
	writeSpan(w, set.Start, set.End, set.Packets, len(set.Streams))
	for _, o := range set.Overlaps {
		fmt.Fprintf(w, "Overlap:   %s: are these files one recording's? (a capture clock that stepped back begins a new file too)\n", o)
	}
	if set.FileGaps > 0 {
		fmt.Fprintf(w, "Gaps:      %s between files (%s)\n", plural(uint64(set.FileGaps), "pause"), set.FileGapTime.Round(time.Millisecond))
	}
	if err := writeFiles(w, set); err != nil {
		return err
	}
	return writeStreams(w, set.Streams, set.Start, false)
}

// writeFiles writes a line a file of set: where it starts in the set, its
// span, packets, gaps and damage, and the pause after the file before;
// and, when a stream's format differs between the files, the format of
// each such stream in the file (changedFormats).
func writeFiles(w io.Writer, set setSummary) error {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	changed := changedStreams(set.Streams)
	header := "file\tsize\tfrom\tduration\tpackets\tstreams\tgaps\tdamaged\tpause before\t"
	if len(changed) > 0 {
		header += "formats\t"
	}
	fmt.Fprintln(tw, header)
	before := false // whether a file before held packets
	frame := longestFrameInterval(set.Streams)
	for _, f := range set.Files {
		from, pause := "-", "-"
		if f.Packets > 0 {
			from = startOffset(f.Start.Sub(set.Start)).String()
			if before {
				pause = pauseText(f.Pause, frame)
			}
			before = true
		}
		gaps, damaged := fmt.Sprint(f.Gaps), fmt.Sprint(f.Damaged)
		if f.Writing != nil {
			gaps, damaged = "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t", f.File, formatBytes(f.FileBytes), from,
			f.Duration.Round(time.Millisecond), f.Packets, len(f.Streams), gaps, damaged, pause)
		if len(changed) > 0 {
			fmt.Fprintf(tw, "%s\t", changedFormats(f, changed))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// pauseText says the pause between two files in a set's table: "-" for
// about a frame interval (under two of frame), which is no pause but the
// interval between a split recording's last packet in one file and its
// first in the next; "overlaps by X" when the file begins before the one
// before ends; else the pause.
func pauseText(pause, frame time.Duration) string {
	switch {
	case pause < 0:
		return "overlaps by " + (-pause).Round(time.Millisecond).String()
	case pause < 2*frame || pause == 0:
		return "-"
	}
	return pause.Round(time.Millisecond).String()
}

// longestFrameInterval is the mean interval between packets of the
// slowest of streams (0 when none has two packets): the longest pause
// between two files that is no pause at all.
func longestFrameInterval(streams []streamSummary) time.Duration {
	var longest time.Duration
	for _, s := range streams {
		if s.FPS > 0 {
			longest = max(longest, time.Duration(float64(time.Second)/s.FPS))
		}
	}
	return longest
}

// changedStreams are the streams whose format differs between the files.
func changedStreams(streams []streamSummary) map[string]bool {
	changed := map[string]bool{}
	for _, s := range streams {
		if len(s.Formats) > 0 {
			changed[s.Stream] = true
		}
	}
	return changed
}

// changedFormats says the format in file f of each stream of changed
// that f holds: "/cam h264 640x480", comma-separated, or "-".
func changedFormats(f fileSummary, changed map[string]bool) string {
	var texts []string
	for _, s := range f.Streams {
		if changed[s.Stream] {
			texts = append(texts, s.Stream+" "+formatOf(s).String())
		}
	}
	if len(texts) == 0 {
		return "-"
	}
	return strings.Join(texts, ", ")
}
