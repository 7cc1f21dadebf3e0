package testrtsp

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"
)

// UDPCamera is an RTSP server (gortsplib's) that sends RTP over UDP, or
// over TCP when a client asks: the test writes each packet (Send), and so
// decides which never arrive.
type UDPCamera struct {
	server *gortsplib.Server
	stream *gortsplib.ServerStream
	// Playing is closed at the client's PLAY.
	Playing chan struct{}
	// Setups gets each SETUP's transport (the first 8 not taken).
	Setups    chan gortsplib.Transport
	refuseTCP atomic.Int32 // the status a SETUP over TCP is answered, 0: none
	played    atomic.Bool
}

// StartUDPCamera serves a stream of forma's H.264 on loopback, its RTP over
// UDP from a pair of free ports, until the test ends.
func StartUDPCamera(t testing.TB, forma *format.H264) *UDPCamera {
	t.Helper()
	c := &UDPCamera{Playing: make(chan struct{}), Setups: make(chan gortsplib.Transport, 8)}
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
	return c
}

// URL is the camera's stream.
func (c *UDPCamera) URL() string { return "rtsp://" + c.server.RTSPAddress + "/cam" }

// RefuseTCP makes the camera answer a SETUP over TCP 461 Unsupported
// Transport, as a camera that sends RTP over UDP only.
func (c *UDPCamera) RefuseTCP() { c.RefuseTCPWith(base.StatusUnsupportedTransport) }

// RefuseTCPWith makes the camera answer a SETUP over TCP with status, as a
// camera or relay that sends RTP over UDP only and says so otherwise than
// with 461 (400 Bad Request, 500).
func (c *UDPCamera) RefuseTCPWith(status base.StatusCode) { c.refuseTCP.Store(int32(status)) }

// Send sends an RTP packet to the clients that play.
func (c *UDPCamera) Send(p *rtp.Packet) error {
	return c.stream.WritePacketRTP(c.stream.Desc.Medias[0], p)
}

func (c *UDPCamera) OnDescribe(*gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

func (c *UDPCamera) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	select {
	case c.Setups <- ctx.Transport:
	default:
	}
	if status := c.refuseTCP.Load(); status != 0 && ctx.Transport == gortsplib.TransportTCP {
		return &base.Response{StatusCode: base.StatusCode(status)}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

func (c *UDPCamera) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	if !c.played.Swap(true) {
		close(c.Playing)
	}
	return &base.Response{StatusCode: base.StatusOK}, nil
}
