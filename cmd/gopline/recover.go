package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gopline/gopline/storage"
)

// recoveredStream is one stream of `gopline recover --json`.
type recoveredStream struct {
	Stream  string        `json:"stream"`
	Renamed bool          `json:"renamed"`
	Codec   string        `json:"codec"`
	Packets int64         `json:"packets"`
	GOPs    int64         `json:"gops"`
	Start   time.Time     `json:"start"`
	End     time.Time     `json:"end"`
	Span    time.Duration `json:"span_ns"`
	Counted int64         `json:"counted"`
	// CountedBy is what told Counted: "counters", "indexes" (the counters
	// are lost; the last commit's first and last chunk tell it), or "".
	// Uncounted says, when it is not known, what was lost that would have.
	CountedBy string `json:"counted_by"`
	Uncounted string `json:"uncounted,omitempty"`
	Lost      int64  `json:"lost"`
	Damaged   int64  `json:"damaged"`
	Dropped   int64  `json:"dropped"`
	Missing   int64  `json:"missing"`
	// UnreadableChunks are chunks lost or undecodable; their packets are
	// among Missing.
	UnreadableChunks int64 `json:"unreadable_chunks"`
	// Uncommitted are packets written that a commit cut short (a full
	// disk) left in the file: among Packets, not among Counted.
	Uncommitted int64 `json:"uncommitted"`
	// OverwrittenChunks are chunks of the commit before the last that a
	// commit cut short wrote over: the last complete commit did not hold
	// them, and they are not among the lost.
	OverwrittenChunks int64 `json:"overwritten_chunks"`
}

// recoverReport is `gopline recover --json`.
type recoverReport struct {
	From     string            `json:"from"`
	To       string            `json:"to"`
	PageSize int               `json:"page_size"`
	Pages    int64             `json:"pages"`
	Streams  []recoveredStream `json:"streams"`
	Lost     []string          `json:"lost_streams"`
}

// recoverCommand salvages a damaged recording into a new one.
func recoverCommand() *cobra.Command {
	var out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "recover DAMAGED --out NEW [flags]",
		Short: "salvage a damaged or truncated recording into a new one",
		Long: "Reads a damaged or truncated recording (an interrupted copy, a full disk, bad sectors) page by page,\n" +
			"without trusting its index, and writes every packet whose record is whole and passes its checksum\n" +
			"into a new recording, each stream from a keyframe on: the rest of a GOP whose keyframe is lost is\n" +
			"left out. A stream whose name was lost is written as recovered-1, recovered-2, ... Reports per\n" +
			"stream what was salvaged and lost. Exits 0 when something was recovered, 1 when nothing could be,\n" +
			"and 2 when NEW exists: DAMAGED is only read, and nothing is ever written over.",
		Example: "  gopline recover cam.gopline --out cam-recovered.gopline\n" +
			"  gopline recover cam.gopline --out cam-recovered.gopline --json",
		Args:              oneRecording,
		ValidArgsFunction: completeRecordings,
		RunE: func(cmd *cobra.Command, args []string) error {
			return recoverRecording(args[0], out, asJSON, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "the new recording to write (must not exist)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print what was recovered as JSON")
	cmd.MarkFlagFilename("out", recordingExtensions...)
	return cmd
}

func recoverRecording(src, dst string, asJSON bool, w io.Writer) error {
	if dst == "" {
		return usagef("give --out, the new recording to write (gopline recover --help)")
	}
	if _, err := os.Lstat(dst); err == nil {
		return usagef("--out %s exists: recover writes a new file and never over one", dst)
	}
	if err := storage.CheckName(dst); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if fi, err := os.Stat(src); err == nil && fi.IsDir() {
		if _, err := recordingsIn(src); err != nil {
			return err // a bag's directory is named as one, with its import
		}
		return usagef("%s is a directory: recover takes one recording file", src)
	}
	ctx, stop := stopContext(0)
	defer stop()
	res, err := storage.RecoverContext(ctx, src, dst)
	switch {
	case errors.Is(err, fs.ErrExist):
		return usagef("--out %s exists: recover writes a new file and never over one", dst)
	case ctx.Err() != nil && err != nil:
		return fmt.Errorf("interrupted: %s is not written (its unfinished file is removed)", dst)
	case err != nil:
		return err
	}
	report := recoverReport{From: src, To: dst, PageSize: res.PageSize, Pages: res.Pages, Lost: res.Lost}
	for _, s := range res.Streams {
		report.Streams = append(report.Streams, recoveredStream{
			Stream: s.Name, Renamed: s.Renamed, Codec: s.Codec.String(), Packets: s.Packets, GOPs: s.GOPs,
			Start: s.First, End: s.Last, Span: s.Last.Sub(s.First), Counted: s.Counted, CountedBy: s.CountedBy.String(), Uncounted: s.Uncounted, Lost: s.Lost(),
			Damaged: s.Damaged, Dropped: s.Dropped, Missing: s.Missing, UnreadableChunks: s.UnreadableChunks,
			Uncommitted: s.Uncommitted, OverwrittenChunks: s.Overwritten,
		})
	}
	if report.Lost == nil {
		report.Lost = []string{}
	}
	if asJSON {
		return writeJSON(w, report)
	}
	return writeRecovered(w, report)
}

// writeRecovered describes what recover salvaged: a line a stream, then
// the streams lost whole.
func writeRecovered(w io.Writer, r recoverReport) error {
	var packets int64
	for _, s := range r.Streams {
		packets += s.Packets
	}
	fmt.Fprintf(w, "Recovered %s of %s into %s (%d pages of %d bytes scanned)\n", plural(uint64(packets), "packet"), r.From, r.To, r.Pages, r.PageSize)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Stream\tCodec\tPackets\tGOPs\tStart\tEnd\tSpan\tLost")
	for _, s := range r.Streams {
		name := s.Stream
		if s.Renamed {
			name += " (its name was lost)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", name, s.Codec, s.Packets, s.GOPs,
			s.Start.UTC().Format("2006-01-02 15:04:05.000"), s.End.UTC().Format("15:04:05.000"), s.Span.Round(time.Millisecond), lostText(s))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var renamed []string
	for _, s := range r.Streams {
		if s.Renamed {
			renamed = append(renamed, s.Stream)
		}
	}
	if len(r.Lost) > 0 && len(renamed) > 0 {
		// Their chunks may be among those whose stream's name was lost.
		fmt.Fprintf(w, "Not found by name: %s (their packets may be among %s, whose names were lost)\n",
			strings.Join(r.Lost, ", "), strings.Join(renamed, ", "))
	} else if len(r.Lost) > 0 {
		fmt.Fprintf(w, "Lost whole (no packet salvaged): %s\n", strings.Join(r.Lost, ", "))
	}
	return nil
}

// lostText says what a stream lost: against the packets the damaged file
// held when its count is known, and how. The scan's counts are of packets
// lost only, so when they come to more than the count's shortfall
// (counters older than the chunks found), they are what is said. Without
// the count, it says why it is not known.
func lostText(s recoveredStream) string {
	var how []string
	if s.Damaged > 0 {
		how = append(how, fmt.Sprintf("%d damaged", s.Damaged))
	}
	if s.Dropped > 0 {
		how = append(how, fmt.Sprintf("%d after a lost keyframe", s.Dropped))
	}
	if s.Missing > 0 {
		how = append(how, fmt.Sprintf("%d missing", s.Missing))
	}
	if s.UnreadableChunks > 0 {
		how = append(how, fmt.Sprintf("%s unreadable", plural(uint64(s.UnreadableChunks), "chunk")))
	}
	found := s.Damaged + s.Dropped + s.Missing
	text := "unknown"
	switch {
	case s.Counted > 0 && s.Lost == 0 && len(how) == 0:
		text = "none"
	case s.Counted > 0:
		text = fmt.Sprintf("%d of %d", max(s.Lost, found), s.Counted)
	case len(how) > 0:
		text = fmt.Sprintf("at least %d", found)
	}
	if len(how) > 0 {
		text += " (" + strings.Join(how, ", ") + ")"
	}
	if s.Counted == 0 {
		why := s.Uncounted
		if why == "" {
			why = "the file's counts are lost"
		}
		text += ": " + why
	}
	// Packets the recorder counted lost, found in pages a commit cut short
	// wrote: written, but not of what the file held; and the older chunks
	// it wrote over, which the file no longer held.
	over := plural(uint64(s.OverwrittenChunks), "older chunk")
	switch {
	case s.Uncommitted > 0 && s.OverwrittenChunks > 0:
		text += fmt.Sprintf("; %d more from a commit cut short, which wrote over %s the last commit did not hold", s.Uncommitted, over)
	case s.Uncommitted > 0:
		text += fmt.Sprintf("; %d more from a commit cut short", s.Uncommitted)
	case s.OverwrittenChunks > 0:
		text += fmt.Sprintf("; a commit cut short wrote over %s the last commit did not hold", over)
	}
	return text
}
