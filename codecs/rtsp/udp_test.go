package rtsp

import (
	"fmt"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testrtsp"
)

// Over UDP, a delta that never arrives and a keyframe that lost one of its
// packets: nothing is handed on from the loss to the next whole keyframe,
// each picture left out is counted, and every packet handed on decodes.
func TestReaderLeavesOutWhatUDPLost(t *testing.T) {
	units := testrtsp.Clip(t, 75, 25) // keyframes at 0, 25, 50
	forma := &format.H264{PayloadTyp: 96, PacketizationMode: 1}
	cam := testrtsp.StartUDPCamera(t, forma)
	r := mustOpen(t, cam.URL(), WithTransport("udp"))
	<-cam.Playing

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
				if err := cam.Send(p); err != nil {
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

// Unless told otherwise, RTP comes over the RTSP connection: over UDP, the
// RTSP client holds back what follows a lost packet until 64 more came. A
// camera that refuses TCP is read over UDP.
func TestReaderTakesRTPOverTCPUnlessTheCameraRefusesIt(t *testing.T) {
	units := testrtsp.Clip(t, 10, 25)
	forma := &format.H264{PayloadTyp: 96, PacketizationMode: 1}
	for _, refusal := range []base.StatusCode{0, base.StatusUnsupportedTransport, base.StatusBadRequest, base.StatusInternalServerError} {
		refuseTCP := refusal != 0
		cam := testrtsp.StartUDPCamera(t, forma)
		if refuseTCP {
			cam.RefuseTCPWith(refusal)
		}
		r := mustOpen(t, cam.URL())
		<-cam.Playing
		var setups []gortsplib.Transport
		for len(cam.Setups) > 0 {
			setups = append(setups, <-cam.Setups)
		}
		want := []gortsplib.Transport{gortsplib.TransportTCP}
		if refuseTCP {
			want = []gortsplib.Transport{gortsplib.TransportTCP, gortsplib.TransportUDP}
		}
		if fmt.Sprint(setups) != fmt.Sprint(want) {
			t.Errorf("camera refusing TCP with %d: SETUPs over %v, want %v", refusal, setups, want)
		}
		enc, err := forma.CreateEncoder()
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for i, au := range units {
				pkts, err := enc.Encode(au)
				if err != nil {
					return
				}
				for _, p := range pkts {
					p.Timestamp = uint32(i * 3600)
					if cam.Send(p) != nil {
						return
					}
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		if p, err := readWithin(t, r, 10*time.Second); err != nil || !p.Key {
			t.Fatalf("camera refusing TCP %v: %v, %v", refuseTCP, p, err)
		}
	}
}
