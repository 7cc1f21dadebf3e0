package syntax

import (
	"errors"
	"testing"
)

// TestCapsInALineAreNamedWithTheirPlace: caps written as a node, bare or
// quoted, are one error that covers them, marked ErrCaps; a slash in any
// other word stays an unexpected character.
func TestCapsInALineAreNamedWithTheirPlace(t *testing.T) {
	const msg = "GStreamer caps in a line: gopline has no caps filters, the elements' properties set what they give"
	for _, c := range []struct {
		line, caps string
		col, len   int // of the error, in characters
	}{
		{`testsrc ! video/x-raw,width=640,height=480 ! h264enc`, `video/x-raw,width=640,height=480`, 11, 32},
		{`testsrc ! video/x-raw!h264enc`, `video/x-raw`, 11, 11},
		{`testsrc ! "video/x-raw,width=640" ! h264enc`, `video/x-raw,width=640`, 11, 23},
		{`testsrc ! 'video/x-raw, width=640' ! h264enc`, `video/x-raw, width=640`, 11, 24},
		{`h264enc ! video/x-h264,stream-format=byte-stream ! fakesink`, `video/x-h264,stream-format=byte-stream`, 11, 38},
		{`videosrc location=a.mp4 ! image/jpeg ! jpegdec`, `image/jpeg`, 27, 10},
		{`nvarguscamerasrc ! video/x-raw(memory:NVMM),width=1920 ! fakesink`, `video/x-raw(memory:NVMM),width=1920`, 20, 35},
		{`video/x-raw`, `video/x-raw`, 1, 11},
	} {
		_, err := Parse(c.line)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrCaps) {
			t.Errorf("Parse(%q) = %v, want an Error with ErrCaps", c.line, err)
			continue
		}
		if e.Msg != msg || e.Column() != c.col || e.Pos.Len != c.len || e.Caps() != c.caps {
			t.Errorf("Parse(%q)\n got %s (column %d, length %d, caps %q)\nwant %s (column %d, length %d)",
				c.line, e.Msg, e.Column(), e.Pos.Len, e.Caps(), Quote(c.caps)+msg, c.col, c.len)
		}
	}
	for _, c := range []struct {
		line, msg string
		col       int
	}{
		{`a ! foo/bar`, `unexpected character '/'`, 8},
		{`a ! "foo/bar"`, `unexpected quote: a quoted value goes right after KEY=, as in location="my clip.mp4"`, 5},
		{`a ! "video/x-raw`, `unexpected quote: a quoted value goes right after KEY=, as in location="my clip.mp4"`, 5},
	} {
		_, err := Parse(c.line)
		var e *Error
		if !errors.As(err, &e) || errors.Is(err, ErrCaps) || e.Msg != c.msg || e.Column() != c.col || e.Caps() != "" {
			t.Errorf("Parse(%q) = %v, want %s at column %d", c.line, err, c.msg, c.col)
		}
	}
}

// TestCapsAsAValueParse: caps as the value of a property (a capsfilter's
// caps=) are a value like any other, for the layer above to judge.
func TestCapsAsAValueParse(t *testing.T) {
	p, err := Parse(`capsfilter caps=video/x-raw,width=640`)
	if err != nil || p.Elements()[0].Props[0].Value != "video/x-raw,width=640" {
		t.Errorf("Parse = %v, %v", p, err)
	}
}
