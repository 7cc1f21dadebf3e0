package elements

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// RecordSplit splits a recording into files, as ros2 bag record's
// --max-bag-size and --max-bag-duration split a bag and gst's splitmuxsink
// its output: once the newest file holds MaxBytes of payload, or spans
// MaxDuration of capture time, each stream goes on in a new file from its
// next keyframe. So every file is a whole recording of its own (every
// stream starts with a keyframe), and every packet is in exactly one file.
// The zero value does not split.
type RecordSplit struct {
	MaxBytes    int64
	MaxDuration time.Duration
}

// enabled reports whether the recording is split.
func (s RecordSplit) enabled() bool { return s.MaxBytes > 0 || s.MaxDuration > 0 }

// SplitPath is storage.SplitPath: the path of file i of a recording split
// from path (robot.gopline: robot_0.gopline, robot_1.gopline, ...).
func SplitPath(path string, i int) string { return storage.SplitPath(path, i) }

// FirstSplitIndex is the number of the first file a split recording to
// path writes: one past the highest that exists already, so that a second
// run adds files instead of appending to the last run's; or the highest
// itself when it holds no packet (storage.HoldsNoPacket): a run killed as
// it began that file left it, with nothing to lose, and the next run
// writes its first packets there instead of numbering on past it.
//
// It refuses a set whose highest file another recorder is writing
// (storage.ErrLocked): two runs split into one set would number their
// files in turn, and the run that leaves a file would find the other's.
func FirstSplitIndex(path string) (int, error) {
	next, err := splitIndexAfter(path)
	if err != nil || next == 0 {
		return next, err
	}
	last := SplitPath(path, next-1)
	if writtenElsewhere(last) {
		return 0, fmt.Errorf("%w: %s is being written by another recorder, and a split recording's files are one run's: give this run another name", storage.ErrLocked, last)
	}
	if storage.HoldsNoPacket(last) {
		next--
	}
	return next, nil
}

// writtenElsewhere reports whether a recorder has the recording at path
// open to write.
func writtenElsewhere(path string) bool {
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		return errors.Is(err, storage.ErrLocked)
	}
	rec.Close()
	return false
}

// splitIndexAfter is one past the highest number of path's split files
// that exist (0 when there is none).
func splitIndexAfter(path string) (int, error) {
	numbers, err := SplitFiles(path)
	if err != nil || len(numbers) == 0 {
		return 0, err
	}
	return numbers[len(numbers)-1] + 1, nil
}

// SplitFiles are the numbers of path's split files that exist, lowest
// first (SplitPath names them).
func SplitFiles(path string) ([]int, error) {
	entries, err := os.ReadDir(filepath.Dir(path))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return splitNumbers(path, names), nil
}

// splitNumbers are the numbers of path's split naming among the file names
// of path's directory, lowest first: robot_0.gopline and robot_1.gopline
// give 0 and 1; robot_07.gopline is not of the naming.
func splitNumbers(path string, names []string) []int {
	ext := filepath.Ext(path)
	stem := filepath.Base(strings.TrimSuffix(path, ext))
	var numbers []int
	for _, name := range names {
		num, ok := strings.CutPrefix(strings.TrimSuffix(name, ext), stem+"_")
		if !ok || !strings.HasSuffix(name, ext) {
			continue
		}
		if i, err := strconv.Atoi(num); err == nil && i >= 0 && strconv.Itoa(i) == num {
			numbers = append(numbers, i)
		}
	}
	slices.Sort(numbers)
	return numbers
}

// FormatChangeFiles are the files of a recording to Path that is not
// split: Path itself, then, for each change of a stream's format (a
// camera's new picture size), the next in Path's split naming:
// robot.gopline, robot_1.gopline, robot_2.gopline, ... A run into a set
// that exists goes on where the set ends, as a recorder that was never
// stopped would have: in its last file (Last), where a stream of the same
// format appends, and from each change on in the files after it, so the
// set stays in the order of time.
type FormatChangeFiles struct {
	Path string
	// Last is the number of the set's last file that exists: 0 for Path
	// itself, n for its _n file.
	Last int
}

// FindFormatChangeFiles looks for the files of path's set that exist.
func FindFormatChangeFiles(path string) (FormatChangeFiles, error) {
	next, err := splitIndexAfter(path)
	return FormatChangeFiles{Path: path, Last: max(next-1, 0)}, err
}

// File is the path of a run's file f: the set's last file, then, at each
// change of format, the next.
func (c FormatChangeFiles) File(f int) string {
	if n := c.Last + f; n > 0 {
		return SplitPath(c.Path, n)
	}
	return c.Path
}

// splitPlan decides which file each packet of a split recording goes to.
// Files are numbered from 0 in the order they begin. A stream's packets go
// to the newest file from its first packet on; once the newest file is
// full (RecordSplit) and every stream writes to it, a new file begins, and
// each stream moves to it at its next keyframe, so at most two files are
// in use at once. A stream still in the older file when the newest is full
// in turn (one that sent no keyframe in all that time: it stopped, or its
// GOP is longer than a file) gives it up, so that it can be closed: its
// packets are dropped until its next keyframe, which goes to the newest
// file. It is plain state, fed the packets in order.
type splitPlan struct {
	limit   RecordSplit
	newest  int
	streams map[string]int // the file each stream writes to; waitKey when it has none
	bytes   int64          // payload of the newest file
	first   time.Time      // capture time of the newest file's first packet
	empty   bool           // the newest file has no packet yet
}

// waitKey is the file of a stream that gave up its file: its packets are
// dropped until its next keyframe.
const waitKey = -1

func newSplitPlan(limit RecordSplit) *splitPlan {
	return &splitPlan{limit: limit, streams: map[string]int{}, empty: true}
}

// route returns the file the packet p of stream goes to, or waitKey when
// it is to be dropped.
func (s *splitPlan) route(stream string, p *media.Packet) int {
	if p.Key && s.spanned(p.CaptureTime) {
		// A keyframe at or past the newest file's span begins the next
		// file, as splitmuxsink's max-size-time does: a file of -d 2 with
		// a keyframe a second spans 2 s, not 3.
		s.begin()
	}
	f, known := s.streams[stream]
	switch {
	case !known || p.Key && f < s.newest:
		f = s.newest
	case f == waitKey:
		return waitKey
	}
	s.streams[stream] = f
	if f == s.newest {
		s.take(p)
	}
	return f
}

// formatChanged returns the file that p, a keyframe of stream, goes to
// after the file route gave it refused it for its format (a camera that
// changed its picture size): a new file, unless one began after the
// stream's already, as at any split. A stream never mixes formats, so a
// recording goes on with the new format in a file of its own.
func (s *splitPlan) formatChanged(stream string, p *media.Packet) int {
	if s.streams[stream] == s.newest {
		s.begin()
	}
	s.streams[stream] = s.newest
	f := s.newest
	s.take(p)
	return f
}

// take counts p, a packet of the newest file, and begins the next file
// once that one is full.
func (s *splitPlan) take(p *media.Packet) {
	if s.empty {
		s.first, s.empty = p.CaptureTime, false
	}
	s.bytes += int64(len(p.Data))
	if s.full(p.CaptureTime) {
		s.begin()
	}
}

// begin starts a new file; the streams still in the one before the full
// one give it up.
func (s *splitPlan) begin() {
	for stream, f := range s.streams {
		if f >= 0 && f < s.newest {
			s.streams[stream] = waitKey
		}
	}
	s.newest++
	s.bytes, s.empty = 0, true
}

// full reports whether the newest file holds its share, at capture time at.
func (s *splitPlan) full(at time.Time) bool {
	return s.limit.MaxBytes > 0 && s.bytes >= s.limit.MaxBytes || s.spanned(at)
}

// spanned reports whether a packet captured at at falls past the newest
// file's MaxDuration.
func (s *splitPlan) spanned(at time.Time) bool {
	return !s.empty && s.limit.MaxDuration > 0 && at.Sub(s.first) >= s.limit.MaxDuration
}

// oldest is the oldest file a stream still writes to (the newest when none
// does): the files before it are done.
func (s *splitPlan) oldest() int {
	o := s.newest
	for _, f := range s.streams {
		if f >= 0 {
			o = min(o, f)
		}
	}
	return o
}
