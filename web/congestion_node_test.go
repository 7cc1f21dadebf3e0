package web

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/sdp/v3"
	"github.com/pion/transport/v5/vnet"
	"github.com/pion/webrtc/v4"
)

// virtualLink is a virtual network of the node's WebRTC side and two
// viewer hosts, each reached by a link of its own from the node: a token
// bucket filter, unlimited until limit. sent counts the bytes the node put
// on each link.
type virtualLink struct {
	node    *vnet.Net
	viewers [2]*vnet.Net
	tbf     [2]*vnet.TBFQueue
	sent    [2]atomic.Uint64
}

const (
	nodeIP = "10.0.0.1"
	// linkQueue is how long the limited link's queue is, at its rate, as
	// a router's buffer: beyond it, packets are lost.
	linkQueue = 300 * time.Millisecond
	// fastLink is the rate of a link not limited, in bits/s.
	fastLink = 1_000_000_000
)

// viewerIPs are the viewer hosts' addresses.
var viewerIPs = [2]string{"10.0.0.2", "10.0.0.3"}

func newVirtualLink(t testing.TB) *virtualLink {
	t.Helper()
	router, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "10.0.0.0/24", LoggerFactory: logging.NewDefaultLoggerFactory()})
	if err != nil {
		t.Fatal(err)
	}
	l := &virtualLink{}
	if l.node, err = vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{nodeIP}}); err != nil {
		t.Fatal(err)
	}
	if err := router.AddNet(l.node); err != nil {
		t.Fatal(err)
	}
	for i, ip := range viewerIPs {
		if l.viewers[i], err = vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{ip}}); err != nil {
			t.Fatal(err)
		}
		l.tbf[i] = vnet.NewTBFQueue(fastLink, 2*rtpMTU, fastLink/8)
		q, err := vnet.NewQueue(l.viewers[i], l.tbf[i])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = q.Close() })
		if err := router.AddNet(q); err != nil {
			t.Fatal(err)
		}
	}
	router.AddChunkFilter(l.count)
	if err := router.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = router.Stop() })
	return l
}

// count counts a chunk the node sends to a viewer host.
func (l *virtualLink) count(c vnet.Chunk) bool {
	from, ok := c.SourceAddr().(*net.UDPAddr)
	to, ok2 := c.DestinationAddr().(*net.UDPAddr)
	if !ok || !ok2 || from.IP.String() != nodeIP {
		return true
	}
	for i, ip := range viewerIPs {
		if to.IP.String() == ip {
			l.sent[i].Add(uint64(len(c.UserData())))
		}
	}
	return true
}

// limit makes the links to the viewers carry rate bits/s each, with a
// queue of linkQueue.
func (l *virtualLink) limit(rate int) {
	for _, tbf := range l.tbf {
		tbf.SetRate(rate)
		tbf.SetSize(int64(float64(rate) / 8 * linkQueue.Seconds()))
	}
}

// notLoopback keeps the virtual network's addresses.
func notLoopback(ip net.IP) bool { return !ip.IsLoopback() }

// nodeSettings puts the node's WebRTC side on the network's node host.
func (l *virtualLink) nodeSettings(se *webrtc.SettingEngine) { se.SetNet(l.node) }

// newViewer is a pion viewer on viewer host 0 with pion's default
// interceptors: it sends TWCC feedback, NACKs and receiver reports, as a
// browser does.
func (l *virtualLink) newViewer(t testing.TB) (*webrtc.PeerConnection, chan *webrtc.TrackRemote) {
	t.Helper()
	api, err := viewerAPI{keepIP: notLoopback, tune: func(se *webrtc.SettingEngine) { se.SetNet(l.viewers[0]) }}.new()
	if err != nil {
		t.Fatal(err)
	}
	return receiverOf(t, api)
}

// newUnpacedViewer is a pion viewer on viewer host 1 that sends NACKs and
// receiver reports but no transport-wide feedback: the node has no
// estimate of its link and does not pace it.
func (l *virtualLink) newUnpacedViewer(t *testing.T) (*webrtc.PeerConnection, chan *webrtc.TrackRemote) {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: h264Codec, PayloadType: 102}, webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		t.Fatal(err)
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		t.Fatal(err)
	}
	se, err := viewerAPI{keepIP: notLoopback, tune: func(se *webrtc.SettingEngine) { se.SetNet(l.viewers[1]) }}.settings()
	if err != nil {
		t.Fatal(err)
	}
	return receiverOf(t, webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)))
}

// pictureCount counts what a viewer receives of a track: its packets, the
// packets missing when a later one arrived (lost on the way; a NACK's
// repair may follow), and the packets of keyframes and of other pictures.
type pictureCount struct {
	packets, missed, keys, deltas atomic.Uint64
}

func (c *pictureCount) read(t *testing.T, tr *webrtc.TrackRemote) {
	go func() {
		var last uint16
		for first := true; ; first = false {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			c.packets.Add(1)
			if gap := pkt.SequenceNumber - last - 1; !first && gap < 1<<15 {
				c.missed.Add(uint64(gap))
			}
			if first || pkt.SequenceNumber-last < 1<<15 {
				last = pkt.SequenceNumber
			}
			switch key, delta := pictureKind(t, pkt); {
			case key:
				c.keys.Add(1)
			case delta:
				c.deltas.Add(1)
			}
		}
	}()
}

// viewerStatus returns what /api/topics/cam says of its one WebRTC viewer
// and the topic's bitrate.
func viewerStatus(t testing.TB, n *liveNode) (ViewerInfo, float64) {
	t.Helper()
	status, body, _ := post(t, n, "GET", "/api/topics/cam", "")
	var ti TopicInfo
	if err := json.Unmarshal([]byte(body), &ti); status != http.StatusOK || err != nil {
		t.Fatalf("/api/topics/cam: %d %q %v", status, body, err)
	}
	if len(ti.Viewers) != 1 {
		return ViewerInfo{}, ti.Bitrate
	}
	return ti.Viewers[0], ti.Bitrate
}

// newRichNode is a live node of a 320x240 30 fps test pattern (GOP 30)
// encoded at a low CRF: a stream of a few Mbit/s, as a camera's.
func newRichNode(t testing.TB, cfg Config) *liveNode {
	t.Helper()
	return newNode(t, cfg, "testsrc size=320x240 rate=30 ! h264enc gop=30 rate=30 crf=8 ! publish topic=/cam", "/cam")
}

// streamBitrate waits for n's /cam to have a measured bitrate and returns
// it, in bits per second.
func streamBitrate(t testing.TB, n *liveNode) float64 {
	t.Helper()
	var rate float64
	waitFor(t, 30*time.Second, "the stream's bitrate over 3 s", func() bool {
		st, err := n.bus.Stats("/cam")
		rate = st.ByteRate * 8
		return err == nil && rate > 0 && st.Published > 3*30
	})
	return rate
}

// linkSample is what a viewer's link carried over a while: the bits/s the
// node put on it, and the viewer's packets, those it missed, and its
// keyframe packets.
type linkSample struct {
	sent                  float64
	packets, missed, keys uint64
}

// sampleLink measures viewer host i's link, whose viewer counts got, for d.
func sampleLink(l *virtualLink, i int, got *pictureCount, d time.Duration) linkSample {
	sent0, pk0, miss0, keys0, at0 := l.sent[i].Load(), got.packets.Load(), got.missed.Load(), got.keys.Load(), time.Now()
	time.Sleep(d)
	return linkSample{sent: float64(l.sent[i].Load()-sent0) * 8 / time.Since(at0).Seconds(),
		packets: got.packets.Load() - pk0, missed: got.missed.Load() - miss0, keys: got.keys.Load() - keys0}
}

// loss is the share of the packets the viewer missed.
func (s linkSample) loss() float64 { return float64(s.missed) / float64(max(1, s.packets+s.missed)) }

// A viewer on a link that carries a third of the stream is estimated below
// the stream's bitrate, paced to the estimate, and thinned at the node, so
// that what the node puts on the link stays near what the link carries,
// little is lost on it, far less than by a viewer the node does not pace
// on the same link, and the viewer keeps receiving whole keyframes.
func TestAWebRTCViewerOnASlowLinkIsPacedToItsEstimateAndThinned(t *testing.T) {
	l := newVirtualLink(t)
	n := newRichNode(t, Config{KeepIP: notLoopback, WebRTCSettings: l.nodeSettings})
	stream := streamBitrate(t, n)
	rate := int(stream / 3)
	l.limit(rate)
	pc, tracks := l.newViewer(t)
	joined := time.Now()
	_, tr := joinWith(t, n, pc, tracks)
	var got pictureCount
	got.read(t, tr)

	var v ViewerInfo
	waitFor(t, 60*time.Second, "the estimate below the stream's bitrate", func() bool {
		v, stream = viewerStatus(t, n)
		return v.Estimate > 0 && float64(v.Estimate) < stream
	})
	t.Logf("link %d bit/s, stream %.0f bit/s: estimate %d bit/s", rate, stream, v.Estimate)
	waitFor(t, 60*time.Second, "the viewer thinned at the node", func() bool {
		v, _ = viewerStatus(t, n)
		return v.KeyframesOnly || v.Dropping
	})
	paced := sampleLink(l, 0, &got, 10*time.Second)
	v, _ = viewerStatus(t, n)
	t.Logf("paced, over 10 s: %+v; status %+v", paced, v)
	if paced.sent > 1.5*float64(rate) {
		t.Errorf("the node sent %.0f bit/s on a link of %d bit/s: want its writes paced to the link's estimate", paced.sent, rate)
	}
	if paced.packets == 0 || paced.keys == 0 {
		t.Errorf("the viewer got %d packets, %d of keyframes, in 10 s: want whole keyframes through the slow link", paced.packets, paced.keys)
	}
	// The topic drops whole rests of GOPs for the viewer, and resumes it at
	// a keyframe: its picture is not broken, and the encoder is asked for a
	// keyframe no more than the viewer's picture loss reports are answered
	// (at most once a second).
	st, _ := n.bus.Stats("/cam")
	if limit := uint64(time.Since(joined).Seconds()) + 1; st.KeyframeRequestsForwarded > limit {
		t.Errorf("%d keyframe requests reached the encoder in %v: want at most one a second", st.KeyframeRequestsForwarded, time.Since(joined))
	}

	// The same link, to a viewer that sends no transport-wide feedback.
	pc2, tracks2 := l.newUnpacedViewer(t)
	_, tr2 := joinWith(t, n, pc2, tracks2)
	var got2 pictureCount
	got2.read(t, tr2)
	unpaced := sampleLink(l, 1, &got2, 3*time.Second)
	t.Logf("unpaced, its first 3 s: %+v", unpaced)
	if paced.loss() > 0.2 || paced.loss() > unpaced.loss()/2 {
		t.Errorf("the paced viewer missed %.0f%% of its packets, the unpaced one %.0f%%: want the paced one under 20%% and half the other's",
			100*paced.loss(), 100*unpaced.loss())
	}
}

// A viewer on a link faster than the stream is estimated above it and
// sent the whole stream: never thinned.
func TestAWebRTCViewerOnAFastLinkIsNotThinned(t *testing.T) {
	l := newVirtualLink(t)
	n := newRichNode(t, Config{KeepIP: notLoopback, WebRTCSettings: l.nodeSettings})
	pc, tracks := l.newViewer(t)
	_, tr := joinWith(t, n, pc, tracks)
	var got pictureCount
	got.read(t, tr)
	var v ViewerInfo
	var stream float64
	waitFor(t, 30*time.Second, "an estimate", func() bool {
		v, stream = viewerStatus(t, n)
		return v.Estimate > 0 && stream > 0
	})
	d0, highest, thinned := got.deltas.Load(), 0, 0
	for end := time.Now().Add(8 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		v, stream = viewerStatus(t, n)
		highest = max(highest, v.Estimate)
		if v.KeyframesOnly {
			thinned++
		}
	}
	deltas := got.deltas.Load() - d0
	t.Logf("stream %.0f bit/s: status %+v, highest estimate %d bit/s; %d delta packets in 8 s", stream, v, highest, deltas)
	if float64(highest) < stream || thinned > 0 {
		t.Errorf("a viewer on an unlimited link: estimate %d bit/s at most, of a stream of %.0f; keyframes only in %d samples of 16; "+
			"want an estimate above the stream and the whole stream", highest, stream, thinned)
	}
	if deltas < 8*20 {
		t.Errorf("%d delta packets in 8 s of a 30 fps stream: want the whole stream", deltas)
	}
}

// The answer negotiates transport-wide congestion control for the video:
// the TWCC header extension and transport-cc feedback, which a browser's
// receiver then sends.
func TestTheAnswerNegotiatesTransportWideCongestionControl(t *testing.T) {
	n := newLiveNode(t, Config{})
	status, answer, _ := post(t, n, "POST", "/whep/cam", offerSDP(t), sdpType)
	if status != http.StatusCreated {
		t.Fatalf("offer: %d %q", status, answer)
	}
	for _, want := range []string{" transport-cc", "a=extmap:", sdp.TransportCCURI} {
		if !strings.Contains(answer, want) {
			t.Errorf("the answer lacks %q:\n%s", want, answer)
		}
	}
}
