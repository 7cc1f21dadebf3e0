package pipeline

import (
	"testing"

	"github.com/gopline/gopline/pipeline/syntax"
)

// HintTables returns the hint tables, for the tests that check them against
// gopline's elements (which this package's own tests cannot import).
func HintTables() (elements [][2]string, properties [][3]string) {
	for _, h := range elementHints {
		elements = append(elements, [2]string{h.name, h.target})
	}
	for _, h := range propertyHints {
		properties = append(properties, [3]string{h.element, h.name, h.target})
	}
	return elements, properties
}

func TestHintsAreGivenOnlyWhereTheirTargetIs(t *testing.T) {
	reg := NewRegistry()
	mk := func(Props) (Element, error) { return Element{}, nil }
	if err := reg.Register(Spec{Name: "h264dec", Make: mk}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(Spec{Name: "h264enc", Props: []PropSpec{{Name: "crf", Type: Int}}, Make: mk}); err != nil {
		t.Fatal(err)
	}
	if h := reg.elementHint("x264enc"); h != hintH264Enc {
		t.Errorf("x264enc's hint with h264enc registered: %q", h)
	}
	if h := reg.elementHint("videotestsrc"); h != "" {
		t.Errorf("videotestsrc's hint without testsrc registered: %q", h)
	}
	enc, _ := reg.Lookup("h264enc")
	if h := enc.propertyHint("quantizer"); h != hintRateControl {
		t.Errorf("quantizer's hint with crf declared: %q", h)
	}
	if h := enc.propertyHint("key-int-max"); h != "" {
		t.Errorf("key-int-max's hint without gop declared: %q", h)
	}
	if h := enc.propertyHint("bframes"); h != hintNoBFrames {
		t.Errorf("bframes's hint, which names no property: %q", h)
	}
}

func TestNearestNamesOneCloseName(t *testing.T) {
	names := []string{"testsrc", "tee", "h264enc", "h264dec", "jpegenc", "jpegdec", "queue", "videosrc", "/camera", "/camera/left"}
	for _, c := range []struct{ name, want string }{
		{"testsr", "testsrc"},      // a letter dropped
		{"h246enc", "h264enc"},     // two letters swapped: one edit
		{"hh264enc", "h264enc"},    // a letter added
		{"test", "testsrc"},        // a prefix, before tee two edits away
		{"h264encoder", "h264enc"}, // a name that begins with one
		{"videosrc0", "videosrc"},
		{"h264", ""},           // begins two names
		{"qeue", "queue"},      // a letter dropped
		{"vid", "videosrc"},    // a prefix
		{"vi", ""},             // too short a prefix, too far
		{"h264enx", "h264enc"}, // of two one edit away, the first
		{"/cam", ""},           // begins two topics
		{"/camera/lef", "/camera/left"},
		{"/Camera", "/camera"},           // case alone: as cobra, letters compare ignoring case
		{"/CAMERA/LEFT", "/camera/left"}, // many letters apart in case, none in spelling
		{"H264Enc", "h264enc"},
		{"/Camera/Lef", "/camera/left"},
		{"bogus", ""},
		{"", ""},
	} {
		if got := Nearest(c.name, names); got != c.want {
			t.Errorf("Nearest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

// A name that differs from a candidate only in case means it, before one
// a single edit away.
func TestNearestPrefersTheNameThatDiffersOnlyInCase(t *testing.T) {
	if got := Nearest("/Camera", []string{"/Camerb", "/camera"}); got != "/camera" {
		t.Fatalf("Nearest(/Camera) = %q, want /camera", got)
	}
}

func TestEditDistanceCountsASwapAsOneEdit(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"", "abc", 3}, {"abc", "", 3},
		{"ab", "ba", 1}, {"h246enc", "h264enc", 1}, {"kitten", "sitting", 3},
		{"ca", "abc", 3}, // the optimal string alignment distance: no edit of a swapped pair
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestRawCapsBecomeProperties(t *testing.T) {
	for _, c := range []struct{ caps, want string }{
		{"video/x-raw,width=640,height=480", "size=640x480"},
		{"video/x-raw, width=(int)1280, height=(int)720, framerate=(fraction)30/1, format=(string)I420",
			"size=1280x720 rate=30 format=yuv420p (a camera's rate is videosrc options=framerate=30)"},
		{"video/x-raw,framerate=30000/1001", "rate=29.97 (a camera's rate is videosrc options=framerate=29.97)"},
		{"video/x-raw,format=GRAY8", "format=gray8"},
		{"video/x-raw,format=NV12,width=640", ""}, // no format= of gopline's, no height
		{"video/x-raw,framerate=0/1", ""},
		{"video/x-raw,width=640,height=-480", ""},
		{"video/x-raw,width", ""},
	} {
		e := syntax.Errorf(c.caps, syntax.Pos{Len: len(c.caps)}, "m")
		e.Err = syntax.ErrCaps
		want := "GStreamer caps in a line: gopline sets them as properties of the source, here " + c.want
		if c.want == "" {
			want = "GStreamer caps in a line: gopline sets them as properties of the source: size= and format= (and rate= on testsrc)"
		}
		if got := explainCaps(e); got.Msg != want || got.Pos != e.Pos || got.Err != syntax.ErrCaps {
			t.Errorf("explainCaps(%q) = %q at %+v, want %q", c.caps, got.Msg, got.Pos, want)
		}
	}
	other := syntax.Errorf("a ! b", syntax.Pos{Offset: 4, Len: 1}, "m")
	if explainCaps(other) != other {
		t.Error("explainCaps changed an error that is no caps")
	}
}

// FuzzExplainCaps checks that the caps of any line are explained without a
// panic, at the place the syntax found them, in a message of bounded size.
func FuzzExplainCaps(f *testing.F) {
	for _, line := range []string{
		"testsrc ! video/x-raw,width=640,height=480,framerate=30/1,format=I420 ! fakesink",
		`a ! "video/x-raw, width=(int)1280, framerate=(fraction)30000/1001"`,
		"a ! video/x-raw,framerate=1/0,width=99999999999999999999,height=-1",
		"a ! image/jpeg ! audio/x-raw",
		"a ! video/x-raw(memory:NVMM),=,,==/",
	} {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		_, err := syntax.Parse(line)
		e, ok := err.(*syntax.Error)
		if !ok {
			return
		}
		got := explainCaps(e)
		if got.Line != e.Line || got.Pos != e.Pos || got.Err != e.Err {
			t.Fatalf("explainCaps(%q) moved the error: %+v, was %+v", line, got, e)
		}
		if got.Msg == "" || len(got.Msg) > 512 {
			t.Fatalf("explainCaps(%q): a message of %d bytes", line, len(got.Msg))
		}
	})
}
