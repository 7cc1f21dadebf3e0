package elements

import (
	"strings"
	"testing"

	"github.com/gopline/gopline/pipeline"
)

// A comma before a key= in an options= value is written \, (here in
// FFmpeg's lavfi graph, whose filters are joined by commas and take
// key=value options): the whole graph reaches FFmpeg as one option, in
// single quotes as bare.
func TestVideoSrcOptionsTakeAnEscapedComma(t *testing.T) {
	for _, line := range []string{
		`videosrc location=graph input-format=lavfi options=graph=testsrc2=size=64x48:rate=25:duration=0.2\,scale=w=32:h=24 name=src`,
		`videosrc location=graph input-format=lavfi options='graph=testsrc2=size=64x48:rate=25:duration=0.2\,scale=w=32:h=24' name=src`,
	} {
		out := &frames{}
		runToEnd(t, mustParse(t, line, map[string]*frames{"src": out}))
		got := out.all()
		if len(got) != 5 || got[0].Width != 32 || got[0].Height != 24 {
			t.Fatalf("%s: %d frames, the first %dx%d; want 5 of 32x24", line, len(got), got[0].Width, got[0].Height)
		}
	}
}

// A camera URL whose password holds an unescaped "/", "?" or "#" is refused
// as the line is read, with the password masked and what to write instead:
// no reader would find its host, and a parser's error would quote it.
func TestALocationWhosePasswordEndsItsHostIsRefused(t *testing.T) {
	for _, location := range []string{"rtsp://admin:Secr3t/99@127.0.0.1:8554/cam", "rtsp://admin:Secr3t?99@cam/x", "http://u:a#b@cam/feed"} {
		_, err := pipeline.Parse("videosrc location="+location+" ! fakesink", registry(t))
		if err == nil || !strings.Contains(err.Error(), "videosrc location: ") {
			t.Fatalf("%s: %v, want an error of its location", location, err)
		}
		if msg := err.Error(); strings.Contains(msg, "Secr3t") || strings.Contains(msg, "a#b") || !strings.Contains(msg, "%2F") {
			t.Errorf("%s: %q shows the password or does not say how to write it", location, msg)
		}
	}
}
