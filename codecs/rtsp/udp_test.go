package rtsp

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testrtsp"
)

// udpCamera is an RTSP server that sends RTP over UDP (gortsplib's): the
// test decides which packets never arrive.
type udpCamera struct {
	server  *gortsplib.Server
	stream  *gortsplib.ServerStream
	playing chan struct{}
}

func (c *udpCamera) OnDescribe(*gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

func (c *udpCamera) OnSetup(*gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

func (c *udpCamera) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	close(c.playing)
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// startUDPCamera serves a stream of H.264 on loopback, its RTP over UDP
// from a pair of free ports, and returns its URL.
func startUDPCamera(t *testing.T, forma *format.H264) (*udpCamera, string) {
	t.Helper()
	c := &udpCamera{playing: make(chan struct{})}
	for try := 0; ; try++ {
		port := 20000 + 2*rand.IntN(20000)
		c.server = &gortsplib.Server{Handler: c, RTSPAddress: fmt.Sprintf("127.0.0.1:%d", port+2),
			UDPRTPAddress: fmt.Sprintf("127.0.0.1:%d", port), UDPRTCPAddress: fmt.Sprintf("127.0.0.1:%d", port+1)}
		err := c.server.Start()
		if err == nil {
			break
		}
		if try == 20 {
			t.Fatal(err)
		}
	}
	t.Cleanup(c.server.Close)
	medi := &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{forma}}
	c.stream = &gortsplib.ServerStream{Server: c.server, Desc: &description.Session{Medias: []*description.Media{medi}}}
	if err := c.stream.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.stream.Close)
	return c, "rtsp://" + c.server.RTSPAddress + "/cam"
}

// Over UDP, a delta that never arrives and a keyframe that lost one of its
// packets: nothing is handed on from the loss to the next whole keyframe,
// each picture left out is counted, and every packet handed on decodes.
func TestReaderLeavesOutWhatUDPLost(t *testing.T) {
	units := testrtsp.Clip(t, 75, 25) // keyframes at 0, 25, 50
	forma := &format.H264{PayloadTyp: 96, PacketizationMode: 1}
	cam, url := startUDPCamera(t, forma)
	r := mustOpen(t, url, WithTransport("udp"))
	<-cam.playing

	enc, err := forma.CreateEncoder()
	if err != nil {
		t.Fatal(err)
	}
	keyPackets := make(chan int, 1)
	go func() {
		for i, au := range units {
			pkts, err := enc.Encode(au)
			if err != nil {
				t.Error(err)
				return
			}
			if i == 25 {
				keyPackets <- len(pkts)
			}
			for k, p := range pkts {
				p.Timestamp = uint32(i * 3600)
				if i == 7 || (i == 25 && k == len(pkts)/2) {
					continue // lost
				}
				if err := cam.stream.WritePacketRTP(cam.stream.Desc.Medias[0], p); err != nil {
					return
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()

	dec, err := ffmpeg.NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var keys int
	for n := range 7 + 25 { // 0 to 6, then the GOP at 50
		p, err := readWithin(t, r, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if p.Key {
			keys++
		}
		if p.Seq != uint64(n) || p.Key != (n == 0 || n == 7) {
			t.Fatalf("packet %d: seq %d key %v", n, p.Seq, p.Key)
		}
		if _, err := dec.Decode(p); err != nil {
			t.Fatalf("packet %d: %v", n, err)
		}
	}
	if n := <-keyPackets; n < 2 {
		t.Fatalf("the keyframe came in %d packets; the test loses one in its middle", n)
	}
	// Left out: 8 to 49, all that came of the 75 but the 32 handed on and
	// picture 7, which never came.
	if st := r.Stats(); st.Damaged != 75-32-1 || st.LostPackets != 2 || st.BeforeKeyframe != 0 {
		t.Fatalf("stats %+v; want %d pictures left out, 2 packets lost", st, 75-32-1)
	}
}
