package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/mcapimport"
)

// bagTopic is one topic of `gopline info BAG --json`.
type bagTopic struct {
	Topic         string     `json:"topic"`
	Type          string     `json:"type"`
	Serialization string     `json:"serialization_format"`
	Messages      int64      `json:"messages"`
	Start         *time.Time `json:"start,omitempty"`
	End           *time.Time `json:"end,omitempty"`
	Rate          float64    `json:"rate,omitempty"`
	// What gopline import makes of it: a stream of Codec (from Transcoded),
	// or nothing, for the reason Skipped.
	Codec      string `json:"codec,omitempty"`
	Format     string `json:"pixel_format,omitempty"`
	Width      int    `json:"width,omitempty"`
	Height     int    `json:"height,omitempty"`
	Transcoded string `json:"transcoded_from,omitempty"`
	Skipped    string `json:"skipped,omitempty"`
	// notPictures: its messages hold no picture (mcapimport.Topic).
	notPictures bool
}

// bagReport is `gopline info BAG --json`.
type bagReport struct {
	Files         []string   `json:"files"`
	Bytes         int64      `json:"bytes"`
	Start         *time.Time `json:"start,omitempty"`
	End           *time.Time `json:"end,omitempty"`
	Messages      int64      `json:"messages"`
	Topics        []bagTopic `json:"topics"`
	Truncated     []string   `json:"truncated"`
	DamagedChunks int64      `json:"damaged_chunks"`
	Unchanneled   int64      `json:"unchanneled_messages,omitempty"`
	Stopped       []string   `json:"stopped,omitempty"`
	ReadPast      []string   `json:"read_past,omitempty"` // damage the reading went on after
	Lost          int64      `json:"lost_messages,omitempty"`
	Missing       []string   `json:"missing,omitempty"`
	// Indexed: the files counted from their summary and message indexes,
	// their messages not read through.
	Indexed []string `json:"indexed,omitempty"`
}

// areBags reports whether every path is a bag gopline import reads: a
// file that begins as one (MCAP, SQLite, a ROS 1 bag, perhaps compressed
// or zipped), or a directory that holds a bag's files and no recording.
func areBags(paths []string) bool {
	for _, p := range paths {
		fi, err := os.Stat(p)
		switch {
		case err != nil:
			return false
		case fi.IsDir():
			if !isBagDir(p) {
				return false
			}
		default:
			kind, _, err := storage.SniffFile(p)
			if err != nil || !kind.IsBag() && (kind != storage.KindUnknown || !hasBagExtension(p)) {
				return false
			}
		}
	}
	return len(paths) > 0
}

// hasBagExtension reports whether path is named as a bag's file
// (.mcap, .db3, .bag, perhaps compressed whole or .active): one whose
// bytes say nothing (empty, or cut inside its first record) is read as a
// bag, which says so in a bag's terms.
func hasBagExtension(path string) bool {
	_, ext := storage.SplitBagName(strings.TrimSuffix(filepath.Base(path), ".active"))
	return ext == ".mcap" || ext == ".db3" || ext == ".bag"
}

// isBagDir reports whether dir holds a bag's files (metadata.yaml, .mcap,
// .db3 or .bag files) and no recording.
func isBagDir(dir string) bool {
	files, bag, ros1, err := scanDir(dir)
	return err == nil && len(files) == 0 && len(bag)+len(ros1) > 0
}

// bagInfo describes bags as ros2 bag info does, and what gopline import
// would make of each topic.
func bagInfo(w, stderr io.Writer, bags []string, asJSON bool) error {
	ctx, stop := stopContext(0)
	defer stop()
	src := strings.Join(bags, ", ")
	bar := newProgressBar(stderr, asJSON, "reading "+src, "MB")
	res, err := mcapimport.Inspect(ctx, bags, mcapimport.Options{Transcode: transcoder, Progress: func(done, total int64) {
		bar.update(int(done>>20), int(max(total>>20, 1)))
	}})
	bar.clear()
	switch {
	case ctx.Err() != nil && err != nil:
		return fmt.Errorf("interrupted while reading %s", src)
	case err != nil:
		return err
	}
	r := bagReport{Files: res.Files, Truncated: append([]string{}, res.Truncated...), DamagedChunks: res.DamagedChunks, Stopped: res.Stopped, ReadPast: res.ReadPast,
		Missing: res.Missing, Indexed: res.Indexed, Topics: []bagTopic{}, Unchanneled: res.Unchanneled, Lost: res.Lost}
	for _, f := range res.Files {
		if fi, err := os.Stat(f); err == nil {
			r.Bytes += fi.Size()
		} else { // a zipped bag's files, taken out and removed: the zip's size
			r.Bytes = 0
			for _, b := range bags {
				if fi, err := os.Stat(b); err == nil && fi.Mode().IsRegular() {
					r.Bytes += fi.Size()
				}
			}
			break
		}
	}
	for _, t := range res.Topics {
		bt := bagTopic{Topic: t.Topic, Type: t.Schema, Serialization: t.MessageEncoding, Messages: t.Messages, Skipped: t.Skipped,
			Transcoded: t.Transcoded, Width: t.Width, Height: t.Height, notPictures: t.NotPictures}
		if t.Messages > 0 {
			first, last := t.First, t.Last
			bt.Start, bt.End = &first, &last
			if r.Start == nil || first.Before(*r.Start) {
				r.Start = &first
			}
			if r.End == nil || last.After(*r.End) {
				r.End = &last
			}
			if span := last.Sub(first); t.Messages > 1 && span > 0 {
				bt.Rate = float64(t.Messages-1) / span.Seconds()
			}
		}
		if t.Codec != media.CodecUnknown {
			bt.Codec = t.Codec.String()
			if t.Codec == media.Raw {
				bt.Format = t.Format.String()
			}
		}
		r.Messages += t.Messages
		r.Topics = append(r.Topics, bt)
	}
	if asJSON {
		err = writeJSON(w, r)
	} else {
		err = writeBagInfo(w, bags, r)
	}
	switch {
	case err != nil || !bagDamaged(r):
	case r.Messages == 0:
		err = fmt.Errorf("no message of %s could be read: it is damaged, as said above", src)
	case unreadPictures(r):
		err = fmt.Errorf("no picture of %s could be read: it is damaged, as said above", src)
	}
	return err
}

// bagDamaged reports whether reading the bag met damage: a file cut
// short, a chunk or record that could not be read.
func bagDamaged(r bagReport) bool {
	return len(r.Stopped) > 0 || len(r.ReadPast) > 0 || len(r.Truncated) > 0 || r.DamagedChunks > 0
}

// unreadPictures reports whether the bag has topics of pictures but none
// an import would make a stream of.
func unreadPictures(r bagReport) bool {
	return slices.ContainsFunc(r.Topics, func(t bagTopic) bool { return !t.notPictures }) &&
		!slices.ContainsFunc(r.Topics, func(t bagTopic) bool { return importMade(t) != "" })
}

// writeBagInfo writes a bag's description: the whole, then a line a topic,
// then what the files lost.
func writeBagInfo(w io.Writer, bags []string, r bagReport) error {
	names := make([]string, len(r.Files))
	for i, f := range r.Files {
		names[i] = filepath.Base(f)
	}
	fmt.Fprintf(w, "Files:     %s\nSize:      %s\n", strings.Join(names, ", "), formatBytes(r.Bytes))
	if r.Start != nil {
		fmt.Fprintf(w, "Start:     %s\nEnd:       %s\nDuration:  %s\n", startTime(*r.Start).Format(infoTime), r.End.Format(infoTime),
			r.End.Sub(*r.Start).Round(time.Millisecond))
	}
	fmt.Fprintf(w, "Messages:  %d in %s\n", r.Messages, plural(uint64(len(r.Topics)), "topic"))
	out := "robot"
	if len(bags) == 1 {
		out, _ = storage.SplitBagName(filepath.Base(filepath.Clean(bags[0])))
	}
	if slices.ContainsFunc(r.Topics, func(t bagTopic) bool { return importMade(t) != "" }) {
		fmt.Fprintf(w, "A bag: gopline import %s --out %s.gopline makes a recording of its pictures, a stream a topic as the import column says\n",
			shellLine(bags), out)
	} else if bagDamaged(r) && unreadPictures(r) {
		fmt.Fprintln(w, "A bag none of whose pictures could be read (below): gopline import would write nothing")
	} else {
		fmt.Fprintln(w, "A bag without pictures gopline takes: gopline import would write nothing")
	}
	if len(r.Topics) > 0 {
		if err := writeBagTopics(w, r.Topics); err != nil {
			return err
		}
	}
	for _, f := range r.Truncated {
		fmt.Fprintf(w, "%s was cut short before its footer or index (a recorder stopped by a kill or a power cut): read up to its cut\n", f)
	}
	if r.DamagedChunks > 0 {
		fmt.Fprintf(w, "%s damaged: their messages are lost\n", plural(uint64(r.DamagedChunks), "chunk"))
	}
	if r.Unchanneled > 0 {
		fmt.Fprintln(w, unchanneledLine(r.Unchanneled))
	}
	for _, s := range r.ReadPast {
		fmt.Fprintln(w, s)
	}
	for _, s := range r.Stopped {
		fmt.Fprintf(w, "%s: read what came before\n", s)
	}
	if r.Lost > 0 {
		fmt.Fprintln(w, lostLine(r.Lost))
	}
	for _, f := range r.Missing {
		fmt.Fprintf(w, "%s, which the bag's metadata.yaml lists, is not there: its messages are missing\n", f)
	}
	if len(r.Indexed) > 0 {
		names := make([]string, len(r.Indexed))
		for i, f := range r.Indexed {
			names[i] = filepath.Base(f)
		}
		fmt.Fprintf(w, "Counted from the index of %s, as ros2 bag info and rosbag info count: gopline import reads every message, "+
			"and says what is damaged\n", strings.Join(names, ", "))
	}
	return nil
}

// writeBagTopics writes a line a topic, then those an import leaves out.
func writeBagTopics(w io.Writer, topics []bagTopic) error {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "topic\ttype\tmessages\trate\timport\t")
	var left []string
	for _, t := range topics {
		rate := ""
		if t.Rate > 0 {
			rate = fmt.Sprintf("%.1f", t.Rate)
		}
		made := importMade(t)
		if made == "" {
			made = "left out"
			left = append(left, t.Topic+" ("+orText(t.Skipped, "no picture read")+")")
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t\n", t.Topic, t.Type, t.Messages, rate, made)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(left) > 0 {
		fmt.Fprintf(w, "Left out by an import: %s\n", strings.Join(left, ", "))
	}
	return nil
}

// importMade says what gopline import makes of a topic: the stream's
// codec, format and size, or "" when it leaves the topic out.
func importMade(t bagTopic) string {
	switch {
	case t.Skipped != "" || t.Codec == "":
		return ""
	case t.Transcoded != "":
		return "h264 (from " + t.Transcoded + ")"
	}
	s := t.Codec
	if t.Format != "" {
		s += " " + t.Format
	}
	if t.Width > 0 {
		s += fmt.Sprintf(" %dx%d", t.Width, t.Height)
	}
	return s
}
