package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/bidi"
	"github.com/gopline/gopline/internal/firefox"
)

// firefoxCall bounds one BiDi command, a page's load included, on a loaded
// machine.
const firefoxCall = time.Minute

// firefoxPage is a tab of a headless Firefox driven over WebDriver BiDi.
type firefoxPage struct {
	browser *firefox.Browser
	tab     bidi.Tab
}

func (p firefoxPage) navigate(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), firefoxCall)
	defer cancel()
	return p.browser.Navigate(ctx, p.tab, url)
}

func (p firefoxPage) eval(expr string, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), firefoxCall)
	defer cancel()
	return p.browser.Evaluate(ctx, p.tab, expr, out)
}

// newFirefoxPage starts a headless Firefox of the test's own, which the
// test's cleanup closes, and opens a tab; it skips the test when there is
// no Firefox, unless make test runs it.
func newFirefoxPage(t *testing.T) firefoxPage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*firefoxCall)
	defer cancel()
	b, err := firefox.Start(ctx)
	if errors.Is(err, firefox.ErrMissing) && os.Getenv(requireBrowserEnv) == "" {
		t.Skip(err.Error() + " (make test installs it)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	tab, err := b.NewTab(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return firefoxPage{browser: b, tab: tab}
}

// playsH264 says whether the browser offers H.264 to receive over WebRTC.
func playsH264(t *testing.T, p page) bool {
	t.Helper()
	var ok bool
	if err := p.eval(`RTCRtpReceiver.getCapabilities("video").codecs.some((c) => c.mimeType.toLowerCase() === "video/h264")`, &ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// checkSaysWhyNot checks that a page that cannot play the topic says so,
// in words that hold each of want, in its stats and under its tile, and
// asks the node for no session.
func checkSaysWhyNot(t *testing.T, n *liveNode, p page, want ...string) {
	t.Helper()
	var st pageStats
	waitFor(t, 20*time.Second, "message from the page", func() bool {
		st = readStats(t, p)
		return st.Error != nil || st.FramesPainted > 0
	})
	if st.Error == nil {
		t.Fatalf("the page painted %d frames and says nothing, want it to say why it cannot play", st.FramesPainted)
	}
	for _, w := range want {
		if !strings.Contains(*st.Error, w) {
			t.Fatalf("the page says %q, want it to say %q", *st.Error, w)
		}
	}
	t.Logf("the page says: %s", *st.Error)
	waitFor(t, 5*time.Second, "page's error under the tile's black picture", func() bool {
		return strings.Contains(tileCaption(t, p), *st.Error)
	})
	n.handler.mu.Lock()
	defer n.handler.mu.Unlock()
	if len(n.handler.sessions) != 0 {
		t.Errorf("the page made %d WHEP sessions it cannot play", len(n.handler.sessions))
	}
}

// Firefox receives H.264 over WebRTC only with its OpenH264 plugin (or
// hardware decoding it allows for WebRTC on Android and macOS), which it
// downloads from Mozilla on its own; Debian packages no such plugin, and a
// Firefox without the network has none. Without it the page plays the
// topic over the WebSocket with WebCodecs, which decode H.264 through the
// system's FFmpeg; with it, over WebRTC. Either way it must show the live
// picture as it does in Chromium.
func TestFirefoxShowsTheLivePicture(t *testing.T) {
	n := newLiveNode(t, Config{})
	p := newFirefoxPage(t)
	if err := p.navigate(n.server.URL + "/view?topic=/cam"); err != nil {
		t.Fatal(err)
	}
	if playsH264(t, p) {
		checkLivePicture(t, n, p, "", "webrtc")
		return
	}
	t.Log("this Firefox offers no H.264 to receive over WebRTC (no OpenH264 plugin): checking the WebSocket viewer")
	checkLivePicture(t, n, p, "", "websocket")
}

// A Firefox without H.264 in its WebRTC, made to use it, says why under
// the tile rather than show a silent black one, and asks for no session.
func TestFirefoxWithoutOpenH264SaysWhyOverWebRTC(t *testing.T) {
	n := newLiveNode(t, Config{})
	p := newFirefoxPage(t)
	if err := p.navigate(n.server.URL + "/view?topic=/cam&transport=webrtc"); err != nil {
		t.Fatal(err)
	}
	if playsH264(t, p) {
		t.Skip("this Firefox has H.264 in its WebRTC (its OpenH264 plugin): TestFirefoxShowsTheLivePicture plays it")
	}
	checkSaysWhyNot(t, n, p, "H.264", "OpenH264")
}

func TestFirefoxTopicPageListsTopics(t *testing.T) {
	n := newLiveNode(t, Config{Token: "s3cret"})
	p := newFirefoxPage(t)
	checkTopicList(t, n, p, "s3cret")
	waitFor(t, 20*time.Second, "painted tile", func() bool { return readStats(t, p).FramesPainted > 0 })
	if caption := tileCaption(t, p); !strings.Contains(caption, "fps") || !strings.Contains(caption, "latency") {
		t.Errorf("the tile's caption %q, want its fps, bitrate and latency", caption)
	}
}

// withOpenH264 adds to a Firefox offer's video section the H.264 that
// Firefox offers when it has its OpenH264 plugin: payload type 126 with
// packetization-mode 1 and 97 without, Constrained Baseline with level
// asymmetry allowed, NACK, PLI and FIR.
func withOpenH264(offer string) (string, error) {
	lines := strings.Split(strings.TrimRight(offer, "\r\n"), "\r\n")
	video := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "m=video ") {
			video = i
		}
	}
	if video < 0 {
		return "", errors.New("the offer has no video section")
	}
	f := strings.Fields(lines[video])
	if len(f) < 4 {
		return "", fmt.Errorf("the offer's video line %q is short", lines[video])
	}
	lines[video] = strings.Join(append(f[:3:3], append([]string{"126", "97"}, f[3:]...)...), " ")
	lines = append(lines,
		"a=rtpmap:126 H264/90000",
		"a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1",
		"a=rtcp-fb:126 nack", "a=rtcp-fb:126 nack pli", "a=rtcp-fb:126 ccm fir",
		"a=rtpmap:97 H264/90000",
		"a=fmtp:97 profile-level-id=42e01f;level-asymmetry-allowed=1",
		"a=rtcp-fb:97 nack", "a=rtcp-fb:97 nack pli", "a=rtcp-fb:97 ccm fir")
	return strings.Join(lines, "\r\n") + "\r\n", nil
}

// Firefox's own offer, as this Firefox makes it, with the H.264 its
// OpenH264 plugin would add: the node answers H.264 with packetization-mode
// 1 and the playout-delay extension under Firefox's id (which Firefox
// offers to receive only: extmap:N/recvonly).
func TestFirefoxOfferWithOpenH264IsAnswered(t *testing.T) {
	n := newLiveNode(t, Config{})
	p := newFirefoxPage(t)
	if err := p.navigate(n.server.URL + "/static/style.css"); err != nil {
		t.Fatal(err)
	}
	var offer string
	err := p.eval(`(async () => {
		const pc = new RTCPeerConnection();
		pc.addTransceiver("video", { direction: "recvonly" });
		const o = await pc.createOffer();
		pc.close();
		return o.sdp;
	})()`, &offer)
	if err != nil {
		t.Fatal(err)
	}
	delayID := ""
	for _, l := range strings.Split(offer, "\r\n") {
		if id, ok := strings.CutPrefix(l, "a=extmap:"); ok && strings.HasSuffix(l, " "+playoutDelayURI) {
			delayID, _, _ = strings.Cut(id, "/")
		}
	}
	if delayID == "" {
		t.Fatalf("Firefox's offer has no playout-delay extension:\n%s", offer)
	}
	if !strings.Contains(offer, "H264") {
		if offer, err = withOpenH264(offer); err != nil {
			t.Fatal(err)
		}
	}

	res, err := http.Post(n.server.URL+"/whep/cam", "application/sdp", strings.NewReader(offer))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("the node answered %d: %s", res.StatusCode, answer)
	}
	for _, want := range []string{
		"m=video 9 UDP/TLS/RTP/SAVPF 126\r\n",
		"a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1\r\n",
		"a=extmap:" + delayID + " " + playoutDelayURI + "\r\n",
	} {
		if !strings.Contains(string(answer), want) {
			t.Errorf("the answer lacks %q:\n%s", want, answer)
		}
	}
	n.handler.mu.Lock()
	for _, s := range n.handler.sessions {
		if s != nil && strconv.Itoa(int(s.delayExt)) != delayID {
			t.Errorf("the session sends playout delay under id %d, Firefox offered %s", s.delayExt, delayID)
		}
	}
	n.handler.mu.Unlock()
	req, err := http.NewRequest(http.MethodDelete, n.server.URL+res.Header.Get("Location"), nil)
	if err != nil {
		t.Fatal(err)
	}
	del, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	del.Body.Close()
	if del.StatusCode/100 != 2 {
		t.Errorf("DELETE of the session gave %s", del.Status)
	}
}
