package syntax

import (
	"errors"
	"strings"
	"testing"
)

func TestCaret(t *testing.T) {
	long := strings.Repeat("a ! ", 30) + "h264enc gop 30 ! " + strings.Repeat("b ! ", 30) + "c"
	gop := strings.Index(long, "gop")
	for _, c := range []struct {
		name string
		line string
		pos  Pos
		want string
	}{
		{"start", "ab cd", Pos{0, 2}, "ab cd\n^~"},
		{"middle", "ab cd ef", Pos{3, 2}, "ab cd ef\n   ^~"},
		{"empty span", "ab cd", Pos{3, 0}, "ab cd\n   ^"},
		{"end of line", "a !", Pos{3, 0}, "a !\n   ^"},
		{"empty line", "", Pos{0, 0}, "\n^"},
		{"unicode before", `x v="日本語" w`, Pos{16, 1}, "x v=\"日本語\" w\n          ^"},
		{"unicode under", `x v="héllo"`, Pos{4, 8}, "x v=\"héllo\"\n    ^~~~~~~"},
		{"tabs", "a\t!\tb c", Pos{6, 1}, "a ! b c\n      ^"},
		{"control", "a\x01b", Pos{2, 1}, "a?b\n  ^"},
		{"clamped", "abc", Pos{2, 10}, "abc\n  ^"},
		{"negative", "abc", Pos{-4, -1}, "abc\n^"},
		{"long, middle", long, Pos{gop, 3},
			"..." + long[gop-24:gop+48] + "...\n" + strings.Repeat(" ", 27) + "^~~"},
		{"long, start", long, Pos{0, 1},
			long[:72] + "...\n^"},
		{"long, end", long, Pos{len(long), 0},
			"..." + long[len(long)-72:] + "\n" + strings.Repeat(" ", 75) + "^"},
		{"long span cut", long, Pos{gop, len(long) - gop},
			"..." + long[gop-24:gop+48] + "...\n" + strings.Repeat(" ", 27) + "^" + strings.Repeat("~", 47)},
		// A URL's password is shown as stars, one a character.
		{"password", "videosrc location=rtsp://admin:s3cré@cam/x ! bogus", Pos{46, 5},
			"videosrc location=rtsp://admin:*****@cam/x ! bogus\n" + strings.Repeat(" ", 45) + "^~~~~"},
		{"passwords", `a l="http://u:p@w@h" m='srt://:k@h:1' n=rtsp://v@h`, Pos{0, 1},
			`a l="http://u:***@h" m='srt://:*@h:1' n=rtsp://v@h` + "\n^"},
	} {
		e := &Error{Line: c.line, Pos: c.pos, Msg: "m"}
		if got := e.Caret(); got != c.want {
			t.Errorf("%s: Caret()\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
}

func TestCaretFromParse(t *testing.T) {
	_, err := Parse(`videosrc location="/data/clip.mp4 ! fakesink`)
	want := `videosrc location="/data/clip.mp4 ! fakesink` + "\n" + strings.Repeat(" ", 18) + "^" + strings.Repeat("~", 25)
	if got := err.(*Error).Caret(); got != want {
		t.Errorf("Caret()\n%s\nwant\n%s", got, want)
	}
}

func TestErrorfClampsToTheLine(t *testing.T) {
	for _, c := range []struct {
		pos, want Pos
	}{
		{Pos{2, 1}, Pos{2, 1}},
		{Pos{2, 9}, Pos{2, 3}},
		{Pos{9, 9}, Pos{5, 0}},
		{Pos{-1, 2}, Pos{0, 2}},
		{Pos{1, -2}, Pos{1, 0}},
	} {
		e := Errorf("a ! b", c.pos, "unknown element %q", "b")
		if e.Pos != c.want {
			t.Errorf("Errorf at %+v: Pos %+v, want %+v", c.pos, e.Pos, c.want)
		}
	}
	e := Errorf("a ! b", Pos{4, 1}, "unknown element %q", "b")
	if got, want := e.Error(), `syntax: unknown element "b" at column 5`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestColumnCountsCharacters(t *testing.T) {
	e := &Error{Line: `x v="é🤖" !`, Pos: Pos{13, 1}}
	if got := e.Column(); got != 10 {
		t.Errorf("Column() = %d, want 10", got)
	}
}

func TestMessagesQuoteLongNamesShortened(t *testing.T) {
	long := strings.Repeat("k", 100000)
	for _, line := range []string{
		"testsrc " + long + "=1 " + long + "=2",
		long + "=1 ! fakesink",
		"testsrc ! " + long + ". ! fakesink",
		"testsrc name=x" + long + " ! tee name=x" + long,
		"testsrc " + long + " =1",
	} {
		_, err := Parse(line)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%.40s...: %v", line, err)
		}
		if len(e.Msg) > 512 || !strings.Contains(e.Msg, "bytes)") {
			t.Errorf("a message of %d bytes: %.200s", len(e.Msg), e.Msg)
		}
	}
}
