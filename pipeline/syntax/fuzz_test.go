package syntax

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that its errors are *Error
// values inside the line that quote it shortened, and that String of a parsed pipeline parses back
// to the same pipeline.
func FuzzParse(f *testing.F) {
	for _, c := range goodLines {
		f.Add(c.line)
	}
	for _, c := range badLines {
		f.Add(c.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		p, err := Parse(line)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error %T: %v", line, err, err)
			}
			if p != nil {
				t.Fatalf("Parse(%q) returned a pipeline and an error", line)
			}
			if e.Line != line || e.Pos.Offset < 0 || e.Pos.Len < 0 || e.Pos.End() > len(line) {
				t.Fatalf("Parse(%q): error at %+v outside the line (len %d)", line, e.Pos, len(line))
			}
			if e.Msg == "" {
				t.Fatalf("Parse(%q): error without a message", line)
			}
			if len(e.Msg) > 512 {
				t.Fatalf("Parse: a message of %d bytes echoes the line: %.200s", len(e.Msg), e.Msg)
			}
			_ = e.Error()
			_ = e.Caret()
			return
		}
		checkPositions(t, p)
		s := p.String()
		q, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) = %s, but its String %q does not parse: %v", line, dump(p), s, err)
		}
		if dump(q) != dump(p) {
			t.Fatalf("Parse(%q) = %s\nString %q parses to %s", line, dump(p), s, dump(q))
		}
		if s2 := q.String(); s2 != s {
			t.Fatalf("String not stable: %q then %q", s, s2)
		}
	})
}
