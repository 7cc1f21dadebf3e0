package main

import (
	"fmt"
	"strings"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage/mcapimport"
)

// reportOf is what an import of src into dst made of a bag, as `gopline
// import --json` gives it; play and export of a bag say the same of it.
func reportOf(src, dst string, res mcapimport.Result) importReport {
	report := importReport{From: src, To: dst, Files: res.Files, Truncated: append([]string{}, res.Truncated...), DamagedChunks: res.DamagedChunks,
		Stopped: res.Stopped, ReadPast: res.ReadPast, Lost: res.Lost, Missing: res.Missing, Unchanneled: res.Unchanneled}
	for _, t := range res.Topics {
		it := importedTopic{Topic: t.Topic, Schema: t.Schema, Skipped: t.Skipped, Stream: t.Stream, Messages: t.Messages, Packets: t.Packets,
			BeforeKeyframe: t.BeforeKeyframe, Damaged: t.Damaged, DamageWhy: t.DamageWhy, OtherFormat: t.OtherFormat, Dropped: t.Dropped,
			Retimed: t.Retimed, OutOfLine: t.OutOfLine, LogTimed: t.LogTimed, ClockOffset: t.ClockOffset, Transcoded: t.Transcoded,
			NoParameterSets: t.NoParameterSets, FrameID: t.FrameID, FrameIDChanged: t.FrameIDChanged, OtherFrameID: t.OtherFrameID}
		if t.Stream != "" {
			it.Codec, it.Width, it.Height, it.Start, it.End, it.Span = t.Codec.String(), t.Width, t.Height, &t.First, &t.Last, t.Last.Sub(t.First)
			it.Sizes, it.Files = t.Sizes, t.Files
			if t.Codec == media.Raw {
				it.Format = t.Format.String()
			}
		}
		report.Topics = append(report.Topics, it)
	}
	return report
}

// notStored says which of a topic's messages were not stored, and why,
// then which were stored at another time than their own: import's "Left
// out" column.
func notStored(t importedTopic) string {
	text := messagesLeftOut(t)
	if text == "" {
		text = "none"
	}
	for _, r := range retimed(t) {
		text += "; " + r
	}
	return text
}

// messagesLeftOut says which of a topic's messages were not stored, and
// why; "" when all were.
func messagesLeftOut(t importedTopic) string {
	damaged := ""
	if t.DamageWhy != "" {
		damaged = " (the first: " + t.DamageWhy + ")"
	}
	var why []string
	for _, c := range []struct {
		n    int64
		what string
	}{
		{t.NoParameterSets, "keyframes without their SPS and PPS (sent before the bag began?)"},
		{t.BeforeKeyframe, "before the first keyframe"},
		{t.Damaged, "damaged" + damaged},
		{t.OtherFormat, "of another format"},
		{t.Dropped, "after one left out, to the next keyframe"},
	} {
		if c.n > 0 {
			why = append(why, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	return strings.Join(why, ", ")
}

// retimed says which of a topic's pictures were stored at another time
// than their stamps.
func retimed(t importedTopic) []string {
	var r []string
	if t.OutOfLine > 0 {
		r = append(r, fmt.Sprintf("%s far out of line with the others (a clock's glitch?), each stored at its log time less the latency its neighbours' stamps show",
			plural(uint64(t.OutOfLine), "stamp")))
	}
	if t.Retimed > 0 {
		r = append(r, fmt.Sprintf("%d not after the one before, stored 1 µs after it", t.Retimed))
	}
	return r
}

// frameIDNotes say, of each stream whose pictures' frame_id changed, that
// it keeps the first.
func (r importReport) frameIDNotes() []string {
	var notes []string
	for _, t := range r.Topics {
		if t.Stream != "" && t.FrameIDChanged > 0 {
			notes = append(notes, fmt.Sprintf("%s changes its frame_id: %s of %q, not %q, its first picture's, which the stream keeps "+
				"(an MCAP export writes it on every picture)", t.Stream, plural(uint64(t.FrameIDChanged), "picture"), t.OtherFrameID, t.FrameID))
		}
	}
	return notes
}

// damage says what the import found wrong with the bag's files: cut
// short, damaged chunks, messages without a channel, damage read past or
// stopped at, files missing.
func (r importReport) damage() []string {
	var lines []string
	for _, f := range r.Truncated {
		lines = append(lines, fmt.Sprintf("%s was cut short before its footer or index (a recorder stopped by a kill or a power cut): imported up to its cut", f))
	}
	if r.DamagedChunks > 0 {
		lines = append(lines, fmt.Sprintf("%s of %s damaged: their messages are lost", plural(uint64(r.DamagedChunks), "chunk"), r.From))
	}
	if r.Unchanneled > 0 {
		lines = append(lines, unchanneledLine(r.Unchanneled))
	}
	lines = append(lines, r.ReadPast...)
	for _, s := range r.Stopped {
		lines = append(lines, s+": imported what came before")
	}
	if r.Lost > 0 {
		lines = append(lines, lostLine(r.Lost))
	}
	for _, f := range r.Missing {
		lines = append(lines, f+", which the bag's metadata.yaml lists, is not there: its messages are missing (a bag copied in part?)")
	}
	return lines
}

// lostLine says that the statistics of files read past damage count n
// messages more than were read.
func lostLine(n int64) string {
	return fmt.Sprintf("the damaged files' statistics count %s more than were read: lost with the damage", plural(uint64(n), "message"))
}

// warnings are what play and export of a bag say of its import, as
// import says it: per stream, what was left out and what was stored at
// another time than its stamp; the topics of pictures none of which
// could be stored; frame_ids that changed; the damage to the files.
func (r importReport) warnings() []string {
	var lines []string
	for _, t := range r.Topics {
		switch {
		case t.Stream != "":
			var what []string
			if left := messagesLeftOut(t); left != "" {
				what = append(what, "left out "+left)
			}
			what = append(what, retimed(t)...)
			if len(what) > 0 {
				lines = append(lines, t.Stream+": "+strings.Join(what, "; "))
			}
		case t.Skipped == "" && messagesLeftOut(t) != "":
			lines = append(lines, fmt.Sprintf("%s (%s): no picture stored: %s", t.Topic, t.Schema, messagesLeftOut(t)))
		}
	}
	lines = append(lines, r.frameIDNotes()...)
	return append(lines, r.damage()...)
}
