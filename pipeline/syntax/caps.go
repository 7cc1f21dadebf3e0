package syntax

import (
	"errors"
	"strings"
)

// ErrCaps is the Err of the Error for GStreamer caps written in a line as a
// node (video/x-raw,width=640): a line has no caps filters, since what an
// element gives is set by its properties. The Error's Pos covers the caps,
// quotes included; Caps returns them.
var ErrCaps = errors.New("caps in a line")

// mediaTypes are the first words of the caps that GStreamer users write
// between elements (video/x-raw, image/jpeg, ...).
var mediaTypes = []string{"video", "image", "audio", "application", "text"}

// capsAt reports the caps that start at i (bare, or quoted as a shell would
// have left them), and returns their Error; nil when line[i:] is no caps.
func capsAt(line string, i int) *Error {
	start, end := i, i
	body := line[i:]
	if q := line[i]; q == '"' || q == '\'' {
		n := strings.IndexByte(line[i+1:], q)
		if n < 0 {
			return nil // unterminated: the quote's own error says so
		}
		body, end = line[i+1:i+1+n], i+2+n
	} else {
		for end < len(line) && !atSeparator(line, end) {
			end++
		}
		body = line[i:end]
	}
	kind, _, ok := strings.Cut(body, "/")
	if !ok || !isMediaType(kind) {
		return nil
	}
	e := Errorf(line, Pos{start, end - start}, "GStreamer caps in a line: gopline has no caps filters, the elements' properties set what they give")
	e.Err = ErrCaps
	return e
}

func isMediaType(word string) bool {
	for _, m := range mediaTypes {
		if strings.EqualFold(word, m) {
			return true
		}
	}
	return false
}

// Caps returns the caps of an Error whose Err is ErrCaps, without the quotes
// they were written in; "" for any other Error.
func (e *Error) Caps() string {
	if !errors.Is(e.Err, ErrCaps) {
		return ""
	}
	s := e.Line[e.Pos.Offset:e.Pos.End()]
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	return s
}
