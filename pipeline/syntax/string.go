package syntax

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String returns the pipeline as one line in a canonical form: chains apart
// by two spaces, " ! " between nodes, one space between an element and each
// property, values quoted only when they need it, references without their
// pad names. For a Pipeline returned by Parse, parsing String gives back the
// same pipeline, positions and quoting aside.
func (p *Pipeline) String() string {
	var b strings.Builder
	for i, c := range p.Chains {
		if i > 0 {
			b.WriteString("  ")
		}
		for j, n := range c.Nodes {
			if j > 0 {
				b.WriteString(" ! ")
			}
			switch {
			case n.Element != nil:
				b.WriteString(n.Element.Type)
				for _, q := range n.Element.Props {
					b.WriteByte(' ')
					b.WriteString(q.Key)
					b.WriteByte('=')
					writeValue(&b, q.Value)
				}
			case n.Ref != nil:
				b.WriteString(n.Ref.Name)
				b.WriteByte('.')
			}
		}
	}
	return b.String()
}

// Value returns v as a property's value in a line: bare when it can be,
// else in double quotes, so that the line reads v back (a path with a
// space in a line that a message suggests).
func Value(v string) string {
	var b strings.Builder
	writeValue(&b, v)
	return b.String()
}

// writeValue writes v bare when it can be, else in double quotes.
func writeValue(b *strings.Builder, v string) {
	if !needsQuotes(v) {
		b.WriteString(v)
		return
	}
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// needsQuotes reports whether v cannot be written bare: it is empty, it
// holds a space, a "!" or a quote, two backslashes in a row (read bare as
// one), or it ends in a backslash, which would put the space after it in
// the value.
func needsQuotes(v string) bool {
	if v == "" || strings.HasSuffix(v, `\`) || strings.Contains(v, `\\`) {
		return true
	}
	for _, r := range v {
		if r == '!' || r == '"' || r == '\'' || unicode.IsSpace(r) {
			return true
		}
	}
	return false
}

// quoteWidth is how many bytes of a value Quote and shorten show at most.
const quoteWidth = 40

// Quote returns s quoted as Go quotes strings, for a message, shortened when
// it is long: an error names what it refuses without echoing a whole value
// that may be many kilobytes.
func Quote(s string) string {
	if len(s) <= quoteWidth {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%s... (%d bytes)", strconv.Quote(shorten(s)), len(s))
}

// shorten returns s cut to fewer than quoteWidth bytes, on a character
// boundary, when it is longer than quoteWidth.
func shorten(s string) string {
	if len(s) <= quoteWidth {
		return s
	}
	cut := quoteWidth - 8
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
