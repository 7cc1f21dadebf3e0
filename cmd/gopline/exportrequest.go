package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// exportRequest is an export's command line, checked and then resolved
// against the recording.
type exportRequest struct {
	file, stream, format, out string
	streams                   []string // what --stream names, or every stream of an MCAP export
	every                     time.Duration
	allowDamage               bool
	base                      time.Time   // the recording's start, which the times count from
	from, to                  time.Time   // mp4 and mcap: zero for the stream's start and end
	times                     []time.Time // png, each time once
	pictureFile               bool        // png: out is the one picture's file, not a directory
}

// check validates what can be checked without the recording.
func (r *exportRequest) check(start, end, at string) error {
	if r.out == "" {
		return fmt.Errorf("%w: --out is required: the output file, or the pictures' directory for png", errUsage)
	}
	if r.out == "-" {
		return fmt.Errorf("%w: --out -: export writes files, not standard output (an MP4's index and an MCAP file's summary "+
			"are written once its packets are): give a file's path, as --out cam.mp4", errUsage)
	}
	if err := checkTimeForms(start, end, at); err != nil {
		return err
	}
	if r.format == "" {
		switch {
		case at != "" || r.every != 0:
			r.format = "png"
		case strings.EqualFold(filepath.Ext(r.out), ".mp4"):
			r.format = "mp4"
		case strings.EqualFold(filepath.Ext(r.out), ".mcap"):
			r.format = "mcap"
		case otherContainer(r.out) != "":
			return fmt.Errorf("%w: --out %s: export writes MP4, MCAP or PNG pictures, not %s: give --out %s (ffmpeg -i %s -c copy %s remuxes it)",
				errUsage, r.out, otherContainer(r.out), strings.TrimSuffix(r.out, filepath.Ext(r.out))+".mp4",
				strings.TrimSuffix(r.out, filepath.Ext(r.out))+".mp4", r.out)
		default:
			return fmt.Errorf("%w: --format is required (mp4, mcap or png) when --out does not end in .mp4 or .mcap", errUsage)
		}
	}
	r.format = strings.ToLower(r.format)
	switch r.format {
	case "mp4", "mcap":
		if at != "" || r.every != 0 {
			return fmt.Errorf("%w: --at and --every are for --format png", errUsage)
		}
	case "png":
		switch {
		case (at == "") == (r.every == 0):
			return fmt.Errorf("%w: --format png takes either --at TIME,TIME,... or --every DURATION", errUsage)
		case r.every < 0:
			return fmt.Errorf("%w: --every %v: want a positive duration", errUsage, r.every)
		case at != "" && (start != "" || end != ""):
			return fmt.Errorf("%w: --start and --end bound --every; --at gives the times themselves", errUsage)
		}
		return r.checkPictureOut()
	default:
		return fmt.Errorf("%w: --format %q: want mp4, mcap or png", errUsage, r.format)
	}
	return nil
}

// checkPictureOut decides what --out is for pictures: a directory when it
// ends in a separator, has no extension or is an existing directory, and
// otherwise a .png file, which holds the picture of a single --at time. Any
// other extension is refused: it names a file no picture goes into.
func (r *exportRequest) checkPictureOut() error {
	ext := filepath.Ext(r.out)
	if ext == "" || os.IsPathSeparator(r.out[len(r.out)-1]) {
		return nil
	}
	if fi, err := os.Stat(r.out); err == nil && fi.IsDir() {
		return nil
	}
	flagName := "--at"
	if r.every != 0 {
		flagName = "--every"
	}
	switch {
	case !strings.EqualFold(ext, ".png"):
		return fmt.Errorf("%w: --out %s: %s writes PNG pictures: give a .png file for one --at time, or a directory", errUsage, r.out, flagName)
	case r.every != 0:
		return fmt.Errorf("%w: --out %s is one picture's file, and --every writes several: give a directory", errUsage, r.out)
	}
	r.pictureFile = true
	return nil
}

// resolve picks the stream and turns the times of the command line into
// capture times of the recording: recs, one file or the files of one
// recording, whose start is their earliest packet.
func (r *exportRequest) resolve(recs []*storage.Recording, start, end, at string) error {
	if err := r.pickStreams(recs); err != nil {
		return err
	}
	var base time.Time
	for _, rec := range recs {
		stats, err := rec.RecordingStats()
		if err != nil {
			return err
		}
		if stats.Packets > 0 && (base.IsZero() || stats.First.Before(base)) {
			base = stats.First
		}
	}
	if base.IsZero() {
		return fmt.Errorf("%s holds no packets", r.file)
	}
	r.base = base
	first, last, err := r.span(recs)
	if err != nil {
		return err
	}
	rng, err := parseTimeRange(start, end, base, last)
	if err != nil {
		return err
	}
	r.from, r.to = rng.from, rng.to
	if !rng.holds(first, last) {
		return rng.outside(r.streams, first, last)
	}
	if r.format != "png" {
		return nil
	}
	if at == "" {
		return r.everyTimes(base, first, last)
	}
	return r.atTimes(at, base, first, last)
}

// atTimes takes the pictures' times of --at, a comma-separated list, each
// within first to last; a time given twice is one picture.
func (r *exportRequest) atTimes(at string, base, first, last time.Time) error {
	seen := map[int64]bool{}
	for _, s := range strings.Split(at, ",") {
		s = strings.TrimSpace(s)
		t, err := parseExportTime("--at", s, base, last)
		if err != nil {
			return err
		}
		if t.IsZero() {
			return fmt.Errorf("%w: --at %q: an empty time", errUsage, at)
		}
		if t.Before(first) || t.After(last) {
			return outsideError("--at", s, r.streams, base, first, last)
		}
		if !seen[t.UnixNano()] {
			seen[t.UnixNano()] = true
			r.times = append(r.times, t)
		}
	}
	if r.pictureFile && len(r.times) > 1 {
		return fmt.Errorf("%w: --out %s is one picture's file, and --at gives %d times: give a directory", errUsage, r.out, len(r.times))
	}
	return nil
}

// streamRequired is the error of an export of one stream given none, of
// file, which has streams names.
func streamRequired(file string, names []string) error {
	return usagef("--stream is required: %s has streams %s (an MCAP file takes them all)", file, strings.Join(names, ", "))
}

// pickStreams picks the streams to export: --stream's, or the recording's
// only stream; an MCAP file takes several (--stream /a,/b), and every
// stream when --stream is not given, as a bag holds every topic.
func (r *exportRequest) pickStreams(recs []*storage.Recording) error {
	var names []string
	for _, rec := range recs {
		infos, err := rec.Streams()
		if err != nil {
			return err
		}
		for _, info := range infos {
			if !slices.Contains(names, info.Name) {
				names = append(names, info.Name)
			}
		}
	}
	switch {
	case len(names) == 0:
		return fmt.Errorf("%s holds no streams", r.file)
	case r.stream == "" && (len(names) == 1 || r.format == "mcap"):
		r.streams = names
	case r.stream == "":
		return streamRequired(r.file, names)
	default:
		for _, s := range strings.Split(r.stream, ",") {
			s = strings.TrimSpace(s)
			if !slices.Contains(names, s) {
				return unknownStream(r.file, s, names)
			}
			if !slices.Contains(r.streams, s) {
				r.streams = append(r.streams, s)
			}
		}
	}
	if len(r.streams) > 1 && r.format != "mcap" {
		return fmt.Errorf("%w: --stream %s: %s takes one stream; an MCAP file takes several", errUsage, r.stream, r.format)
	}
	r.stream = strings.Join(r.streams, ", ")
	return nil
}

// span returns the capture times of the first and last packets of the
// streams to export, over the files that hold them.
func (r *exportRequest) span(recs []*storage.Recording) (first, last time.Time, err error) {
	for _, s := range r.streams {
		for _, rec := range recs {
			f, l, err := streamEdges(rec, s)
			if errors.Is(err, storage.ErrNoStream) && len(recs) > 1 {
				continue // in the other files
			}
			if err != nil {
				return first, last, err
			}
			if first.IsZero() || f.Before(first) {
				first = f
			}
			if last.IsZero() || l.After(last) {
				last = l
			}
		}
	}
	return first, last, nil
}

// streamEdges are the capture times of the first and last packets of
// stream in rec.
func streamEdges(rec *storage.Recording, stream string) (first, last time.Time, err error) {
	if first, err = rec.First(stream); err != nil {
		return first, last, err
	}
	last, err = rec.Last(stream)
	return first, last, err
}

// picturePaths are the files a PNG export into the directory r.out
// writes, one for each of r.times, as export.PNG names them.
func (r *exportRequest) picturePaths() []string {
	paths := make([]string, len(r.times))
	for i, t := range r.times {
		paths[i] = filepath.Join(r.out, export.PNGName(r.stream, t.Sub(r.base)))
	}
	return paths
}

// maxPictures bounds the pictures one png export writes, so that a small
// --every over a long recording is a usage error rather than a full disk.
const maxPictures = 10000

// everyTimes lists the times of --every within the stream, [first, last],
// and [--start, --end). base is the recording's start.
func (r *exportRequest) everyTimes(base, first, last time.Time) error {
	from := r.from
	if from.IsZero() {
		from = first
	}
	for t := from; !t.After(last) && (r.to.IsZero() || t.Before(r.to)); t = t.Add(r.every) {
		if t.Before(first) {
			continue
		}
		if len(r.times) == maxPictures {
			return fmt.Errorf("%w: --every %v makes more than %d pictures; choose a longer interval or a shorter range", errUsage, r.every, maxPictures)
		}
		r.times = append(r.times, t)
	}
	if len(r.times) == 0 {
		return fmt.Errorf("%w: no time of --every %v falls within stream %q, which spans %s", errUsage, r.every, r.stream, describeSpan(base, first, last))
	}
	return nil
}

// otherContainer names the video container that out's extension asks for,
// one export does not write ("MKV" for cam.mkv), or "".
func otherContainer(out string) string {
	switch ext := strings.ToLower(filepath.Ext(out)); ext {
	case ".mkv", ".webm", ".ts", ".m2ts", ".avi", ".mov", ".flv", ".h264", ".264":
		return strings.ToUpper(strings.TrimPrefix(ext, "."))
	}
	return ""
}
