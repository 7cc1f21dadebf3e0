package syntax

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gopline/gopline/internal/credentials"
)

// Error is every error that Parse returns. It points at the place in the line
// where the problem is. Errorf makes one for problems found later, such as
// an unknown element, so that all of them look the same.
type Error struct {
	Line string // the whole line
	Pos  Pos    // where in Line
	Msg  string // what is wrong, and how to fix it when that is clear
	// Err, when set, is the error Msg describes (errors.Is and errors.As
	// see it), e.g. the sentinel of a graph error found after parsing.
	Err error
}

// Errorf returns an Error at pos in line. A pos that does not fit in the
// line is clamped to it.
func Errorf(line string, pos Pos, format string, args ...any) *Error {
	return &Error{Line: line, Pos: clampPos(line, pos), Msg: fmt.Sprintf(format, args...)}
}

// Error returns one line: "syntax: <msg> at column N".
func (e *Error) Error() string {
	return fmt.Sprintf("syntax: %s at column %d", e.Msg, e.Column())
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// Column is the 1-based column of the error's start, counted in characters
// (runes), as a terminal shows them.
func (e *Error) Column() int {
	return column(e.Line, e.Pos.Offset)
}

// column is the 1-based column, in characters, of byte offset off in line.
func column(line string, off int) int {
	off = min(max(off, 0), len(line))
	return utf8.RuneCountInString(line[:off]) + 1
}

// caretWidth is how many characters of the line Caret shows at most, so
// that the line, its "..." marks and the caret fit an 80-column terminal.
const caretWidth = 72

// Caret returns two lines, without a final newline: the input line and, under
// it, a caret line that marks the error ("^" at its start, "~" along the
// rest). A line longer than a terminal is shown as a window around the error,
// with "..." where it is cut. Tabs and other spaces are shown as one space and
// control characters as "?", so that the caret stays aligned; characters
// that a terminal draws two columns wide (such as CJK) still shift it. A
// URL's password is shown as a "*" a character, so that an error under a
// line that names a camera with its credentials (a service's unit file,
// say) does not put them in a log.
func (e *Error) Caret() string {
	pos := clampPos(e.Line, e.Pos)
	var cells []rune
	start, end := -1, -1
	secret := credentials.PasswordSpans(e.Line)
	for i, r := range e.Line {
		if start < 0 && i >= pos.Offset {
			start = len(cells)
		}
		if end < 0 && i >= pos.End() {
			end = len(cells)
		}
		for len(secret) > 0 && i >= secret[0][1] {
			secret = secret[1:]
		}
		switch {
		case len(secret) > 0 && i >= secret[0][0]:
			r = '*'
		case unicode.IsSpace(r):
			r = ' '
		case unicode.IsControl(r):
			r = '?'
		}
		cells = append(cells, r)
	}
	n := len(cells)
	if start < 0 {
		start = n
	}
	if end < 0 {
		end = n
	}
	if end <= start {
		end = start + 1
	}

	from, to := 0, n
	if n > caretWidth {
		from = max(start-caretWidth/3, 0)
		to = from + caretWidth
		if to > n {
			to = n
			from = n - caretWidth
		}
	}
	var b strings.Builder
	indent := start - from
	if from > 0 {
		b.WriteString("...")
		indent += 3
	}
	b.WriteString(string(cells[from:to]))
	if to < n {
		b.WriteString("...")
	}
	b.WriteByte('\n')
	b.WriteString(strings.Repeat(" ", indent))
	b.WriteByte('^')
	if end > to {
		end = max(to, start+1)
	}
	b.WriteString(strings.Repeat("~", end-start-1))
	return b.String()
}

// clampPos returns pos moved inside line: 0 <= Offset, 0 <= Len and
// Offset+Len <= len(line).
func clampPos(line string, pos Pos) Pos {
	pos.Offset = min(max(pos.Offset, 0), len(line))
	pos.Len = min(max(pos.Len, 0), len(line)-pos.Offset)
	return pos
}
