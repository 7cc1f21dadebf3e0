package web

import (
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

// counts returns the packets received and those lost (of the span
// received, those that never arrived).
func (j *joinLoss) counts() (received, lost int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.started {
		return 0, 0
	}
	return len(j.seen), int(j.high-j.low+1) - len(j.seen)
}

// slowJoin is what one viewer's first joinWindow on the slow link came to.
type slowJoin struct {
	received, lost int
	sentBits       float64 // bits/s the node put on the link
	status         ViewerInfo
}

// joinWindow is how long after its offer a joining viewer is measured.
const joinWindow = 10 * time.Second

// joinSlowLink joins a pion viewer (TWCC feedback, NACKs, reports, as a
// browser) to a node of newRichNode's stream over a link that carries a
// third of the stream, once the stream's bitrate is known: the viewer's
// cached GOP goes out as a burst. unpaced sends as before resends were
// paced and deliveries capped.
func joinSlowLink(b *testing.B, unpaced bool) slowJoin {
	l := newVirtualLink(b)
	n := newRichNode(b, Config{KeepIP: notLoopback, WebRTCSettings: l.nodeSettings})
	n.handler.api.unpacedRepairs = unpaced // before the first viewer's offer
	l.limit(int(streamBitrate(b, n) / 3))
	pc, tracks := l.newViewer(b)
	joined, sent0 := time.Now(), l.sent[0].Load()
	_, tr := joinWith(b, n, pc, tracks)
	var j joinLoss
	j.read(tr, joined.Add(joinWindow))
	time.Sleep(time.Until(joined.Add(joinWindow)))
	sent := float64(l.sent[0].Load()-sent0) * 8 / time.Since(joined).Seconds()
	v, _ := viewerStatus(b, n)
	_ = pc.Close()
	r, lost := j.counts()
	return slowJoin{received: r, lost: lost, sentBits: sent, status: v}
}

// BenchmarkSlowLinkJoinLoss measures what a viewer joining over a link
// that carries a third of the stream loses in its first 10 s, with its
// resends paced and its pace capped by what its feedback says arrived,
// and, in the same run, as before (resends unpaced, the estimate alone).
// Run it with -benchtime=1x: an iteration is a join of each kind, about
// 30 s in all.
func BenchmarkSlowLinkJoinLoss(b *testing.B) {
	for range b.N {
		for _, mode := range []struct {
			name    string
			unpaced bool
		}{{"paced", false}, {"before", true}} {
			s := joinSlowLink(b, mode.unpaced)
			share := 100 * float64(s.lost) / float64(max(1, s.received+s.lost))
			b.Logf("%s: %d packets received, %d lost (%.0f%%) in the first %v; the node sent %.0f kbit/s; status %+v",
				mode.name, s.received, s.lost, share, joinWindow, s.sentBits/1e3, s.status)
			b.ReportMetric(float64(s.lost), mode.name+"-lost")
			b.ReportMetric(share, mode.name+"-lost-%")
			b.ReportMetric(float64(s.received), mode.name+"-received")
		}
	}
}
