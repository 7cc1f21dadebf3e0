package elements

import "testing"

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
