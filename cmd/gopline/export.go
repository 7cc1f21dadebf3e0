package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
	"github.com/spf13/cobra"
)

// maxPictures bounds the pictures one png export writes, so that a small
// --every over a long recording is a usage error rather than a full disk.
const maxPictures = 10000

// exportFlags are the flags of `gopline export`.
type exportFlags struct {
	stream, format, out string
	start, end, at      string
	every               time.Duration
	allowDamage, quiet  bool
}

func exportCommand() *cobra.Command {
	f := &exportFlags{}
	cmd := &cobra.Command{
		Use:   "export RECORDING --out PATH [flags]",
		Short: "export a recording's streams as MP4, MCAP or PNG pictures",
		Long: "Exports a recording's streams: one as an MP4 file any player plays (H.264 streams), all of them\n" +
			"(or those --stream names, comma-separated) as one MCAP file Foxglove opens (H.264 and JPEG, a\n" +
			"channel each), or one as PNG pictures of the moments given by --at or --every.\n" +
			"Pictures go into the directory --out names (a path without an extension or ending in /, or a\n" +
			"directory that exists); a single --at time can go into the file --out names instead when it ends in\n" +
			".png. Any other --out (out.mp4, or a .png file for several times) is refused.\n" +
			"Times are durations from the recording's start (12.5s, 1m30s), RFC 3339 times, or times as gopline\n" +
			"info and export print them (2024-05-01 12:00:03.500 UTC). --end is exclusive, but a time as info\n" +
			"prints it, to the millisecond, takes in that whole millisecond: info's End: keeps the last packet.",
		Example: "  gopline export cam.gopline --stream /camera --out camera.mp4 --start 10s --end 1m\n" +
			"  gopline export robot.gopline --out robot.mcap\n" +
			"  gopline export robot.gopline --stream /front,/rear --out cameras.mcap\n" +
			"  gopline export cam.gopline --stream /camera --out pictures --at 2.5s,4s\n" +
			"  gopline export cam.gopline --stream /camera --out still.png --at 2.5s",
		Args:              exportArgs,
		ValidArgsFunction: completeRecordings,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.export(args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.stream, "stream", "", "stream to export (default: the recording's only stream); mcap: streams, comma-separated (default: all)")
	fs.StringVar(&f.format, "format", "", "mp4, mcap or png (default: from --out's extension, or png with --at or --every)")
	fs.StringVar(&f.out, "out", "", "output file; for png, the pictures' directory, or a .png file for one --at time")
	fs.StringVar(&f.start, "start", "", "export from this time: a duration from the recording's start (12.5s, 1m), an RFC 3339 time, or one as gopline info prints it")
	fs.StringVar(&f.end, "end", "", "export up to this time, exclusive; a time to the millisecond as gopline info prints it takes in that millisecond (same forms as --start)")
	fs.StringVar(&f.at, "at", "", "png: the pictures' times, comma-separated (same forms as --start)")
	fs.Var((*durationValue)(&f.every), "every", "png: a picture every this long from --start to --end")
	fs.BoolVar(&f.allowDamage, "allow-damage", false, "exit 0 even when damaged packets were skipped or times had no picture (they are still reported)")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar on a terminal (the summary stays)")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"mp4", "mcap", "png"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func exportArgs(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("want one recording file, got %d: gopline export cam.gopline --stream /camera --out camera.mp4", len(args))
	}
	return nil
}

func (f *exportFlags) export(file string, stdout, stderr io.Writer) error {
	// Ctrl-C (or SIGTERM) ends the export: an MP4 or MCAP export removes
	// its unfinished file, a PNG export keeps the whole pictures it wrote
	// and leaves no partial one.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	req := exportRequest{file: file, stream: f.stream, format: f.format, out: f.out, every: f.every, allowDamage: f.allowDamage}
	if err := req.check(f.start, f.end, f.at); err != nil {
		return err
	}
	rec, err := storage.Open(req.file, storage.WithReadOnly())
	if err != nil {
		return err
	}
	defer rec.Close()
	if err := req.resolve(rec, f.start, f.end, f.at); err != nil {
		return err
	}
	if req.format == "png" {
		return req.pictures(ctx, rec, newProgressBar(stderr, f.quiet, "exporting "+req.stream, "pictures"), stdout, stderr)
	}
	bar := newProgressBar(stderr, f.quiet, "exporting "+req.stream, "packets")
	var res export.Result
	if req.format == "mcap" {
		res, err = export.MCAPStreams(ctx, rec, req.streams, req.from, req.to, req.out, bar.update)
	} else {
		res, err = export.MP4(ctx, rec, req.stream, req.from, req.to, req.out, bar.update)
	}
	bar.clear()
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("interrupted: %s was not written (its unfinished file is removed; a file that was there stays)", req.out)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d frames of %s, %.1f s, %s%s\n", req.out, res.Frames, strings.Join(res.Streams, ", "),
		res.Duration.Seconds(), formatBytes(res.Bytes), skippedNote(res.Skipped, res.Damaged))
	req.noteChanges(res, stderr)
	if len(res.Reordered) > 0 {
		fmt.Fprintf(stderr, "note: %s has B-frames (pictures out of decode order), which Foxglove's CompressedVideo does not play; "+
			"decode and re-encode it (videosrc ... ! h264enc, which makes none) for Foxglove\n", strings.Join(res.Reordered, ", "))
	}
	if res.Skipped > 0 && !f.allowDamage {
		return fmt.Errorf("%s: %d packets skipped, %d of them damaged records (--allow-damage accepts it)", req.file, res.Skipped, res.Damaged)
	}
	return nil
}

// noteChanges says on stderr that an MP4's stream changes its H.264
// parameter sets, and where its picture size changes, exactly, as --start
// and --end take times: each size can then be exported on its own for a
// player that keeps to the first keyframe's.
func (r *exportRequest) noteChanges(res export.Result, stderr io.Writer) {
	if !res.ParameterSetsChange {
		return
	}
	fmt.Fprintf(stderr, "note: %s changes its H.264 parameter sets (SPS, PPS) within the range: "+
		"the MP4 track is avc3, each keyframe carrying its own\n", r.stream)
	for _, c := range res.SizeChanges {
		fmt.Fprintf(stderr, "note: %s is %dx%d from %v from the recording's start (%s)\n",
			r.stream, c.Width, c.Height, c.At.Sub(r.base), c.At.UTC().Format(time.RFC3339Nano))
	}
}

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
	if r.format == "" {
		switch {
		case at != "" || r.every != 0:
			r.format = "png"
		case strings.EqualFold(filepath.Ext(r.out), ".mp4"):
			r.format = "mp4"
		case strings.EqualFold(filepath.Ext(r.out), ".mcap"):
			r.format = "mcap"
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
// capture times of the recording.
func (r *exportRequest) resolve(rec *storage.Recording, start, end, at string) error {
	if err := r.pickStreams(rec); err != nil {
		return err
	}
	stats, err := rec.RecordingStats()
	if err != nil {
		return err
	}
	if stats.Packets == 0 {
		return fmt.Errorf("%s holds no packets", r.file)
	}
	base := stats.First
	r.base = base
	if r.from, err = parseExportTime("--start", start, base); err != nil {
		return err
	}
	if r.to, err = parseEndTime(end, base); err != nil {
		return err
	}
	if !r.from.IsZero() && !r.to.IsZero() && !r.to.After(r.from) {
		return fmt.Errorf("%w: --end %s is not after --start %s", errUsage, end, start)
	}
	first, last, err := r.span(rec)
	if err != nil {
		return err
	}
	outside := func(flagName, s string) error { return r.outside(flagName, s, base, first, last) }
	switch {
	case r.from.After(last):
		return outside("--start", start)
	case !r.to.IsZero() && !r.to.After(first):
		return outside("--end", end)
	}
	if r.format != "png" {
		return nil
	}
	if at == "" {
		return r.everyTimes(base, first, last)
	}
	return r.atTimes(at, base, first, last)
}

// outside is the usage error for a time given by flagName, text s, that
// falls outside the streams' span from first to last.
func (r *exportRequest) outside(flagName, s string, base, first, last time.Time) error {
	verb := "spans"
	if len(r.streams) > 1 {
		verb = "span"
	}
	return fmt.Errorf("%w: %s %s is outside %s, which %s %s", errUsage, flagName, s, export.StreamNames(r.streams), verb, describeSpan(base, first, last))
}

// atTimes takes the pictures' times of --at, a comma-separated list, each
// within first to last; a time given twice is one picture.
func (r *exportRequest) atTimes(at string, base, first, last time.Time) error {
	seen := map[int64]bool{}
	for _, s := range strings.Split(at, ",") {
		s = strings.TrimSpace(s)
		t, err := parseExportTime("--at", s, base)
		if err != nil {
			return err
		}
		if t.IsZero() {
			return fmt.Errorf("%w: --at %q: an empty time", errUsage, at)
		}
		if t.Before(first) || t.After(last) {
			return r.outside("--at", s, base, first, last)
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

// pickStreams picks the streams to export: --stream's, or the recording's
// only stream; an MCAP file takes several (--stream /a,/b), and every
// stream when --stream is not given, as a bag holds every topic.
func (r *exportRequest) pickStreams(rec *storage.Recording) error {
	infos, err := rec.Streams()
	if err != nil {
		return err
	}
	var names []string
	for _, info := range infos {
		names = append(names, info.Name)
	}
	switch {
	case len(infos) == 0:
		return fmt.Errorf("%s holds no streams", r.file)
	case r.stream == "" && (len(infos) == 1 || r.format == "mcap"):
		r.streams = names
	case r.stream == "":
		return fmt.Errorf("%w: --stream is required: %s has streams %s (an MCAP file takes them all)", errUsage, r.file, strings.Join(names, ", "))
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
// streams to export.
func (r *exportRequest) span(rec *storage.Recording) (first, last time.Time, err error) {
	for i, s := range r.streams {
		f, err := rec.First(s)
		if err != nil {
			return first, last, err
		}
		l, err := rec.Last(s)
		if err != nil {
			return first, last, err
		}
		if i == 0 || f.Before(first) {
			first = f
		}
		if i == 0 || l.After(last) {
			last = l
		}
	}
	return first, last, nil
}

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

// describeSpan says when a stream spans, from first to last, in whole
// milliseconds from the recording's start (base) and as times of day:
// rounded inward, so that each time it shows is within the stream.
func describeSpan(base, first, last time.Time) string {
	return describeSpanFrom(base, "the recording's start", first, last)
}

// describeSpanFrom is describeSpan from base, which origin names.
func describeSpanFrom(base time.Time, origin string, first, last time.Time) string {
	const ms = time.Millisecond
	from := first.Add(ms - 1) // times print truncated: this rounds up
	return fmt.Sprintf("%v to %v from %s (%s to %s)",
		from.Sub(base).Truncate(ms), last.Sub(base).Truncate(ms), origin, from.Format(infoTime), last.Format(infoTime))
}

// pictures writes the PNG pictures one at a time, so that the bar moves.
// Times that fall in the same millisecond share a file, which is counted
// once.
func (r *exportRequest) pictures(ctx context.Context, rec *storage.Recording, bar *progressBar, stdout, stderr io.Writer) error {
	_, statErr := os.Stat(r.out)
	made := !r.pictureFile && errors.Is(statErr, os.ErrNotExist) // the directory is export's to remove
	var paths []string
	written := map[string]bool{}
	var missing []error
	for i, t := range r.times {
		var p []string
		var err error
		if r.pictureFile {
			if err = export.PNGFile(ctx, rec, r.stream, t, r.out); err == nil {
				p = []string{r.out}
			}
		} else {
			p, err = export.PNG(ctx, rec, r.stream, []time.Time{t}, r.out)
		}
		for _, path := range p {
			if !written[path] {
				written[path] = true
				paths = append(paths, path)
			}
		}
		switch {
		case errors.Is(err, export.ErrNoPicture):
			missing = append(missing, err) // the others are still written
		case err != nil && ctx.Err() != nil:
			bar.clear()
			return r.interrupted(len(paths), made)
		case err != nil:
			bar.clear()
			return err
		}
		bar.update(i+1, len(r.times))
	}
	bar.clear()
	for _, err := range missing {
		fmt.Fprintf(stderr, "gopline export: %v\n", err)
	}
	switch {
	case len(paths) == 1 && len(missing) == 0:
		fmt.Fprintf(stdout, "wrote %s\n", paths[0])
	default:
		fmt.Fprintf(stdout, "wrote %d pictures of %s to %s%s\n", len(paths), r.stream, r.out, missingNote(len(missing), len(r.times)))
	}
	if len(missing) > 0 && !r.allowDamage {
		return fmt.Errorf("%d of %d times have no picture: the packets leading to them are damaged (--allow-damage accepts it)", len(missing), len(r.times))
	}
	return nil
}

// interrupted is the error of a PNG export that Ctrl-C ended after it
// wrote n pictures, each whole: a picture being written when it came was
// finished or removed. A directory export made and left empty is removed.
func (r *exportRequest) interrupted(n int, made bool) error {
	if r.pictureFile {
		return fmt.Errorf("interrupted: %s was not written", r.out)
	}
	if n == 0 && made {
		_ = os.Remove(r.out) // only when empty
	}
	return fmt.Errorf("interrupted: %d of %d pictures of %s written to %s, each whole; no partial picture is left", n, len(r.times), r.stream, r.out)
}

func missingNote(missing, times int) string {
	if missing == 0 {
		return ""
	}
	return fmt.Sprintf("; %d of %d times have no picture (damaged packets)", missing, times)
}

// parseExportTime parses a time of the command line: a duration from base
// (12.5s, 1m; a bare number is seconds), an RFC 3339 time, or a time as
// gopline info and export's messages print it (2024-05-01 12:00:03.500 UTC,
// in UTC or the local zone). An empty string gives the zero time.
func parseExportTime(flagName, s string, base time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if secs, ferr := strconv.ParseFloat(s, 64); ferr == nil && secs > -1e9 && secs < 1e9 {
			d, err = time.Duration(secs*float64(time.Second)), nil
		}
	}
	if err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%w: %s %q: a duration from the recording's start cannot be negative", errUsage, flagName, s)
		}
		return base.Add(d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	// The fraction of a second is optional: Parse takes one after the
	// seconds. A zone abbreviation other than UTC's and the local zone's
	// would be taken as UTC: it is refused instead.
	if t, err := time.ParseInLocation(time.DateTime+" MST", s, time.Local); err == nil {
		if t.Location() != time.Local && t.Location() != time.UTC {
			name, _ := t.Zone()
			return time.Time{}, fmt.Errorf("%w: %s %q: the zone %s is not UTC or this machine's: give an RFC 3339 time (2024-05-01T12:00:00+02:00)", errUsage, flagName, s, name)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%w: %s %q: want a duration from the recording's start (12.5s, 1m30s) or a time (2024-05-01T12:00:00Z, or as gopline info prints it)", errUsage, flagName, s)
}

// parseEndTime parses --end as parseExportTime does, except that a time
// of day to the millisecond as gopline info prints it (2024-05-01
// 12:00:02.966 UTC) takes in that whole millisecond: info prints a
// recording's End: cut to the millisecond, and pasted into --end, which is
// exclusive, it then keeps the last packet. A duration or an RFC 3339 time
// is the instant it names.
func parseEndTime(s string, base time.Time) (time.Time, error) {
	t, err := parseExportTime("--end", s, base)
	if err != nil {
		return t, err
	}
	if _, perr := time.ParseInLocation(infoTime, s, time.Local); perr == nil {
		t = t.Add(time.Millisecond)
	}
	return t, nil
}

func formatBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}

func skippedNote(skipped, damaged int) string {
	if skipped == 0 {
		return ""
	}
	return fmt.Sprintf("; %d packets skipped (%d damaged records and the deltas after them)", skipped, damaged)
}
