package mcapimport

import (
	"slices"
	"time"
)

// Clock says what a packet's capture time is taken from: its message's
// header stamp (ROS) or timestamp (Foxglove), or its log time, when the
// recorder received it.
type Clock int

const (
	// ClockAuto, the default, takes the stamps, but times a topic whose
	// stamps are further than maxClockOffset from its log times by its log
	// times (Topic.LogTimed): its stamps are on another clock than the
	// bag's, a simulation's or a sensor's boot clock, and taken as they
	// are they would play that far from the bag's other topics, where
	// ros2 bag play, pacing by log time, plays them together.
	ClockAuto Clock = iota
	// ClockStamp takes every stamp, however far from its log time.
	ClockStamp
	// ClockLog takes every log time, as ros2 bag play paces a bag.
	ClockLog
)

// maxClockOffset is how far a topic's stamps may be from their log times
// and still be taken as on the bag's clock: no camera's latency comes near
// a minute, and a stamp further from when the recorder received it is on
// another clock (a simulation's, a sensor's boot clock, a host's never
// synchronized), which would play that far from the bag's other topics.
const maxClockOffset = time.Minute

// topicClock is what a topic's capture times are taken from, decided at
// its first picture stored from the pictures held back then.
type topicClock struct {
	decided bool
	logged  bool          // timed by log times
	offset  time.Duration // the median of its stamps less their log times
}

// decide decides a topic's clock, under c, from its first pictures (in
// log-time order).
func (tc *topicClock) decide(c Clock, first []heldPicture) {
	tc.decided = true
	var offsets []time.Duration
	for _, h := range first {
		if !h.stamp.IsZero() {
			offsets = append(offsets, h.stamp.Sub(h.logTime))
		}
	}
	if len(offsets) > 0 {
		slices.Sort(offsets)
		tc.offset = offsets[(len(offsets)-1)/2]
	}
	switch c {
	case ClockLog:
		tc.logged = true
	case ClockAuto:
		tc.logged = tc.offset > maxClockOffset || tc.offset < -maxClockOffset
	}
}

// timed returns the stamp a picture of a topic timed by its log times is
// stored at: none (its log time is taken) for a picture that stands
// alone; for video, whose stamps are its pictures' presentation times
// (with B-frames not in their order of decoding, which its log times
// follow), its stamp moved onto the log times' clock by the offset.
func (tc *topicClock) timed(h heldPicture, video bool) time.Time {
	if video && !h.stamp.IsZero() {
		return h.stamp.Add(-tc.offset)
	}
	return time.Time{}
}
