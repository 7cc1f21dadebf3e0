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
	"time"

	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
	"github.com/spf13/cobra"
)

// exportFlags are the flags of `gopline export`.
type exportFlags struct {
	stream, format, out string
	start, end, at      string
	every               time.Duration
	allowDamage, quiet  bool
	overwrite           bool
	// source names what is exported when it is not the files: a bag,
	// imported into a temporary recording.
	source string
}

func exportCommand() *cobra.Command {
	f := &exportFlags{}
	cmd := &cobra.Command{
		Use:   "export RECORDING...|BAG... --out PATH [flags]",
		Short: "export a recording's streams as MP4, MCAP or PNG pictures",
		Long: "Exports a recording's streams: one as an MP4 file any player plays (H.264 streams), all of them\n" +
			"(or those --stream names, comma-separated) as one MCAP file Foxglove opens (H.264, JPEG and raw\n" +
			"pictures, a channel each), or one as PNG pictures of the moments given by --at or --every.\n" +
			"Every format takes the files of one recording as one (robot_*.gopline, or cam.gopline and the\n" +
			"cam_1.gopline it went on in where the camera changed its size), in the order of their numbers, with\n" +
			"times counted from the earliest packet of them all; a directory, the one recording it holds (one of\n" +
			"several is refused, naming them).\n" +
			"Pictures go into the directory --out names (a path without an extension or ending in /, or a\n" +
			"directory that exists); a single --at time can go into the file --out names instead when it ends in\n" +
			".png. Any other --out (out.mp4, or a .png file for several times) is refused.\n" +
			"Times are durations from the recording's start (12.5s, 1m30s), RFC 3339 times, or times as gopline\n" +
			"info and export print them (2024-05-01 12:00:03.500 UTC). --end is exclusive, but a time as info\n" +
			"prints it, to the millisecond, takes in that whole millisecond: info's End: pasted into --end\n" +
			"keeps the last packet. info prints a start rounded up to the millisecond: a later file's Start:\n" +
			"pasted into --start begins at that file's first keyframe.\n" +
			"A file at --out, or a picture of a name it writes, is written over only with --overwrite (-y, as\n" +
			"ffmpeg's); a recording the export reads never is, by any name.\n" +
			"On a terminal a progress bar shows how far it came (--quiet: none); an MP4 export first scans the\n" +
			"range's keyframes, with a bar of its own, and then writes.\n" +
			"A ROS bag (a rosbag2 directory, an .mcap, .db3 or ROS 1 .bag file) is imported first into a temporary\n" +
			"recording (as gopline import makes one, only its --stream topics; in $TMPDIR, removed at the end),\n" +
			"which is then exported: a bag's camera becomes an MP4 in one command.",
		Example: "  gopline export cam.gopline --stream /camera --out camera.mp4 --start 10s --end 1m\n" +
			"  gopline export robot.gopline --out robot.mcap\n" +
			"  gopline export robot.gopline --stream /front,/rear --out cameras.mcap\n" +
			"  gopline export cam.gopline --stream /camera --out pictures --at 2.5s,4s\n" +
			"  gopline export cam.gopline --stream /camera --out still.png --at 2.5s\n" +
			"  gopline export cam.gopline cam_1.gopline --stream /camera --out camera.mp4\n" +
			"  gopline export robot_*.gopline --out robot.mcap\n" +
			"  gopline export cam.gopline --stream /camera --out camera.mp4 -y   # write over camera.mp4\n" +
			"  gopline export robot_bag --stream /camera/image_raw/ffmpeg --out camera.mp4   # a ROS 2 bag's camera",
		Args:              exportArgs,
		ValidArgsFunction: completeRecordingsOrBags,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Ctrl-C (or SIGTERM) ends the export: an MP4 or MCAP export
			// removes its unfinished file, a PNG export keeps the whole
			// pictures it wrote and leaves no partial one.
			if areBags(args) {
				f.source = strings.Join(args, ", ")
				req := f.request(args)
				if err := req.check(f.start, f.end, f.at); err != nil {
					return err
				}
				var topics []string
				if f.stream != "" {
					for _, t := range strings.Split(f.stream, ",") {
						topics = append(topics, strings.TrimSpace(t))
					}
				}
				if err := checkBagTopics(args, topics, req.format != "mcap"); err != nil {
					return err
				}
				files, cleanup, err := importToUse("export", args, topics, cmd.ErrOrStderr(), f.quiet, false)
				defer cleanup()
				if err != nil {
					return err
				}
				ctx, stop := stopContext(0)
				defer stop()
				return f.export(ctx, files, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			files, err := recordingFiles("export", args)
			if err != nil {
				return err
			}
			noteLaterFiles(cmd.ErrOrStderr(), "export", args)
			if err := checkKinds("export", files); err != nil {
				return err
			}
			if files, err = leaveOutEmpty(files, cmd.ErrOrStderr()); err != nil {
				return err
			}
			ctx, stop := stopContext(0)
			defer stop()
			return f.export(ctx, files, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.stream, "stream", "", "stream to export (default: the recording's only stream); mcap: streams, comma-separated (default: all)")
	fs.StringVar(&f.format, "format", "", "mp4, mcap or png (default: from --out's extension, or png with --at or --every)")
	fs.StringVarP(&f.out, "out", "o", "", "output file; for png, the pictures' directory, or a .png file for one --at time")
	fs.StringVar(&f.start, "start", "", "export from this time: a duration from the recording's start (12.5s, 1m), an RFC 3339 time, one as gopline info prints it, or a time of day in UTC (12:00:03.500)")
	fs.StringVar(&f.end, "end", "", "export up to this time, exclusive (same forms as --start; one as gopline info prints it takes in its whole millisecond)")
	fs.StringVar(&f.at, "at", "", "png: the pictures' times, comma-separated (same forms as --start)")
	fs.Var((*durationValue)(&f.every), "every", "png: a picture every this long from --start to --end")
	fs.BoolVar(&f.allowDamage, "allow-damage", false, "exit 0 even when damaged packets were skipped or times had no picture (they are still reported)")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar on a terminal (the summary stays)")
	fs.BoolVarP(&f.overwrite, "overwrite", "y", false, "write over a file at --out (or pictures of the same names), as ffmpeg's -y does; never over a recording the export reads")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"mp4", "mcap", "png"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func exportArgs(_ *cobra.Command, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("want a recording file (or the files of one recording), got none: gopline export cam.gopline --stream /camera --out camera.mp4")
	}
	return nil
}

// export runs the export the flags ask for, until ctx ends. Each format
// takes the files of one recording as one, in the order of their numbers
// (splitOrder).
// request is the export f asks of files.
func (f *exportFlags) request(files []string) exportRequest {
	label := strings.Join(files, ", ")
	if f.source != "" {
		label = f.source
	}
	return exportRequest{file: label, stream: f.stream, format: f.format, out: f.out, every: f.every, allowDamage: f.allowDamage}
}

func (f *exportFlags) export(ctx context.Context, files []string, stdout, stderr io.Writer) error {
	files = splitOrder(files)
	req := f.request(files)
	if err := req.check(f.start, f.end, f.at); err != nil {
		return err
	}
	if err := checkFiles(files); err != nil {
		return err
	}
	recs, err := openRecordings(files)
	if err != nil {
		return err
	}
	defer closeRecordings(recs)
	if req.format != "png" || req.pictureFile {
		if err := checkOutputs(files, []string{req.out}, f.overwrite); err != nil {
			return err
		}
	}
	if err := req.resolve(recs, f.start, f.end, f.at); err != nil {
		return err
	}
	if req.format == "png" && !req.pictureFile {
		if err := checkOutputs(files, req.picturePaths(), f.overwrite); err != nil {
			return err
		}
	}
	if req.format == "png" {
		return req.pictures(ctx, recs, newProgressBar(stderr, f.quiet, "exporting "+req.stream, "pictures"), stdout, stderr)
	}
	bar := newProgressBar(stderr, f.quiet, "exporting "+req.stream, "packets")
	res, err := req.writeFile(ctx, recs, bar.step)
	bar.clear()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s of %s, %.1f s, %s%s\n", req.out, plural(uint64(res.Frames), "frame"), strings.Join(res.Streams, ", "),
		res.Duration.Seconds(), formatBytes(res.Bytes), skippedNote(res.Skipped, res.Damaged))
	if res.Encoded != 0 {
		fmt.Fprintf(stderr, "note: the %s pictures of %s are encoded as H.264 for the MP4 (libx264 CRF %d, %s), as ffmpeg does; "+
			"--format mcap keeps them as they are\n", strings.ToUpper(res.Encoded.String()), req.stream, export.EncodedCRF, export.EncodedPreset)
	}
	if res.Cropped {
		fmt.Fprintf(stderr, "note: %s has pictures of an odd width or height, which H.264 cannot encode: they lost their last column or row\n", req.stream)
	}
	req.noteChanges(res, stderr)
	if len(res.Reordered) > 0 {
		fmt.Fprintf(stderr, "note: %s has B-frames (pictures out of decode order), which Foxglove's CompressedVideo does not play; "+
			"decode and re-encode it (videosrc ... ! h264enc, which makes none) for Foxglove\n", strings.Join(res.Reordered, ", "))
	}
	for _, u := range res.Undecodable {
		fmt.Fprintf(stderr, "note: %s is H.264 in a format Foxglove does not decode (%s; it decodes 4:2:0 8-bit Baseline, Main and High): "+
			"decode and re-encode it (videosrc ... ! h264enc) for Foxglove\n", u.Stream, u.Format)
	}
	for _, b := range res.BeforeEpoch {
		fmt.Fprintf(stderr, "warning: %s of %s captured before 1970 (the earliest at %s; a robot whose clock was not set), "+
			"which neither an MCAP log time nor a Foxglove timestamp holds: written at 1970-01-01T00:00:00Z, in their order\n",
			plural(uint64(b.Messages), "message"), b.Stream, b.Earliest.UTC().Format(time.RFC3339Nano))
	}
	if res.Skipped > 0 && !f.allowDamage {
		return fmt.Errorf("%s: %d packets skipped, %d of them damaged records (--allow-damage accepts it)", req.file, res.Skipped, res.Damaged)
	}
	return nil
}

// checkFiles checks the files an export is given: one, or the files of
// one recording, each once.
func checkFiles(files []string) error {
	for i, file := range files {
		if slices.Contains(files[:i], file) {
			return fmt.Errorf("%w: %s is given twice", errUsage, file)
		}
	}
	return nil
}

// checkOutputs refuses the files an export would write, outputs, when one
// is one of the recordings it reads, inputs (the same file by another
// name, a link, or a recording found in a directory given), whatever
// overwrite says; an output that is not a file (a named pipe, a device
// such as /dev/stdout's, a socket), which the rename into place would
// replace; and when one exists, unless overwrite (--overwrite, -y,
// as ffmpeg's -y). An export thus never destroys what it exports, nor,
// unasked, what was there.
func checkOutputs(inputs, outputs []string, overwrite bool) error {
	var existing []string
	for _, out := range outputs {
		fi, err := os.Stat(out)
		if err != nil || slices.Contains(existing, out) { // times in one millisecond share a picture
			continue
		}
		if what := storage.NotAFile(fi.Mode()); what != "" {
			return usagef("--out %s is %s: export writes a file through a temporary one renamed into place, which would put "+
				"a file where it is, --overwrite or not: give the path of a file", out, what)
		}
		for _, in := range inputs {
			if ii, err := os.Stat(in); err == nil && os.SameFile(fi, ii) {
				return usagef("--out %s is %s, a recording this export reads: export writes a new file; give --out another name", out, in)
			}
		}
		existing = append(existing, out)
	}
	switch {
	case len(existing) == 0 || overwrite:
		return nil
	case len(existing) == 1:
		return usagef("%s exists: export writes over a file only with --overwrite (-y)", existing[0])
	}
	return usagef("%s and %d more pictures exist: export writes over files only with --overwrite (-y)", existing[0], len(existing)-1)
}

// openRecordings opens files read-only, or none of them.
func openRecordings(files []string) ([]*storage.Recording, error) {
	var recs []*storage.Recording
	for _, file := range files {
		rec, err := storage.Open(file, storage.WithReadOnly())
		if err != nil {
			closeRecordings(recs)
			return nil, err
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

func closeRecordings(recs []*storage.Recording) {
	for _, rec := range recs {
		rec.Close()
	}
}

// writeFile writes the MP4 or MCAP file of the request, calling progress
// after each packet read. When ctx ends first (Ctrl-C), the file is not
// written: the export removes its unfinished file, a file that was at
// r.out stays, and the error says so and how far the export came, in
// packets written (an MP4's scan of its keyframes writes none).
func (r *exportRequest) writeFile(ctx context.Context, recs []*storage.Recording, progress export.Progress) (export.Result, error) {
	var done, total int
	count := func(phase export.Phase, d, n int) {
		if phase == export.Writing {
			done, total = d, max(total, n) // an interrupted export's last call says n = d
		}
		progress(phase, d, n)
	}
	var res export.Result
	var err error
	if r.format == "mcap" {
		res, err = export.MCAPFiles(ctx, recs, r.streams, r.from, r.to, r.out, count)
	} else {
		res, err = export.MP4Files(ctx, recs, r.stream, r.from, r.to, r.out, count)
	}
	if errors.Is(err, context.Canceled) {
		return res, r.interruptedFile(done, total)
	}
	if gap := (*export.GapError)(nil); errors.As(err, &gap) {
		return res, fmt.Errorf("%w: %s is not written; %s", err, r.out, gapWayOut(gap, r.out))
	}
	return res, err
}

// gapWayOut says how to export a stream whose gap an MP4 does not hold:
// the parts either side of it, each in a file of its own, as --end and
// --start take their times, or the whole to MCAP.
func gapWayOut(gap *export.GapError, out string) string {
	mcap := strings.TrimSuffix(out, filepath.Ext(out)) + ".mcap"
	before := fmt.Sprintf("--end %v", gap.After.Sub(gap.Origin))
	if gap.Next.IsZero() {
		return fmt.Sprintf("export the part before it with %s (no keyframe comes after it), or the whole to MCAP (--out %s), which holds any gap", before, mcap)
	}
	after := fmt.Sprintf("--start %v", gap.Next.Sub(gap.Origin))
	if !gap.Next.Equal(gap.After) {
		after += " (its first keyframe after the gap)"
	}
	return fmt.Sprintf("export the parts either side of it, each into an MP4 of its own, with %s and with %s, or the whole to MCAP (--out %s), which holds any gap",
		before, after, mcap)
}

// interruptedFile is the error of an MP4 or MCAP export that Ctrl-C ended
// after it read done of about total packets.
func (r *exportRequest) interruptedFile(done, total int) error {
	after := "before it wrote a packet"
	if total > 0 {
		after = fmt.Sprintf("after %d of %d packets of %s", done, total, r.stream)
	}
	return fmt.Errorf("interrupted %s: %s is not written (its unfinished file is removed; a file that was at %s stays)", after, r.out, r.out)
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
