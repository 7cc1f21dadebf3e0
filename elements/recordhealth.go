package elements

import "time"

// failingReportInterval is the shortest time between two reports that a
// recording's writes still fail. While they do, every packet that comes is
// lost; saying so every few seconds, with the count so far, keeps a long
// failure in the log without a line per packet (ROS 1's rosbag warns every
// 5 s while a full disk makes it drop messages).
const failingReportInterval = 5 * time.Second

// healthNote is what writeHealth says the recorder must tell.
type healthNote int

const (
	healthQuiet   healthNote = iota // nothing to tell
	healthFailed                    // writes began to fail
	healthFailing                   // writes still fail (at most every interval)
	healthResumed                   // a commit succeeded after a failure
)

// writeHealth follows whether a recording's writes reach the disk, from what
// the recording answers, and says when the recorder must tell: at once when
// writes begin to fail, again at most every interval while they go on
// failing, and once when a commit has succeeded again. Only a commit ends a
// failure: a packet the recording took in memory may still be lost at its
// commit, and a commit that had nothing to write proves nothing.
//
// It relies on what storage.Recording promises: while a failure lasts it
// drops packets (each with a WriteError that has a retry time) until a
// keyframe after the retry time, which it commits at once, so that an Append
// that returns nil then has been committed; and it has nothing pending then,
// so that a Flush that returns nil has committed nothing.
type writeHealth struct {
	interval time.Duration
	failing  bool      // a failure was told, and no commit has succeeded since
	told     time.Time // when the failure was last told
	// retrying: the recording drops packets until a keyframe's commit
	// succeeds. uncommitted: packets were taken since the last commit
	// known to have succeeded.
	retrying, uncommitted bool
}

// accepted notes an Append that returned nil.
func (h *writeHealth) accepted() healthNote {
	if h.retrying { // the recording committed the packet at once
		h.uncommitted = false
		return h.committed()
	}
	h.uncommitted = true
	return healthQuiet
}

// flushed notes a Flush that returned nil: a commit only when packets
// were waiting for one.
func (h *writeHealth) flushed() healthNote {
	if !h.uncommitted {
		return healthQuiet
	}
	h.uncommitted = false
	return h.committed()
}

// created notes a stream the recording created, in a commit of its own
// that leaves the packets waiting for theirs as they are. While the
// recording drops packets until its retry it ends nothing: packets are
// still lost.
func (h *writeHealth) created() healthNote {
	if h.retrying {
		return healthQuiet
	}
	return h.committed()
}

// newFile notes that the packets go on in a file begun fresh, which has
// no failure to retry: a packet it takes waits for its commit, as in any
// file, and only that commit ends the failure.
func (h *writeHealth) newFile() { h.retrying = false }

// committed ends a failure.
func (h *writeHealth) committed() healthNote {
	h.retrying = false
	if !h.failing {
		return healthQuiet
	}
	h.failing = false
	return healthResumed
}

// dropped notes packets the recording lost at now to a failed commit, or
// dropped while it waits to try again: first is the recording's mark of
// the call that began its failure. What was waiting for a commit is lost
// with them.
func (h *writeHealth) dropped(now time.Time, first bool) healthNote {
	h.retrying, h.uncommitted = true, false
	return h.fail(now, first)
}

// notCreated notes a stream the recording could not create at now: its
// packet is lost, and the other streams' packets wait as they did.
func (h *writeHealth) notCreated(now time.Time) healthNote { return h.fail(now, false) }

// fail tells a failure when it begins (or the recording says a new one
// began), and again once interval has passed since it was last told. A
// clock that stepped back does not silence it.
func (h *writeHealth) fail(now time.Time, begins bool) healthNote {
	switch {
	case !h.failing || begins:
		h.failing, h.told = true, now
		return healthFailed
	case now.Sub(h.told) >= h.interval || now.Before(h.told):
		h.told = now
		return healthFailing
	}
	return healthQuiet
}
