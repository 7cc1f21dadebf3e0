package web

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
)

// A WebRTC viewer whose reports keep saying it lost a quarter of the
// stream is sent keyframes only, and told of once at the default level;
// once its reports show no loss, after the hold, it gets the whole stream
// again.
func TestAWebRTCViewerThatKeepsLosingIsSentKeyframesOnlyUntilItKeepsUp(t *testing.T) {
	var logs testlog.Buffer
	n := newLiveNode(t, Config{Log: zerolog.New(&logs).Level(zerolog.DebugLevel)})
	pc, tracks := newReportingReceiver(t)
	_, tr := joinWith(t, n, pc, tracks)
	var keys, deltas, bytes atomic.Uint64
	go func() {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			bytes.Add(uint64(len(pkt.Payload)))
			switch key, delta := pictureKind(t, pkt); {
			case key:
				keys.Add(1)
			case delta:
				deltas.Add(1)
			}
		}
	}()
	waitFor(t, 20*time.Second, "live pictures", func() bool { return deltas.Load() > 10 })
	b0, at0 := bytes.Load(), time.Now()
	time.Sleep(3 * time.Second)
	whole := float64(bytes.Load()-b0) / time.Since(at0).Seconds()

	report := func(fraction uint8) {
		rr := []rtcp.Packet{&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: uint32(tr.SSRC()), FractionLost: fraction}}}}
		if err := pc.WriteRTCP(rr); err != nil {
			t.Fatal(err)
		}
	}
	const thinned = "so the node sends it keyframes only"
	waitFor(t, 20*time.Second, "the viewer sent keyframes only", func() bool {
		report(64)
		time.Sleep(300 * time.Millisecond)
		return strings.Contains(logs.String(), thinned)
	})
	time.Sleep(500 * time.Millisecond) // what was on its way before
	k0, d0, b0, at0 := keys.Load(), deltas.Load(), bytes.Load(), time.Now()
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
		report(64) // the loss lasts
	}
	t.Logf("the whole stream: %.0f bytes/s; keyframes only: %.0f bytes/s", whole, float64(bytes.Load()-b0)/time.Since(at0).Seconds())
	if k, d := keys.Load()-k0, deltas.Load()-d0; d != 0 || k == 0 {
		t.Errorf("while thinned for 3 s, the viewer got %d keyframe and %d delta packets; want keyframes only", k, d)
	}

	const resumed = "it keeps up again"
	waitFor(t, 30*time.Second, "the whole stream again", func() bool {
		report(0)
		time.Sleep(300 * time.Millisecond)
		return strings.Contains(logs.String(), resumed)
	})
	d1 := deltas.Load()
	waitFor(t, 10*time.Second, "delta pictures again", func() bool { return deltas.Load() > d1+10 })

	var warned int
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, thinned) && strings.Contains(line, `"level":"warn"`) {
			warned++
			if !strings.Contains(line, "/cam") || !strings.Contains(line, "25%") {
				t.Errorf("warning %s: want it to name /cam and the loss of 25%%", line)
			}
		}
	}
	if warned != 1 {
		t.Errorf("%d warnings of the viewer sent keyframes only, want 1", warned)
	}
}

// pictureKind says whether an RTP packet of H.264 carries part of an IDR
// or of another picture.
func pictureKind(t testing.TB, p *rtp.Packet) (key, delta bool) {
	t.Helper()
	types := nalTypes(t, p)
	if len(p.Payload) > 1 && p.Payload[0]&0x1f == 28 { // FU-A: the type of the unit it is part of
		types = []int{int(p.Payload[1] & 0x1f)}
	}
	for _, typ := range types {
		key, delta = key || typ == 5, delta || typ == 1
	}
	return key, delta
}

// newReportingReceiver is a pion peer that receives H.264 and sends only
// the RTCP its test writes: no interceptors, whose own receiver reports
// would say it lost nothing, and no transport-wide feedback, which would
// make its estimate, not its reports, decide when it is thinned.
func newReportingReceiver(t *testing.T) (*webrtc.PeerConnection, chan *webrtc.TrackRemote) {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: h264Codec, PayloadType: 102}, webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIPFilter(LoopbackOnly)
	return receiverOf(t, webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se), webrtc.WithInterceptorRegistry(&interceptor.Registry{})))
}
