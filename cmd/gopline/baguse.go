package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/mcapimport"
)

// importToUse imports the bags given to play (as ros2 bag play takes
// them) or export (a bag's camera to an MP4) into a recording in a
// temporary directory, which cleanup removes, and returns its files: the
// command (verb: "play", "export") then takes it as any recording. topics,
// when given, are the only ones imported. What it made is said on warn,
// with the import that keeps one, unless silent; what the import left
// out, repaired or found damaged is warned of as gopline import says it,
// silent or not. quiet leaves out the progress bar.
func importToUse(verb string, bags, topics []string, warn io.Writer, quiet, silent bool) (files []string, cleanup func(), err error) {
	cleanup = func() {}
	src := strings.Join(bags, ", ")
	dir, err := os.MkdirTemp("", "gopline-"+verb+"-")
	if err != nil {
		return nil, cleanup, fmt.Errorf("a temporary directory to import %s into: %w", src, err)
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	stem := "bag"
	if len(bags) == 1 {
		stem, _ = storage.SplitBagName(filepath.Base(filepath.Clean(bags[0])))
	}
	dst := filepath.Join(dir, stem+".gopline")
	ctx, stop := stopContext(0)
	defer stop()
	bar := newProgressBar(warn, quiet, "importing "+src+" to "+verb, "MB")
	res, err := mcapimport.ImportFiles(ctx, bags, dst, mcapimport.Options{Topics: topics, Transcode: transcoder, Progress: func(done, total int64) {
		bar.update(int(done>>20), int(max(total>>20, 1)))
	}})
	bar.clear()
	keep := "gopline import " + shellLine(bags) + " --out " + stem + ".gopline"
	switch {
	case ctx.Err() != nil && err != nil:
		return nil, cleanup, fmt.Errorf("interrupted while importing %s to %s it", src, verb)
	case errors.Is(err, mcapimport.ErrNoTopic):
		return nil, cleanup, fmt.Errorf("%w in %s (its topics: %s)", err, src, topicList(res, false))
	case errors.Is(err, mcapimport.ErrNoPictures):
		what, why := noPictures(src, res)
		return nil, cleanup, fmt.Errorf("%s: nothing to %s (its topics: %s)%s", what, verb, topicList(res, true), why)
	case errors.Is(err, syscall.ENOSPC):
		return nil, cleanup, fmt.Errorf("no room in %s for the recording %s imports %s into (%w): "+
			"%s somewhere with room, then %s that (or set TMPDIR)", os.TempDir(), verb, src, err, keep, verb)
	case err != nil:
		return nil, cleanup, err
	}
	if !silent {
		var streams []string
		for _, t := range res.Topics {
			if t.Stream != "" {
				streams = append(streams, t.Stream)
			}
		}
		fmt.Fprintf(warn, "note: %s is a bag: its pictures (%s of %s) were imported into a temporary recording to %s, "+
			"removed at the end (%s keeps one)\n", src, plural(uint64(res.Packets()), "packet"), strings.Join(streams, ", "), verb, keep)
		for _, t := range res.Topics {
			if note := clockNote(t.Stream, t.ClockOffset, "gopline import --time stamp"); t.LogTimed && note != "" {
				fmt.Fprintln(warn, "note: "+note)
			}
		}
	}
	for _, line := range reportOf(src, dst, res).warnings() {
		fmt.Fprintln(warn, "warning: "+line)
	}
	return res.Files, cleanup, nil
}

// checkBagTopics checks, from what lists the bags' topics when each has
// it (an MCAP summary, a ROS 1 index, a SQLite table of topics:
// mcapimport.Topics, which reads nothing else), what an import would find
// out only once it had read them through: that each topic asked for is
// in them, and, for a command that takes one stream (oneStream), that it
// is given one when they hold several topics of pictures. Bags without
// such a list are left to the import.
func checkBagTopics(bags, topics []string, oneStream bool) error {
	res, err := mcapimport.Topics(context.Background(), bags)
	if err != nil {
		return nil
	}
	var all, pictures []string
	for _, t := range res.Topics {
		all = append(all, t.Topic)
		if t.Skipped == "" {
			pictures = append(pictures, t.Topic)
		}
	}
	src := strings.Join(bags, ", ")
	for _, want := range topics {
		if !slices.Contains(all, want) {
			return unknownStream(src, want, pictures)
		}
	}
	if oneStream && len(topics) == 0 && len(pictures) > 1 {
		return streamRequired(src, pictures)
	}
	return nil
}

// noPictures says why an import of src made no recording: what (src holds
// no pictures gopline takes, or none of them could be read) and why (the
// damage and missing files res names, each after "; ").
func noPictures(src string, res mcapimport.Result) (what, why string) {
	for _, s := range append(res.ReadPast, res.Stopped...) {
		why += "; " + s
	}
	for _, f := range res.Truncated {
		why += "; " + f + " was cut short before its footer or index"
	}
	if res.DamagedChunks > 0 {
		why += fmt.Sprintf("; %s damaged: their messages are lost", plural(uint64(res.DamagedChunks), "chunk"))
	}
	for _, f := range res.Missing {
		why += "; " + f + ", which its metadata.yaml lists, is not there"
	}
	if why != "" && slices.ContainsFunc(res.Topics, func(t mcapimport.Topic) bool { return !t.NotPictures }) {
		return "no picture of " + src + " could be read", why
	}
	return src + " holds no pictures gopline takes", why
}
