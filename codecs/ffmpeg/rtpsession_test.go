package ffmpeg

import (
	"encoding/base64"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The session description names the port, the payload type and the
// encoding, with JPEG on its static payload type unless told otherwise.
func TestRTPSessionDescriptionOfALocation(t *testing.T) {
	for _, c := range []struct {
		location string
		payload  int
		encoding string
		want     []string
	}{
		{"rtp://127.0.0.1:5000", 0, "", []string{"c=IN IP4 127.0.0.1\r\n", "m=video 5000 RTP/AVP 96\r\n", "a=rtpmap:96 H264/90000\r\n"}},
		{"rtp://0.0.0.0:5004", 98, "H265", []string{"m=video 5004 RTP/AVP 98\r\n", "a=rtpmap:98 H265/90000\r\n"}},
		{"rtp://@:5000", 0, "JPEG", []string{"c=IN IP4 0.0.0.0\r\n", "m=video 5000 RTP/AVP 26\r\n", "a=rtpmap:26 JPEG/90000\r\n"}},
		{"rtp://:5000", 96, "JPEG", []string{"c=IN IP4 0.0.0.0\r\n", "a=rtpmap:96 JPEG/90000\r\n"}},
		{"rtp://[::1]:5000", 0, "", []string{"c=IN IP6 ::1\r\n", "m=video 5000 RTP/AVP 96\r\n"}},
		{"rtp://239.1.1.1:5000", 0, "", []string{"c=IN IP4 239.1.1.1\r\n"}},
	} {
		s, err := newRTPSession(c.location, c.payload, c.encoding)
		if err != nil {
			t.Fatalf("%s: %v", c.location, err)
		}
		d := s.description()
		if !strings.HasPrefix(d, "v=0\r\n") {
			t.Errorf("%s: description does not open with v=0: %q", c.location, d)
		}
		for _, w := range c.want {
			if !strings.Contains(d, w) {
				t.Errorf("%s: description %q lacks %q", c.location, d, w)
			}
		}
	}
}

// A location without an IP address and a port is an error that says
// what an RTP location is.
func TestRTPSessionRefusesALocationWithoutIPAndPort(t *testing.T) {
	for _, loc := range []string{"rtp://camera.local:5000", "rtp://127.0.0.1", "rtp://127.0.0.1:0", "rtp://127.0.0.1:70000", "rtp://127.0.0.1:x", "rtp://127.0.0.1:5000?localport=5000"} {
		_, err := newRTPSession(loc, 0, "")
		if !errors.Is(err, ErrBadOption) || !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "rtp://IP:PORT") {
			t.Errorf("%s: err = %v, want ErrBadOption saying rtp://IP:PORT", loc, err)
		}
	}
}

// A location's sources= and block= are read as FFmpeg's rtp:// URLs take
// them, into the hosts its front lets through; one that names no address
// is an error naming the option.
func TestRTPSessionReadsTheSendersOfItsLocation(t *testing.T) {
	s, err := newRTPSession("rtp://239.1.1.1:5000?sources=10.0.0.5,10.0.0.6&block=10.0.0.9", 0, "")
	if err != nil || s.filter.String() != "sources=10.0.0.5,10.0.0.6&block=10.0.0.9" || s.host != "239.1.1.1" || s.port != 5000 {
		t.Fatalf("%+v, %v", s, err)
	}
	_, err = newRTPSession("rtp://239.1.1.1:5000?sources=robot1", 0, "")
	if !errors.Is(err, ErrBadOption) || !strings.Contains(err.Error(), `sources=: "robot1" is not an IP address`) {
		t.Fatalf("sources=robot1: %v", err)
	}
}

// WithRTPSession takes H264, H265 and JPEG in any case and payload types
// of 0 to 127; anything else is a bad option.
func TestWithRTPSessionChecksEncodingAndPayload(t *testing.T) {
	for _, c := range []struct {
		payload  int
		encoding string
		ok       bool
	}{
		{0, "", true}, {96, "h264", true}, {127, "H265", true}, {26, "jpeg", true},
		{0, "vp8", false}, {0, "mjpeg", false}, {128, "H264", false}, {-1, "H264", false},
	} {
		var cfg readerConfig
		err := WithRTPSession(c.payload, c.encoding)(&cfg)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrBadOption)) {
			t.Errorf("WithRTPSession(%d, %q) = %v, want ok %v", c.payload, c.encoding, err, c.ok)
		}
		if err == nil && cfg.rtpEncoding != strings.ToUpper(c.encoding) && c.encoding != "" {
			t.Errorf("WithRTPSession(%d, %q) set encoding %q", c.payload, c.encoding, cfg.rtpEncoding)
		}
	}
}

// The input FFmpeg opens is the description as a data: URL, through
// data, udp and rtp, with the I/O timeout as the sdp demuxer's
// listen_timeout; options the caller gave win, and the rtp demuxer's
// timeout that gopline added is dropped (the sdp demuxer has none).
func TestRTPSessionInputIsADataURLWithTheTimeout(t *testing.T) {
	s, err := newRTPSession("rtp://127.0.0.1:5000", 0, "")
	if err != nil {
		t.Fatal(err)
	}
	url, format, opts := s.input(map[string]string{"timeout": "3000000"}, nil, 1500*time.Millisecond, "timeout")
	data, ok := strings.CutPrefix(url, "data:application/sdp;base64,")
	if !ok {
		t.Fatalf("url %q is not an SDP data: URL", url)
	}
	if sdp, err := base64.StdEncoding.DecodeString(data); err != nil || string(sdp) != s.description() {
		t.Fatalf("data: URL holds %q (%v), want the description", sdp, err)
	}
	if format == nil || format.Name() != "sdp" {
		t.Fatalf("format %v, want sdp", format)
	}
	want := map[string]string{"protocol_whitelist": "data,udp,rtp", "listen_timeout": "1.5"}
	if len(opts) != len(want) || opts["protocol_whitelist"] != want["protocol_whitelist"] || opts["listen_timeout"] != want["listen_timeout"] {
		t.Fatalf("options %v, want %v", opts, want)
	}
	given := map[string]string{"listen_timeout": "9", "protocol_whitelist": "data,udp,rtp,crypto", "timeout": "1"}
	_, _, opts = s.input(given, given, time.Second, "timeout")
	if opts["listen_timeout"] != "9" || opts["protocol_whitelist"] != "data,udp,rtp,crypto" || opts["timeout"] != "1" {
		t.Fatalf("options %v, want the caller's", opts)
	}
	if _, _, opts = s.input(nil, nil, 0, "timeout"); opts["listen_timeout"] != "-1" {
		t.Fatalf("no timeout: listen_timeout %q, want -1 (for ever)", opts["listen_timeout"])
	}
}

// An rtp:// port whose next port (its sender's RTCP, which rtpFront
// hands to FFmpeg's receiver) or itself is taken fails the open naming
// the taken port, not as a sender's bad data, nor as a port nothing
// arrives at.
func TestRTPReaderSaysWhichPortIsTaken(t *testing.T) {
	for _, taken := range []int{1, 0} {
		var port int
		var hold net.PacketConn
		for range 20 { // an even port whose next is free to take
			c, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port = c.LocalAddr().(*net.UDPAddr).Port
			c.Close()
			if hold, err = net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port+taken)); err == nil && port < 65535 {
				break
			}
		}
		if hold == nil {
			t.Fatal("no port to take")
		}
		_, err := OpenReader("rtp://127.0.0.1:"+strconv.Itoa(port), WithIOTimeout(time.Second))
		hold.Close()
		want := []string{"its port, " + strconv.Itoa(port), "RTCP, " + strconv.Itoa(port+1)}[taken]
		if !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "is taken") {
			t.Errorf("port+%d taken: %v; want ErrOpen saying %q is taken", taken, err, want)
		}
	}
}
