package web

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// seqCount counts what a viewer receives of a track by sequence number:
// the bytes of each packet's first arrival and of its repeats (resends),
// how often each arrived, and the latest sequence number.
type seqCount struct {
	mu                    sync.Mutex
	times                 map[uint16]int
	firstBytes, dupBytes  int
	firstPackets, highest uint16
	started               bool
}

func (c *seqCount) read(tr *webrtc.TrackRemote) {
	c.times = map[uint16]int{}
	go func() {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			c.mu.Lock()
			c.times[pkt.SequenceNumber]++
			if c.times[pkt.SequenceNumber] > 1 {
				c.dupBytes += pkt.MarshalSize()
			} else {
				c.firstBytes += pkt.MarshalSize()
				c.firstPackets++
			}
			if !c.started || pkt.SequenceNumber-c.highest < 1<<15 {
				c.highest, c.started = pkt.SequenceNumber, true
			}
			c.mu.Unlock()
		}
	}()
}

// storm asks for the last resendWindow packets received, again and again.
func (c *seqCount) storm() []uint16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		return nil
	}
	return seqs(c.highest-resendWindow+1, resendWindow)
}

// newBareReceiver is a pion viewer with no interceptors: it sends no NACKs
// or reports of its own, and sees every packet the node sends, resends
// too, as it arrives.
func newBareReceiver(t *testing.T) (*webrtc.PeerConnection, chan *webrtc.TrackRemote) {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: h264Codec, PayloadType: 102}, webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	se, err := viewerAPI{keepIP: LoopbackOnly}.settings()
	if err != nil {
		t.Fatal(err)
	}
	se.DisableSRTPReplayProtection(true) // a resend is a replay of what arrived, to SRTP
	return receiverOf(t, webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)))
}

// A hostile viewer that names every packet it was sent in a NACK every
// 10 ms is resent each packet twice at most, and no more bytes than a
// quarter of what it is sent and resendBurst: the node's NACK answers are
// bounded, counted, and the viewer keeps receiving the live stream.
func TestAViewersStormOfNACKsIsAnsweredBoundedly(t *testing.T) {
	n := newRichNode(t, Config{})
	pc, tracks := newBareReceiver(t)
	_, tr := joinWith(t, n, pc, tracks)
	var got seqCount
	got.read(tr)
	waitFor(t, 20*time.Second, "the first packets", func() bool { return got.storm() != nil })

	var live uint16
	lastSecond := false
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
		nack := &rtcp.TransportLayerNack{MediaSSRC: uint32(tr.SSRC()), Nacks: rtcp.NackPairsFromSequenceNumbers(got.storm())}
		if err := pc.WriteRTCP([]rtcp.Packet{nack}); err != nil {
			t.Fatal(err)
		}
		if !lastSecond && time.Until(end) < time.Second {
			lastSecond = true
			got.mu.Lock()
			live = got.firstPackets
			got.mu.Unlock()
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the last resends arrive
	v, _ := viewerStatus(t, n)
	got.mu.Lock()
	defer got.mu.Unlock()
	t.Logf("first arrivals %d packets, %d bytes; repeats %d bytes; status %+v", got.firstPackets, got.firstBytes, got.dupBytes, v)
	if bound := resendShare*float64(got.firstBytes)*1.02 + resendBurst; float64(got.dupBytes) > bound {
		t.Errorf("the node resent %d bytes of %d sent: want %.0f at most (a quarter, and resendBurst)", got.dupBytes, got.firstBytes, bound)
	}
	for seq, times := range got.times {
		if times > 1+maxResends {
			t.Errorf("packet %d arrived %d times: want it resent %d times at most", seq, times, maxResends)
		}
	}
	if got.firstPackets == live {
		t.Errorf("no new packet in the storm's last second: want the live stream to go on")
	}
	if v.Resent == 0 || v.ResendsRefused == 0 {
		t.Errorf("status %+v: want the resends and the refusals counted", v)
	}
}

// dropEvery is an interceptor of a viewer's own that loses the first
// arrival of every nth packet, before the viewer's NACK generator sees it,
// as a lossy link would.
type dropEvery struct {
	interceptor.NoOp
	n       uint16
	mu      sync.Mutex
	dropped map[uint16]bool
}

func (d *dropEvery) NewInterceptor(string) (interceptor.Interceptor, error) { return d, nil }

func (d *dropEvery) BindRemoteStream(_ *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		for {
			n, attr, err := r.Read(b, a)
			if err != nil {
				return n, attr, err
			}
			var h rtp.Header
			if _, err := h.Unmarshal(b[:n]); err != nil || h.SequenceNumber%d.n != 0 || !d.drop(h.SequenceNumber) {
				return n, attr, nil
			}
		}
	})
}

// drop reports whether seq's arrival is the first, and books it dropped.
func (d *dropEvery) drop(seq uint16) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.dropped[seq]; ok {
		return false
	}
	d.dropped[seq] = true
	return true
}

// A viewer that loses a packet now and then asks for it with a NACK, as
// browsers do, and is resent it.
func TestALossyViewerIsResentTheNACKedPackets(t *testing.T) {
	n := newLiveNode(t, Config{})
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: h264Codec, PayloadType: 102}, webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	loss := &dropEvery{n: 20, dropped: map[uint16]bool{}}
	ir := &interceptor.Registry{}
	ir.Add(loss) // first: the NACK generator reads after it
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		t.Fatal(err)
	}
	se, err := viewerAPI{keepIP: LoopbackOnly}.settings()
	if err != nil {
		t.Fatal(err)
	}
	se.DisableSRTPReplayProtection(true) // a resend is a replay of what arrived, to SRTP
	pc, tracks := receiverOf(t, webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)))
	_, tr := joinWith(t, n, pc, tracks)
	var got seqCount
	got.read(tr)
	waitFor(t, 30*time.Second, "ten dropped packets resent", func() bool {
		loss.mu.Lock()
		defer loss.mu.Unlock()
		got.mu.Lock()
		defer got.mu.Unlock()
		resent := 0
		for seq := range loss.dropped {
			if got.times[seq] > 0 {
				resent++
			}
		}
		return resent >= 10 && resent >= len(loss.dropped)*3/4
	})
}
