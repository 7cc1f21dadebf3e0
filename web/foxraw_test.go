package web

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/foxglove"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage"
)

// rawFrames is how many pictures newRawNode's recording holds, of
// rawWidth x rawHeight: small, for each look at a painted picture costs a
// PNG of it (seconds of a large one's under the race detector).
const (
	rawFrames           = 30
	rawWidth, rawHeight = 160, 120
)

// newRawNode plays on /raw, in a loop, a recording of raw pictures in
// format of testsrc's rawWidth x rawHeight pattern (frames 0 to rawFrames-1, 30 a
// second), as gopline play publishes an imported bag's raw camera, and
// serves cfg's handler of it. It returns the pictures' first planes.
func newRawNode(t *testing.T, cfg Config, format media.PixelFormat) (*liveNode, [][]byte) {
	t.Helper()
	pattern, err := testsrc.New(rawWidth, rawHeight)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "raw.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.CreateStream(storage.StreamInfo{Name: "/raw", Codec: media.Raw, Format: format, Width: rawWidth, Height: rawHeight}); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Minute)
	var planes [][]byte
	for i := range rawFrames {
		f, err := pattern.Frame(uint64(i)).Convert(format)
		if err != nil {
			t.Fatal(err)
		}
		data := f.AppendPacked(nil)
		rowBytes, rows := format.PlaneSize(0, rawWidth, rawHeight)
		planes = append(planes, data[:rowBytes*rows])
		p := &media.Packet{Codec: media.Raw, Format: format, Width: rawWidth, Height: rawHeight, Key: true, Seq: uint64(i), GOP: uint64(i),
			Epoch: 1, CaptureTime: at.Add(time.Duration(i) * time.Second / 30), Data: data}
		if err := rec.Append("/raw", p); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return newNode(t, cfg, "play path="+path+" stream=/raw loop=true ! publish topic=/raw", "/raw"), planes
}

// decodeRawImage reads a Message Data of channel ch as a player does, with
// the RawImage schema ch advertised.
func decodeRawImage(t *testing.T, ch channel, data []byte) (width, height, step uint32, encoding string, pixels []byte) {
	t.Helper()
	_, get := decodeFields(t, ch, data)
	return uint32(get("width").Uint()), uint32(get("height").Uint()), uint32(get("step").Uint()), get("encoding").String(), get("data").Bytes()
}

// A raw topic (an imported bag's camera, played) is a RawImage channel
// for Foxglove, whose Image panel draws it: its YUV420P pictures go as
// uyvy, an encoding Foxglove draws, each picture whole and one of the
// recording's.
func TestFoxgloveServesARawTopicAsRawImages(t *testing.T) {
	n, lumas := newRawNode(t, Config{}, media.YUV420P)
	c := dialFoxglove(t, n, "")
	chans := c.greeting()
	if len(chans) != 1 || chans[0].Topic != "/raw" || chans[0].SchemaName != foxglove.RawImage || chans[0].Encoding != "protobuf" {
		t.Fatalf("channels %+v, want /raw as a RawImage in protobuf", chans)
	}
	c.send(`{"op":"subscribe","subscriptions":[{"id":3,"channelId":` + jsonNumber(chans[0].ID) + `}]}`)
	for i := range 5 {
		op, data := c.next()
		if op != "binary" {
			t.Fatalf("message %d: %s, want message data", i, op)
		}
		w, h, step, enc, pixels := decodeRawImage(t, chans[0], data)
		if w != rawWidth || h != rawHeight || step != 2*rawWidth || enc != "uyvy" || len(pixels) != 2*rawWidth*rawHeight {
			t.Fatalf("message %d: %dx%d, step %d, %q, %d bytes", i, w, h, step, enc, len(pixels))
		}
		luma := make([]byte, 0, rawWidth*rawHeight)
		for j := 1; j < len(pixels); j += 2 {
			luma = append(luma, pixels[j])
		}
		found := -1
		for k, l := range lumas {
			if bytes.Equal(l, luma) {
				found = k
			}
		}
		if found < 0 {
			t.Fatalf("message %d: its luma is none of the recording's pictures", i)
		}
		t.Logf("message %d: picture %d", i, found)
	}
}

// The page gives a raw topic a tile, drawn from the WebSocket (WebRTC
// carries H.264 alone), and it paints the recording's pictures, their
// burned-in frame numbers read back from the screen, as the loop plays
// them: YUV420P (sent as uyvy), RGB24 (rgb8) and GRAY8 (mono8).
func TestTopicPageShowsARawTopic(t *testing.T) {
	for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8} {
		t.Run(format.String(), func(t *testing.T) {
			n, _ := newRawNode(t, Config{}, format)
			p := chromiumPage{newTab(t)}
			if err := p.navigate(n.server.URL + "/"); err != nil {
				t.Fatal(err)
			}
			checkRawPictures(t, p, format)
		})
	}
}

// Firefox and WebKit (Safari's engine) draw a raw topic as Chromium does.
func TestFirefoxShowsARawTopic(t *testing.T) {
	n, _ := newRawNode(t, Config{}, media.YUV420P)
	p := newFirefoxPage(t)
	if err := p.navigate(n.server.URL + "/view?topic=/raw"); err != nil {
		t.Fatal(err)
	}
	checkRawPictures(t, p, media.YUV420P)
}

func TestWebKitShowsARawTopic(t *testing.T) {
	n, _ := newRawNode(t, Config{}, media.YUV420P)
	p := newWebKitPage(t)
	if err := p.navigate(n.server.URL + "/view?topic=/raw"); err != nil {
		t.Fatal(err)
	}
	checkRawPictures(t, p, media.YUV420P)
}

// checkRawPictures checks that p, open on newRawNode's topic of pictures
// in format, paints it over the WebSocket, says so under its tile, and
// shows three of the recording's pictures in their own colours.
func checkRawPictures(t *testing.T, p page, format media.PixelFormat) {
	t.Helper()
	paintsOverWebSocket(t, p, "/raw", "raw pictures")
	// One picture's colours are the recorded one's, turned to RGB as
	// gopline turns it (YUV420P's chroma as 4:2:2 by its rows); then the
	// loop plays on: three of its pictures painted. (Each look is costly
	// under the race detector: the colours are compared once.)
	pattern, err := testsrc.New(rawWidth, rawHeight)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, loadedWait, "a picture of the recording painted, in its colours", func() bool {
		shown, _, _ := paintedPicture(t, p)
		num, ok := testsrc.ReadFrameNumber(shown)
		if !ok {
			return false
		}
		if num >= rawFrames {
			t.Fatalf("painted frame number %d: the recording holds %d", num, rawFrames)
		}
		recorded, err := pattern.Frame(num).Convert(format)
		if err != nil {
			t.Fatal(err)
		}
		want, err := recorded.Convert(media.RGB24)
		if err != nil {
			t.Fatal(err)
		}
		if d := meanDifference(shown.Planes[0], want.Planes[0]); shown.Width != rawWidth || shown.Height != rawHeight || d > 2 {
			t.Fatalf("painted frame %d: %dx%d, its colours %.1f from the picture's on average", num, shown.Width, shown.Height, d)
		}
		return true
	})
	seen := map[uint64]bool{}
	waitFor(t, loadedWait, "three pictures of the recording painted", func() bool {
		num, _, ok := paintedFrameNumber(t, p)
		if ok && num >= rawFrames {
			t.Fatalf("painted frame number %d: the recording holds %d", num, rawFrames)
		}
		if ok {
			seen[num] = true
		}
		return len(seen) >= 3
	})
}

// meanDifference is the mean absolute difference of a's and b's bytes
// (255 when their lengths differ).
func meanDifference(a, b []byte) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 255
	}
	var sum int
	for i := range a {
		d := int(a[i]) - int(b[i])
		sum += max(d, -d)
	}
	return float64(sum) / float64(len(a))
}
