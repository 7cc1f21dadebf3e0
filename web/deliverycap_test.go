package web

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// capEvent is one step of a viewer's traffic: bytes sent at a time, or a
// feedback report that says received packets arrived and lost did not.
type capEvent struct {
	at             time.Duration // after t0
	sent           int
	feedback       bool
	received, lost int
}

// steadyLink is a second of a link carrying a viewer's traffic: every
// 100 ms from start to start+d, sent bytes go out and a report says
// received and lost of its packets.
func steadyLink(start, d time.Duration, sent, received, lost int) []capEvent {
	var ev []capEvent
	for at := start; at < start+d; at += 100 * time.Millisecond {
		ev = append(ev, capEvent{at: at, sent: sent}, capEvent{at: at, feedback: true, received: received, lost: lost})
	}
	return ev
}

// The cap falls on a viewer that lost more than half of what it was sent
// in the last second, once it sent a second of feedback, at 1.25 times
// what its link delivered, and ends after capHold.
func TestDeliveryCapCapsAViewerThatLosesMostOfWhatItIsSent(t *testing.T) {
	t0 := time.Unix(1000, 0)
	// 12 500 bytes every 100 ms: 1 Mbit/s sent.
	cases := []struct {
		name   string
		events []capEvent
		at     time.Duration // when the cap is read
		capped bool
		rate   int // the cap, bits/s, within 5%
	}{
		{name: "a viewer that loses nothing is never capped", events: steadyLink(0, 3*time.Second, 12_500, 10, 0),
			at: 3 * time.Second},
		{name: "nor one that loses half", events: steadyLink(0, 3*time.Second, 12_500, 5, 5), at: 3 * time.Second},
		{name: "one that loses three quarters is capped at 1.25 times what arrived", events: steadyLink(0, 3*time.Second, 12_500, 25, 75),
			at: 3 * time.Second, capped: true, rate: 312_500},
		{name: "not before a second of feedback", events: steadyLink(0, 900*time.Millisecond, 12_500, 0, 10),
			at: 900 * time.Millisecond},
		{name: "nor faster than minPaceRate when nothing arrives", events: steadyLink(0, 3*time.Second, 12_500, 0, 10),
			at: 3 * time.Second, capped: true, rate: minPaceRate},
		{name: "the cap ends after capHold, without feedback", events: steadyLink(0, 1100*time.Millisecond, 12_500, 25, 75),
			at: 1000*time.Millisecond + capHold},
		{name: "and with lossy feedback, which must last a second again", events: steadyLink(0, 1000*time.Millisecond+capHold+500*time.Millisecond, 12_500, 25, 75),
			at: 1000*time.Millisecond + capHold + 400*time.Millisecond},
		{name: "a second after the release, it caps again", events: steadyLink(0, 1000*time.Millisecond+capHold+1100*time.Millisecond, 12_500, 25, 75),
			at: 1000*time.Millisecond + capHold + 1000*time.Millisecond, capped: true, rate: 312_500},
		{name: "a cap follows what the link delivers under it", events: append(steadyLink(0, 1100*time.Millisecond, 12_500, 25, 75),
			steadyLink(1100*time.Millisecond, 2*time.Second, 5_000, 10, 0)...),
			at: 3 * time.Second, capped: true, rate: 500_000},
		{name: "a pause in the feedback restarts the second it needs", events: append(steadyLink(0, 500*time.Millisecond, 12_500, 25, 75),
			steadyLink(2*time.Second, 600*time.Millisecond, 12_500, 25, 75)...),
			at: 2600 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var dc deliveryCap
			for _, e := range c.events {
				if e.feedback {
					dc.feedback(t0.Add(e.at), e.received, e.lost)
				} else {
					dc.wrote(t0.Add(e.at), e.sent)
				}
			}
			rate, capped := dc.limit(t0.Add(c.at))
			if capped != c.capped {
				t.Fatalf("capped %v (at %d bit/s), want %v", capped, rate, c.capped)
			}
			if c.capped && (float64(rate) < 0.95*float64(c.rate) || float64(rate) > 1.05*float64(c.rate)) {
				t.Errorf("capped at %d bit/s, want %d", rate, c.rate)
			}
		})
	}
}

// A hostile viewer's feedback cannot make the cap keep more than
// maxCapReports reports, however many it sends, nor hold a cap longer
// than capHold: between two caps it is released and judged on a whole
// second again.
func TestDeliveryCapBoundsWhatAViewersFeedbackKeeps(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var dc deliveryCap
	now := t0
	var capOns, capOffs int
	var capStart time.Time
	longest, mostKept := time.Duration(0), 0
	for i := 0; i < 200_000; i++ { // 20 s of a report every 100 µs, each of all lost
		now = t0.Add(time.Duration(i) * 100 * time.Microsecond)
		dc.wrote(now, 1200)
		switch dc.feedback(now, 0, 65535) {
		case capOn:
			capOns++
			capStart = now
		case capOff:
			capOffs++
			longest = max(longest, now.Sub(capStart))
			if _, capped := dc.limit(now); capped {
				t.Fatalf("capped still at %v, just released", now.Sub(t0))
			}
		}
		mostKept = max(mostKept, len(dc.reports))
		if cap(dc.reports) > 4*maxCapReports {
			t.Fatalf("%d reports of room kept after %d reports", cap(dc.reports), i+1)
		}
	}
	if mostKept > maxCapReports {
		t.Errorf("kept %d reports at once: want %d at most", mostKept, maxCapReports)
	}
	if capOns != 2 || capOffs != 1 || longest > capHold+time.Millisecond {
		t.Errorf("in 20 s of all lost: %d caps, %d releases, the longest %v: want 2 caps (at 1 s and 12 s), one release, capHold at most",
			capOns, capOffs, longest)
	}
	// The merged reports still count the whole last second: 10 000
	// reports of 65 535 packets lost each.
	var lost int64
	for _, r := range dc.reports {
		lost += r.lost
	}
	if want := int64(10_000 * 65535); lost < want*99/100 || lost > want {
		t.Errorf("the kept reports count %d packets lost: want the last second's, %d", lost, want)
	}
}

// A clock that steps back counts the report at the newest time known:
// nothing is judged on a second that did not pass.
func TestDeliveryCapTakesAClockThatStepsBack(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var dc deliveryCap
	dc.feedback(t0, 0, 10)
	if dc.feedback(t0.Add(-time.Hour), 0, 10) != capSame {
		t.Fatal("a report from an hour before capped the viewer")
	}
	if _, capped := dc.limit(t0); capped {
		t.Error("capped after a clock that stepped back")
	}
}

// A feedback report's counts: a receive delta for each packet that
// arrived, the rest of the packets it covers lost; a report with more
// deltas than packets (a hostile one) counts none lost.
func TestFeedbackCountsWhatArrivedAndWhatDidNot(t *testing.T) {
	cases := []struct {
		count, deltas  int
		received, lost int
	}{{10, 10, 10, 0}, {10, 3, 3, 7}, {10, 0, 0, 10}, {2, 5, 2, 0}, {0, 0, 0, 0}}
	for _, c := range cases {
		fb := &rtcp.TransportLayerCC{PacketStatusCount: uint16(c.count), RecvDeltas: make([]*rtcp.RecvDelta, c.deltas)}
		if r, l := feedbackCounts(fb); r != c.received || l != c.lost {
			t.Errorf("%d packets, %d deltas: %d received, %d lost; want %d, %d", c.count, c.deltas, r, l, c.received, c.lost)
		}
	}
}

// A cap is not lifted at once after capHold (the estimate, which learned
// nothing of the link under it, may be far above it): the viewer's
// ceiling grows from the last cap capGrowth times a second, until it
// passes rampCeiling; a link that loses most of it again is capped again.
// releaseAtOnce lifts it at once, as before.
func TestDeliveryCapRampsUpAfterItsHold(t *testing.T) {
	t0 := time.Unix(1000, 0)
	// Capped at 1 s at 312 500 bit/s (a quarter of 1 Mbit/s arrives).
	capped := steadyLink(0, 1100*time.Millisecond, 12_500, 25, 75)
	release := time.Second + capHold
	cases := []struct {
		name    string
		events  []capEvent
		atOnce  bool
		at      time.Duration
		limited bool
		rate    int // bits/s, within 5%
	}{
		{name: "during its hold, the ceiling is the cap", events: capped, at: 5 * time.Second, limited: true, rate: 312_500},
		{name: "at its release, the last cap", events: capped, at: release, limited: true, rate: 312_500},
		{name: "a second later, capGrowth times it", events: capped, at: release + time.Second, limited: true, rate: 468_750},
		{name: "two seconds later, capGrowth squared times it", events: capped, at: release + 2*time.Second, limited: true, rate: 703_125},
		{name: "nothing once past rampCeiling", events: capped, at: release + 30*time.Second},
		{name: "nothing after the hold when released at once", events: capped, atOnce: true, at: release},
		{name: "a ramp that loses most again is capped again", events: append(capped,
			steadyLink(release, 1200*time.Millisecond, 12_500, 25, 75)...),
			at: release + 1200*time.Millisecond, limited: true, rate: 312_500},
		{name: "nothing for a viewer never capped", events: steadyLink(0, 3*time.Second, 12_500, 10, 0), at: 3 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dc := deliveryCap{releaseAtOnce: c.atOnce}
			for _, e := range c.events {
				if e.feedback {
					dc.feedback(t0.Add(e.at), e.received, e.lost)
				} else {
					dc.wrote(t0.Add(e.at), e.sent)
				}
			}
			rate, limited := dc.ceiling(t0.Add(c.at))
			if limited != c.limited {
				t.Fatalf("limited %v (at %d bit/s), want %v", limited, rate, c.limited)
			}
			if c.limited && (float64(rate) < 0.95*float64(c.rate) || float64(rate) > 1.05*float64(c.rate)) {
				t.Errorf("limited at %d bit/s, want %d", rate, c.rate)
			}
		})
	}
}

// A viewer's pace, resends included, keeps under its released cap's ramp.
func TestSendPaceKeepsUnderTheRampAfterACap(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var p sendPace
	for _, e := range steadyLink(0, 1100*time.Millisecond, 12_500, 25, 75) {
		if e.feedback {
			p.feedback(t0.Add(e.at), e.received, e.lost)
		} else {
			p.cap.wrote(t0.Add(e.at), e.sent)
		}
	}
	now := t0.Add(time.Second + capHold + time.Second) // the ramp at 468 750 bit/s
	if got := p.capped(now, 5_000_000); got < 440_000 || got > 500_000 {
		t.Errorf("paced at %d bit/s a second into the ramp, want about 468 750", got)
	}
	if got := p.capped(now, 200_000); got != 200_000 {
		t.Errorf("an estimate below the ramp paced at %d bit/s, want it (200 000)", got)
	}
	if got := p.capped(now, 0); got != 0 {
		t.Errorf("an unpaced viewer paced at %d bit/s under the ramp, want 0", got)
	}
}
