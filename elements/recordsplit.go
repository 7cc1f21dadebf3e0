package elements

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gopline/gopline/media"
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

// SplitPath is the path of file i of a recording split from path, as
// ros2 bag names its split files: the name's stem, an underscore and the
// file's number, then its extension (robot.gopline: robot_0.gopline,
// robot_1.gopline, ...).
func SplitPath(path string, i int) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s_%d%s", strings.TrimSuffix(path, ext), i, ext)
}

// FirstSplitIndex is the number of the first file a split recording to
// path writes: one past the highest that exists already, so that a second
// run adds files instead of appending to the last run's.
func FirstSplitIndex(path string) (int, error) {
	ext := filepath.Ext(path)
	stem := filepath.Base(strings.TrimSuffix(path, ext))
	entries, err := os.ReadDir(filepath.Dir(path))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	next := 0
	for _, e := range entries {
		num, ok := strings.CutPrefix(strings.TrimSuffix(e.Name(), ext), stem+"_")
		if !ok || !strings.HasSuffix(e.Name(), ext) {
			continue
		}
		if i, err := strconv.Atoi(num); err == nil && i >= next && strconv.Itoa(i) == num {
			next = i + 1
		}
	}
	return next, nil
}

// FirstFormatChangeIndex is the number of the first file that a recording
// to path, not split, goes on in when a stream's format changes: one past
// the highest file of path's split naming that exists already (as
// FirstSplitIndex), and at least 1, since path itself comes first.
func FirstFormatChangeIndex(path string) (int, error) {
	first, err := FirstSplitIndex(path)
	return max(first, 1), err
}

// FormatChangePath is the path of file f of a recording to path that is
// not split: path itself, then, for each change of a stream's format
// (a camera's new picture size), the next in path's split naming from
// first (FirstFormatChangeIndex): robot.gopline, robot_1.gopline,
// robot_2.gopline, ...
func FormatChangePath(path string, first, f int) string {
	if f == 0 {
		return path
	}
	return SplitPath(path, first+f-1)
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
	return s.limit.MaxBytes > 0 && s.bytes >= s.limit.MaxBytes ||
		s.limit.MaxDuration > 0 && at.Sub(s.first) >= s.limit.MaxDuration
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
