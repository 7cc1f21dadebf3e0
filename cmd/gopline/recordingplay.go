package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
)

// publishedLines say how many packets play published on each topic: what
// its publish node took, which all went out on the topic, whatever any
// subscriber (one that joined late, or fell behind and dropped) saw of
// them. publishers maps each publish node to its topic.
func publishedLines(stats []pipeline.NodeStats, publishers map[string]string) []string {
	stats = slices.Clone(stats)
	slices.SortFunc(stats, func(a, b pipeline.NodeStats) int { return strings.Compare(publishers[a.Node], publishers[b.Node]) })
	var out []string
	for _, s := range stats {
		if topic, ok := publishers[s.Node]; ok {
			out = append(out, fmt.Sprintf("published %s on %s", plural(s.In, "packet"), topic))
		}
	}
	return out
}

// playSet is what play plays: the recordings given, in order (the files of
// a split recording), each stream once, with the files that hold it.
type playSet struct {
	files   []string
	streams []storage.StreamInfo // by name, each once, in the order found
	holders map[string][]string  // by stream, the files that hold it, in order
}

// openPlaySet reads the streams of files, those of one split recording
// in the order of their numbers (splitOrder).
func openPlaySet(files []string) (playSet, error) {
	files = splitOrder(files)
	set := playSet{files: files, holders: map[string][]string{}}
	for _, file := range files {
		infos, err := streamsOf(file)
		if err != nil {
			return playSet{}, err
		}
		for _, info := range infos {
			if set.holders[info.Name] == nil {
				set.streams = append(set.streams, info)
			}
			set.holders[info.Name] = append(set.holders[info.Name], file)
		}
	}
	return set, nil
}

// label names the recordings in messages.
func (s playSet) label() string { return strings.Join(s.files, ", ") }

// span is the first packet's time of stream in its first file and the
// last packet's in its last.
func (s playSet) span(stream string) (first, last time.Time, err error) {
	holders := s.holders[stream]
	if first, err = edge(holders[0], stream, (*storage.Recording).First); err != nil {
		return first, last, err
	}
	last, err = edge(holders[len(holders)-1], stream, (*storage.Recording).Last)
	return first, last, err
}

// streamSpan is a stream's first and last packet over the files that hold it.
type streamSpan struct{ first, last time.Time }

// spans are the spans of the set's streams that hold packets, and the
// earliest first packet among them: the set's start, as gopline info
// prints it, which times count from. An empty stream has none.
func (s playSet) spans() (map[string]streamSpan, time.Time, error) {
	spans := map[string]streamSpan{}
	var start time.Time
	for _, info := range s.streams {
		first, last, err := s.span(info.Name)
		if errors.Is(err, storage.ErrEmptyStream) {
			continue
		}
		if err != nil {
			return nil, start, err
		}
		spans[info.Name] = streamSpan{first, last}
		if start.IsZero() || first.Before(start) {
			start = first
		}
	}
	return spans, start, nil
}

// playStream is a stream that play plays: its index in the set, and
// where it starts and ends from its first packet (elements.PlayConfig).
type playStream struct {
	name       string
	index      int
	start, end time.Duration
}

// playPlan is what play plays of a set: the streams with a packet in the
// range of --start and --end, and those left out for having none.
type playPlan struct {
	streams []playStream
	leftOut []string
	base    time.Time             // the set's start
	spans   map[string]streamSpan // of the streams that hold packets
}

// timeLine says, as play begins at wall, which recorded time plays then,
// at what pace, and how the times packets carry relate, so that a user
// can line the streams up with others: the recorded ones (keep), which
// run rate times as fast as the wall clock, or the playback's. The
// recorded time is as info prints a start (rounded up to the millisecond),
// so that it reads as info's Start: when playing from there.
func timeLine(recorded, wall time.Time, rate float64, keep bool) string {
	line := fmt.Sprintf("recorded %s plays at %s, %v later", startTime(recorded).UTC().Format(infoTime), wall.UTC().Format(infoTime),
		wall.Sub(recorded).Round(time.Millisecond))
	if rate != 1 {
		line += fmt.Sprintf(", at %g times the recorded pace", rate)
	}
	switch {
	case keep && rate != 1:
		return line + fmt.Sprintf("; packets keep their recorded capture times (--keep-time), which run %g times as fast as the wall clock", rate)
	case keep:
		return line + "; packets keep their recorded capture times (--keep-time)"
	}
	return line + "; packets are stamped with the wall-clock time they are played at (--keep-time keeps the recorded ones)"
}

// plan resolves --start and --end against set, as export does, for the
// streams to play. A range that holds none of them is a usage error; an
// empty stream is left to the player.
func (f *playFlags) plan(set playSet) (playPlan, error) {
	spans, base, err := set.spans()
	if err != nil {
		return playPlan{}, err
	}
	var last time.Time
	for _, sp := range spans {
		if sp.last.After(last) {
			last = sp.last
		}
	}
	rng, err := parseTimeRange(f.start, f.end, base, last)
	if err != nil {
		return playPlan{}, err
	}
	return choosePlay(set.streams, f.streams, spans, rng)
}

// choosePlay plans the streams (only those of only, when it has any)
// over rng, whose base is the set's start; spans are those of the
// streams that hold packets.
func choosePlay(streams []storage.StreamInfo, only []string, spans map[string]streamSpan, rng timeRange) (playPlan, error) {
	plan := playPlan{base: rng.base, spans: spans}
	var chosen []string
	for i, info := range streams {
		if len(only) > 0 && !slices.Contains(only, info.Name) {
			continue
		}
		sp, ok := spans[info.Name]
		switch {
		case !ok:
			plan.streams = append(plan.streams, playStream{name: info.Name, index: i})
		case rng.holds(sp.first, sp.last):
			start, end := rng.offsets(sp.first)
			plan.streams = append(plan.streams, playStream{name: info.Name, index: i, start: start, end: end})
		default:
			plan.leftOut = append(plan.leftOut, info.Name)
		}
		if ok {
			chosen = append(chosen, info.Name)
		}
	}
	if len(chosen) > 0 && len(plan.leftOut) == len(chosen) {
		return playPlan{}, plan.outside(rng, chosen)
	}
	return plan, nil
}

// outside is the usage error for a range that holds no packet of the
// streams chosen: past them all, or between them.
func (p playPlan) outside(rng timeRange, chosen []string) error {
	first, last := p.spans[chosen[0]].first, p.spans[chosen[0]].last
	for _, name := range chosen[1:] {
		if sp := p.spans[name]; sp.first.Before(first) {
			first = sp.first
		}
		if sp := p.spans[name]; sp.last.After(last) {
			last = sp.last
		}
	}
	if !rng.holds(first, last) {
		return rng.outside(chosen, first, last)
	}
	each := make([]string, len(chosen))
	for i, name := range chosen {
		each[i] = fmt.Sprintf("%q %s", name, describeSpan(p.base, p.spans[name].first, p.spans[name].last))
	}
	return usagef("no stream has a packet from --start %s to --end %s: %s", rng.start, rng.end, strings.Join(each, "; "))
}

// edge is at (First or Last) of stream in the recording file.
func edge(file, stream string, at func(*storage.Recording, string) (time.Time, error)) (time.Time, error) {
	rec, err := storage.Open(file, storage.WithReadOnly())
	if err != nil {
		return time.Time{}, err
	}
	defer rec.Close()
	return at(rec, stream)
}

// someRecordings takes one recording file or more.
func someRecordings(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("takes one recording file or more, got none")
	}
	return nil
}

// splitOrder puts the files of one split recording (STEM_N.EXT, one STEM
// and EXT) in the order of their numbers, which a shell's glob does not
// (robot_10 before robot_2); STEM.EXT, where a recording that is not split
// begins before it goes on in STEM_1.EXT at a change of format, comes
// first. Other lists stay in the order given.
func splitOrder(files []string) []string {
	type numbered struct {
		file string
		n    int
	}
	var stem, ext string
	var all []numbered
	for _, f := range files {
		e := filepath.Ext(f)
		s, n, ok := splitNumber(strings.TrimSuffix(f, e))
		if !ok || len(all) > 0 && (s != stem || e != ext) {
			return files
		}
		stem, ext = s, e
		all = append(all, numbered{f, n})
	}
	slices.SortStableFunc(all, func(a, b numbered) int { return a.n - b.n })
	out := make([]string, len(all))
	for i, a := range all {
		out[i] = a.file
	}
	return out
}

// splitNumber parses a file name without its extension as a split
// recording's: STEM_N, or STEM alone as the file before STEM_0 (n = -1);
// ok is false when name has no stem.
func splitNumber(name string) (stem string, n int, ok bool) {
	cut := strings.LastIndex(name, "_")
	if cut >= 0 {
		if n, err := strconv.Atoi(name[cut+1:]); err == nil && n >= 0 {
			return name[:cut], n, true
		}
	}
	return name, -1, name != ""
}
