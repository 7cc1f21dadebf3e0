package mcapimport

import (
	"slices"
	"time"
)

// A camera's clock may glitch: one picture stamped a year ahead, or an
// hour back, between pictures stamped as they should be. Taken as it is,
// such a stamp moves every picture after it (each must come after the one
// before: a year ahead leaves them piled a microsecond apart a year
// later). A topic's stamps keep a steady offset from their log times (the
// camera's latency, the offset between its clock and the recorder's), so a
// stamp whose offset is far from its neighbours' is repaired on its own
// picture: it takes its log time plus their offset.
const (
	// lineNeighbours is how many pictures on each side of one (those
	// stored before it, those held back after it) its stamp is judged by.
	lineNeighbours = 8
	// minOutOfLine is how far from its neighbours' offset a stamp must be
	// at least to be out of line: more than a camera's latency varies.
	minOutOfLine = time.Second
)

// stampOffset is a stamp's offset from its log time.
type stampOffset struct {
	offset  time.Duration
	logTime time.Time
}

// stampLine judges a topic's stamps, in log-time order, against their
// neighbours'.
type stampLine struct {
	recent []stampOffset // the last stamps given out, at most lineNeighbours
}

// judge returns h's stamp, or the time it is repaired to and true when it
// is out of line: further from the median offset of its neighbours (the
// last ones judged, and next, those held after it) than minOutOfLine and
// than the spread of their log times (a topic of a picture a minute, whose
// stamps drift from their log times a simulation's pace slower or faster).
// A picture without a stamp, one with fewer than two neighbours, and a
// topic whose log times are all equal (they tell nothing) keep theirs.
func (l *stampLine) judge(h heldPicture, next []heldPicture) (time.Time, bool) {
	if h.stamp.IsZero() {
		return h.stamp, false
	}
	neighbours := slices.Clone(l.recent)
	for _, n := range next {
		if len(neighbours) == len(l.recent)+lineNeighbours {
			break
		}
		if !n.stamp.IsZero() {
			neighbours = append(neighbours, stampOffset{n.stamp.Sub(n.logTime), n.logTime})
		}
	}
	stamp, out := h.stamp, false
	if len(neighbours) >= 2 {
		offsets := make([]time.Duration, len(neighbours))
		first, last := h.logTime, h.logTime
		for i, n := range neighbours {
			offsets[i] = n.offset
			first, last = minTime(first, n.logTime), maxTime(last, n.logTime)
		}
		slices.Sort(offsets)
		median := offsets[(len(offsets)-1)/2]
		if spread := last.Sub(first); spread > 0 {
			if d := h.stamp.Sub(h.logTime) - median; d > max(minOutOfLine, spread) || -d > max(minOutOfLine, spread) {
				stamp, out = h.logTime.Add(median), true
			}
		}
	}
	if len(l.recent) == lineNeighbours {
		l.recent = append(l.recent[:0], l.recent[1:]...)
	}
	l.recent = append(l.recent, stampOffset{stamp.Sub(h.logTime), h.logTime})
	return stamp, out
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
