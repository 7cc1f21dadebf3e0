package web

import (
	"slices"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// keyframeSpread times what a viewer receives of each keyframe: from its
// first packet's arrival to its last's, and its bytes.
type keyframeSpread struct {
	spreads []time.Duration
	sizes   []int
}

// read reads tr until it has n keyframes, each whole (its first packet
// and every packet to its picture's last, by RTP timestamp), and times
// them.
func (k *keyframeSpread) read(t testing.TB, tr *webrtc.TrackRemote, n int) {
	var ts uint32
	var key bool
	var first, last time.Time
	var size int
	for len(k.spreads) < n {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			t.Fatalf("reading the track: %v", err)
		}
		now := time.Now()
		if pkt.Timestamp != ts {
			if key {
				k.spreads, k.sizes = append(k.spreads, last.Sub(first)), append(k.sizes, size)
			}
			ts, first, size, key = pkt.Timestamp, now, 0, false
		}
		isKey, _ := pictureKind(t, pkt) // the SPS and PPS in front say nothing
		key = key || isKey
		last, size = now, size+pkt.MarshalSize()
	}
}

// BenchmarkKeyframeSpreadOnAFastLink measures how long a 1920x1080
// keyframe takes to reach a pion viewer on loopback, whose transport-wide
// feedback paces it: from its first packet's arrival to its last's, which
// on loopback is from the first written to the last. Run it with
// -benchtime=1x: each iteration is 10 keyframes, one a second, once the
// viewer's estimate has settled for 5 s.
func BenchmarkKeyframeSpreadOnAFastLink(b *testing.B) {
	n := newNode(b, Config{}, "testsrc size=1920x1080 rate=15 ! h264enc gop=15 rate=15 crf=4 ! publish topic=/cam", "/cam")
	pc, tracks := newReceiver(b)
	_, tr := joinWith(b, n, pc, tracks)
	waitFor(b, 30*time.Second, "an estimate", func() bool { v, _ := viewerStatus(b, n); return v.Estimate > 0 })
	var warm keyframeSpread
	warm.read(b, tr, 5)
	b.ResetTimer()
	var k keyframeSpread
	for range b.N {
		k.read(b, tr, len(k.spreads)+10)
	}
	b.StopTimer()
	v, stream := viewerStatus(b, n)
	slices.Sort(k.spreads)
	b.ReportMetric(float64(k.spreads[len(k.spreads)/2].Microseconds())/1e3, "spread-ms-p50")
	b.ReportMetric(float64(k.spreads[len(k.spreads)-1].Microseconds())/1e3, "spread-ms-max")
	b.ReportMetric(float64(slices.Max(k.sizes))/1e3, "keyframe-KB-max")
	b.ReportMetric(float64(v.Estimate)/1e6, "estimate-Mbit/s")
	b.ReportMetric(stream/1e6, "stream-Mbit/s")
}
