package web

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// joinLoss counts what a viewer receives of a track until a deadline: the
// distinct packets, by sequence number, and the span from the lowest to
// the highest, whose difference is what was lost and never repaired.
type joinLoss struct {
	mu        sync.Mutex
	seen      map[int64]bool
	low, high int64
	last      uint16
	started   bool
}

// read reads tr until until.
func (j *joinLoss) read(tr *webrtc.TrackRemote, until time.Time) {
	j.seen = map[int64]bool{}
	go func() {
		var ext int64
		for time.Now().Before(until) {
			pkt, _, err := tr.ReadRTP()
			if err != nil || !time.Now().Before(until) {
				break
			}
			j.mu.Lock()
			if !j.started {
				ext, j.low, j.high, j.started = int64(pkt.SequenceNumber), int64(pkt.SequenceNumber), int64(pkt.SequenceNumber), true
			} else {
				ext += int64(int16(pkt.SequenceNumber - j.last))
			}
			j.last = pkt.SequenceNumber
			j.seen[ext] = true
			j.low, j.high = min(j.low, ext), max(j.high, ext)
			j.mu.Unlock()
		}
	}()
}

// mark returns the highest sequence number received so far (extended),
// where the next window's count starts; low-1 before any.
func (j *joinLoss) mark() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.started {
		return -1 << 62
	}
	return j.high
}

// counts returns the packets received and those lost (of the span
// received, those that never arrived) whose sequence numbers are above
// from and at most to: a window's, by the marks taken at its ends.
func (j *joinLoss) counts(from, to int64) (received, lost int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.started {
		return 0, 0
	}
	from, to = max(from, j.low-1), min(to, j.high)
	for seq := range j.seen {
		if seq > from && seq <= to {
			received++
		}
	}
	return received, max(int(to-from)-received, 0)
}

// slowJoin is what one viewer's joinWindows on the slow link came to.
type slowJoin struct {
	windows [joinWindows]joinCount
	status  ViewerInfo
}

// joinCount is one window's packets, received and lost, and the bits/s the
// node put on the link in it.
type joinCount struct {
	received, lost int
	sentBits       float64
}

// A joining viewer is measured in joinWindows windows of joinWindow after
// its offer: the first holds the join's burst and its first cap (capHold,
// 10 s); the second what follows when that cap ends.
const (
	joinWindow  = 10 * time.Second
	joinWindows = 2
)

// joinSlowLink joins a pion viewer (TWCC feedback, NACKs, reports, as a
// browser) to a node of newRichNode's stream over a link that carries a
// third of the stream, once the stream's bitrate is known: the viewer's
// cached GOP goes out as a burst. asBefore sends as gopline did before.
func joinSlowLink(b *testing.B, asBefore sendingAsBefore) slowJoin {
	l := newVirtualLink(b)
	n := newRichNode(b, Config{KeepIP: notLoopback, WebRTCSettings: l.nodeSettings, asBefore: asBefore})
	l.limit(int(streamBitrate(b, n) / 3))
	pc, tracks := l.newViewer(b)
	joined, sent := time.Now(), l.sent[0].Load()
	_, tr := joinWith(b, n, pc, tracks)
	var j joinLoss
	j.read(tr, joined.Add(joinWindows*joinWindow))
	var s slowJoin
	from := int64(-1 << 62)
	for w := range s.windows {
		start := time.Now()
		time.Sleep(time.Until(joined.Add(time.Duration(w+1) * joinWindow)))
		to, sentNow := j.mark(), l.sent[0].Load()
		r, lost := j.counts(from, to)
		s.windows[w] = joinCount{received: r, lost: lost, sentBits: float64(sentNow-sent) * 8 / time.Since(start).Seconds()}
		from, sent = to, sentNow
	}
	s.status, _ = viewerStatus(b, n)
	_ = pc.Close()
	return s
}

// BenchmarkSlowLinkJoinLoss measures what a viewer joining over a link
// that carries a third of the stream loses in its first 10 s and in the
// 10 s after, with its resends paced and its pace capped by what its
// feedback says arrived, and, as sub-benchmarks, as before: the cap
// released at once after capHold (release-at-once), and before resends
// were paced and deliveries capped (before). Run it with -benchtime=1x: an
// iteration is a join, about 25 s.
func BenchmarkSlowLinkJoinLoss(b *testing.B) {
	for _, mode := range []struct {
		name     string
		asBefore sendingAsBefore
	}{{"paced", sendingAsBefore{}}, {"release-at-once", sendingAsBefore{capReleaseAtOnce: true}},
		{"before", sendingAsBefore{unpacedRepairs: true}}} {
		b.Run(mode.name, func(b *testing.B) {
			for range b.N {
				s := joinSlowLink(b, mode.asBefore)
				for w, c := range s.windows {
					share := 100 * float64(c.lost) / float64(max(1, c.received+c.lost))
					span := fmt.Sprintf("%d-%ds", w*int(joinWindow.Seconds()), (w+1)*int(joinWindow.Seconds()))
					b.Logf("%s, %s: %d packets received, %d lost (%.0f%%); the node sent %.0f kbit/s",
						mode.name, span, c.received, c.lost, share, c.sentBits/1e3)
					b.ReportMetric(float64(c.lost), "lost-"+span)
					b.ReportMetric(share, "lost-%-"+span)
				}
				b.Logf("%s: status at %v %+v", mode.name, joinWindows*joinWindow, s.status)
			}
		})
	}
}
