package rtsp

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/internal/testrtsp"
)

// sessionText is what ffmpeg -f rtp -sdp_file writes of H.264 sent to
// port, its parameter sets in sprop-parameter-sets when sps is given.
func sessionText(addr string, port int, encoding string, sps, pps []byte) []byte {
	text := "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nc=IN IP4 " + addr + "\r\nt=0 0\r\n" +
		"m=video " + strconv.Itoa(port) + " RTP/AVP 96\r\na=rtpmap:96 " + encoding + "/90000\r\n"
	if sps != nil {
		text += "a=fmtp:96 packetization-mode=1; sprop-parameter-sets=" + base64.StdEncoding.EncodeToString(sps) + "," +
			base64.StdEncoding.EncodeToString(pps) + "\r\n"
	}
	return []byte(text)
}

// A sender whose keyframes come without SPS and PPS, which its session
// description carries: the stream decodes from the description's, put in
// front of each keyframe, whatever address its c= line names.
func TestListenSessionTakesTheParameterSetsOfTheDescription(t *testing.T) {
	units := testrtsp.Clip(t, 10, 5)
	sps, pps := units[0][0], units[0][1]
	for i, au := range units {
		units[i] = slicesOnly(au)
	}
	port := freePort(t)
	text := sessionText("10.99.0.1", port, "H264", sps, pps) // the sender's address, not the receiver's
	s := newSender(t, port)
	r := openSending(t, s, units[0], func() (*Reader, error) { return ListenSession("cam.sdp", text, WithTimeout(0)) })
	p, err := readWithin(t, r, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nalus, _ := h264.SplitAnnexB(p.Data)
	if !p.Key || h264.TypeOf(nalus[0]) != h264.NALUTypeSPS || p.Width != 160 {
		t.Fatalf("first packet: key %v, %dx%d, NAL units % x", p.Key, p.Width, p.Height, nalus)
	}
}

// A description this reader does not take is ErrNotH264, naming it.
func TestListenSessionOfAnotherCodecNamesIt(t *testing.T) {
	for text, says := range map[string]string{
		string(sessionText("127.0.0.1", freePort(t), "H265", nil, nil)): "H265",
		"v=0\r\nm=audio 5002 RTP/AVP 0\r\n":                             "no video stream",
		"not a session description":                                     "cam.sdp",
	} {
		_, err := ListenSession("cam.sdp", []byte(text), WithTimeout(100*time.Millisecond))
		if !errors.Is(err, ErrNotH264) || !strings.Contains(err.Error(), says) {
			t.Errorf("%q: %v; want ErrNotH264 saying %q", text, err, says)
		}
	}
}

// FuzzDescribedStream reads session descriptions of any bytes: an error or
// an address with a port and an H.264 format, never a panic.
func FuzzDescribedStream(f *testing.F) {
	f.Add(sessionText("127.0.0.1", 5004, "H264", []byte{0x67, 0x42}, []byte{0x68}))
	f.Add(sessionText("239.1.2.3", 5004, "H265", nil, nil))
	f.Add([]byte("v=0\r\nm=video 0 RTP/AVP\r\n"))
	f.Add(append(sessionText("239.1.2.3", 5004, "H264", nil, nil), "a=source-filter: incl IN IP4 * 10.0.0.5 10.0.0.6\r\n"...))
	f.Fuzz(func(t *testing.T, text []byte) {
		addr, forma, _, err := describedStream(text)
		if err == nil && (addr == nil || forma == nil) {
			t.Fatalf("no error, address %v, format %v", addr, forma)
		}
	})
}

// A description's source filters (RFC 4570), of the session and of its
// stream, keep the stream to the senders they include, as FFmpeg's sdp
// demuxer takes them: a stray whose packets come first is left out, named
// once saying the source-filter left it out.
func TestListenSessionKeepsToTheSendersOfItsSourceFilter(t *testing.T) {
	checkPinnedSender(t, "source-filter (sources=127.0.0.2&block=127.0.0.3)", func(port int, opts ...Option) (*Reader, error) {
		text := strings.Replace(string(sessionText("127.0.0.1", port, "H264", nil, nil)), "t=0 0\r\n",
			"t=0 0\r\na=source-filter: excl IN IP4 * 127.0.0.3\r\n", 1) +
			"a=source-filter: incl IN IP4 127.0.0.1 127.0.0.2\r\n"
		return ListenSession("cam.sdp", []byte(text), opts...)
	})
}

// A source filter that names a host, not an address, is left to FFmpeg's
// sdp demuxer, which resolves it (ErrNotH264); a line of another mode is
// passed over, as FFmpeg passes it over.
func TestSourceFilterOfADescription(t *testing.T) {
	for _, c := range []struct {
		lines, want string
		bad         bool
	}{
		{"a=source-filter: incl IN IP4 * 10.0.0.5 10.0.0.6\r\n", "sources=10.0.0.5,10.0.0.6", false},
		{"a=source-filter: excl IN IP6 ff15::1 fd00::9\r\n", "block=fd00::9", false},
		{"a=source-filter: some IN IP4 * 10.0.0.5\r\n", "", false},
		{"a=source-filter: incl IN IP4 * robot1.local\r\n", `names "robot1.local", not an IP address`, true},
	} {
		_, _, f, err := describedStream(append(sessionText("239.1.2.3", 5004, "H264", nil, nil), c.lines...))
		switch {
		case c.bad && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q: %v, want an error saying %q", c.lines, err, c.want)
		case !c.bad && (err != nil || f.String() != c.want):
			t.Errorf("%q: %q, %v; want %q", c.lines, f, err, c.want)
		}
	}
}
