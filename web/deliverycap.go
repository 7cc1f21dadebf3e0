package web

import (
	"math"
	"time"

	"github.com/pion/rtcp"
)

// A viewer's estimate (congestion.go) follows its link's queue, which a
// link that drops what overflows it hides for a while: a joining viewer on
// a slow link is sent its cached GOP at 2.5 times an estimate that starts
// at 25 Mbit/s, and the estimator takes seconds to come down, while most
// of what is sent is lost. Its transport-wide feedback says so at once:
// each packet's arrival, or that it did not arrive. A deliveryCap reads
// that feedback and, when the viewer lost more than half of what it was
// sent in the last second, caps the viewer's pace at capHeadroom times what
// its link delivered, for capHold, whatever the estimate says. Under the
// cap the estimate learns nothing of the link (what is sent arrives) and
// may still be megabits above it, so the cap is not lifted at once: from
// its last rate, it grows capGrowth times a second until it is above any
// pace (rampCeiling), and a link that loses most of it again is capped
// again.
const (
	// capWindow is how much of the viewer's recent feedback is judged:
	// the last second, and the viewer must have sent feedback for that
	// long before it is judged at all (a join's first reports say little).
	capWindow = time.Second
	// capHeadroom is how far above the rate its link delivered a capped
	// viewer is paced: a link that carries more than it was sent shows it
	// within a second, and the cap, measured again at each report, grows
	// with it.
	capHeadroom = 1.25
	// capHold is how long a viewer stays capped, at most: a cap is the
	// answer to a burst the estimate has not caught up with, not a second
	// estimator; the estimate has settled by then.
	capHold = 10 * time.Second
	// capGrowth is how many times faster a released cap lets the viewer
	// be paced a second later: fast enough to reach a megabit link's pace
	// within seconds, slow enough that a link that carries less fills its
	// queue over a second, which the estimator sees and comes down to,
	// instead of losing a burst.
	capGrowth = 1.5
	// rampCeiling is where a released cap ends, in bits per second: above
	// any viewer's pace (burstPace times the initial estimate).
	rampCeiling = burstPace * initialEstimate
	// maxCapReports bounds the feedback reports remembered: a browser
	// sends one every 50 to 100 ms, a hostile viewer may send thousands a
	// second. A report that comes within capMerge of the one before is
	// added to it, so the last capWindow holds maxCapReports at most and
	// its counts stay whole.
	maxCapReports = 1000
	capMerge      = capWindow / (maxCapReports - 1)
	// capSlot is the resolution of the count of bytes sent: capWindow
	// holds capSlots of them.
	capSlot  = 100 * time.Millisecond
	capSlots = int(capWindow / capSlot)
)

// capChange is what a feedback report changes in a viewer's cap.
type capChange int

const (
	capSame capChange = iota
	// capOn: the viewer is capped from now.
	capOn
	// capOff: the viewer's cap ended (capHold passed).
	capOff
)

// capReport is what one feedback report said: how many of the packets it
// covers arrived, and how many did not.
type capReport struct {
	at             time.Time
	received, lost int64
}

// sentSlot counts the bytes sent to the viewer in one capSlot.
type sentSlot struct {
	slot  int64 // the slot's number since the Unix epoch
	bytes int64
}

// deliveryCap is one viewer's cap: the feedback reports of its last
// capWindow (maxCapReports at most), the bytes it was sent in that time,
// and whether, and at what rate, it is capped. It is plain state; its
// owner (sendPace) serializes its use. The zero value caps nothing.
type deliveryCap struct {
	reports []capReport // oldest first, none older than capWindow
	since   time.Time   // the first report since reports was last empty
	sent    [capSlots]sentSlot
	capped  bool
	at      time.Time // when capped
	rate    int       // the cap, in bits per second, while capped; where its ramp starts after
	caps    uint64    // how many times the viewer was capped
	// releaseAtOnce ends a cap without its ramp, as gopline did before:
	// benchmarks set it to compare.
	releaseAtOnce bool
}

// wrote counts n bytes sent to the viewer at now.
func (c *deliveryCap) wrote(now time.Time, n int) {
	slot := now.UnixNano() / int64(capSlot)
	s := &c.sent[slot%int64(capSlots)]
	if s.slot != slot {
		*s = sentSlot{slot: slot}
	}
	s.bytes += int64(n)
}

// sentBytes returns the bytes sent in the capWindow up to now.
func (c *deliveryCap) sentBytes(now time.Time) int64 {
	slot := now.UnixNano() / int64(capSlot)
	var n int64
	for _, s := range c.sent {
		if s.slot > slot-int64(capSlots) && s.slot <= slot {
			n += s.bytes
		}
	}
	return n
}

// feedback takes one feedback report received at now, which says received
// packets arrived and lost did not, and returns what changes. A clock that
// steps back counts the report at the newest time known.
func (c *deliveryCap) feedback(now time.Time, received, lost int) capChange {
	if n := len(c.reports); n > 0 && now.Before(c.reports[n-1].at) {
		now = c.reports[n-1].at
	}
	if c.capped && now.Sub(c.at) >= capHold {
		c.release()
		c.remember(now, received, lost)
		return capOff
	}
	c.remember(now, received, lost)
	if now.Sub(c.since) < capWindow {
		return capSame
	}
	var got, missed int64
	for _, r := range c.reports {
		got, missed = got+r.received, missed+r.lost
	}
	if got+missed == 0 {
		return capSame
	}
	delivered := float64(c.sentBytes(now)) * 8 / capWindow.Seconds() * float64(got) / float64(got+missed)
	rate := max(int(capHeadroom*delivered), minPaceRate)
	switch {
	case c.capped:
		c.rate = rate // what the link delivers under the cap moves it
	case 2*missed > got+missed:
		c.capped, c.at, c.rate = true, now, rate
		c.caps++
		return capOn
	}
	return capSame
}

// remember keeps the report of now, forgets those older than capWindow,
// and adds it to the report before when that came within capMerge. A
// viewer whose reports all aged out (its feedback paused) is judged again
// on a whole capWindow from now.
func (c *deliveryCap) remember(now time.Time, received, lost int) {
	old := 0
	for old < len(c.reports) && now.Sub(c.reports[old].at) > capWindow {
		old++
	}
	c.reports = c.reports[old:]
	if len(c.reports) == 0 {
		c.since = now
	}
	r := capReport{at: now, received: int64(max(received, 0)), lost: int64(max(lost, 0))}
	if n := len(c.reports); n > 0 && now.Sub(c.reports[n-1].at) < capMerge {
		c.reports[n-1].received += r.received
		c.reports[n-1].lost += r.lost
		return
	}
	c.reports = append(c.reports, r)
}

// release ends the cap and forgets the reports: the viewer is judged
// again on a whole capWindow of feedback from now.
func (c *deliveryCap) release() {
	c.capped, c.reports = false, nil
}

// limit returns the viewer's cap at now, in bits per second, and whether
// it is capped: a cap ends after capHold even when no feedback comes.
func (c *deliveryCap) limit(now time.Time) (int, bool) {
	if !c.capped || now.Sub(c.at) >= capHold {
		return 0, false
	}
	return c.rate, true
}

// ceiling returns the most the viewer may be paced at now, in bits per
// second, and whether anything limits it: its cap while capped (limit),
// then, for as long as it stays below rampCeiling, the last cap grown
// capGrowth times a second since capHold ended.
func (c *deliveryCap) ceiling(now time.Time) (int, bool) {
	if rate, ok := c.limit(now); ok {
		return rate, true
	}
	if c.caps == 0 || c.releaseAtOnce {
		return 0, false
	}
	ramp := float64(c.rate) * math.Pow(capGrowth, now.Sub(c.at.Add(capHold)).Seconds())
	if ramp >= rampCeiling {
		return 0, false
	}
	return int(ramp), true
}

// feedbackCounts returns how many of the packets a transport-wide feedback
// report covers arrived (one receive delta each), and how many did not.
func feedbackCounts(fb *rtcp.TransportLayerCC) (received, lost int) {
	total := int(fb.PacketStatusCount)
	received = min(len(fb.RecvDeltas), total)
	return received, total - received
}
