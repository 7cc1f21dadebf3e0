package syntax

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind tells the tokens of a line apart.
type tokenKind int

const (
	tokBang tokenKind = iota // "!"
	tokWord                  // a word alone: an element, or a property that lacks "="
	tokProp                  // key=value
	tokRef                   // name. or name.pad
)

// token is one token of a line. text is the word, the reference's name or
// the property's key; prop is set for tokProp.
type token struct {
	kind tokenKind
	pos  Pos
	text string
	prop Property
}

// lex splits line into tokens. Quoted values are unquoted here, so the
// parser sees a property as one token however it was written.
func lex(line string) ([]token, *Error) {
	var toks []token
	i := 0
	for {
		i = skipSpace(line, i)
		if i >= len(line) {
			return toks, nil
		}
		c := line[i]
		switch {
		case c == '!':
			toks = append(toks, token{kind: tokBang, pos: Pos{i, 1}})
			i++
		case c == '=':
			return nil, lexStrayEquals(line, i, toks)
		case c == '"' || c == '\'':
			if err := capsAt(line, i); err != nil {
				return nil, err
			}
			return nil, Errorf(line, Pos{i, 1}, `unexpected quote: a quoted value goes right after KEY=, as in location="my clip.mp4"`)
		case isNameByte(c):
			tok, next, err := lexWord(line, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, tok)
			i = next
		default:
			return nil, unexpected(line, i)
		}
	}
}

// lexStrayEquals explains an "=" that starts a token: either the key is
// missing, or spaces stand between a key and its "=".
func lexStrayEquals(line string, i int, toks []token) *Error {
	n := len(toks)
	// The word before is a key only where a property may stand: after an
	// element or one of its properties.
	if n >= 2 && toks[n-1].kind == tokWord && (toks[n-2].kind == tokWord || toks[n-2].kind == tokProp) {
		w := toks[n-1]
		return Errorf(line, Pos{w.pos.Offset, i + 1 - w.pos.Offset},
			`property %s has spaces around "=": write %s=VALUE`, Quote(w.text), shorten(w.text))
	}
	return Errorf(line, Pos{i, 1}, `a property needs a name before "=": write KEY=VALUE`)
}

// lexWord reads the token that starts with a name character at i: a word,
// a property or a reference. It returns the offset just past the token.
func lexWord(line string, start int) (token, int, *Error) {
	i := start
	for i < len(line) && isNameByte(line[i]) {
		i++
	}
	word := line[start:i]
	if atSeparator(line, i) {
		return token{kind: tokWord, pos: Pos{start, i - start}, text: word}, i, nil
	}
	switch line[i] {
	case '=':
		return lexProp(line, start, i)
	case '.':
		return lexRef(line, start, i)
	case '/':
		if err := capsAt(line, start); err != nil {
			return token{}, 0, err
		}
	case '"', '\'':
		return token{}, 0, Errorf(line, Pos{i, 1}, `unexpected quote after %s: write %s="..." for a quoted value`, Quote(word), shorten(word))
	}
	return token{}, 0, unexpected(line, i)
}

// lexProp reads key=value, where line[keyStart:eq] is the key.
func lexProp(line string, keyStart, eq int) (token, int, *Error) {
	key := line[keyStart:eq]
	v := eq + 1
	if atSeparator(line, v) {
		return token{}, 0, Errorf(line, Pos{keyStart, v - keyStart},
			`property %s needs a value right after "=": write %s=VALUE (or %s="" for an empty value)`, Quote(key), shorten(key), shorten(key))
	}
	var (
		value  string
		end    int
		quoted = true
		err    *Error
	)
	switch line[v] {
	case '"':
		value, end, err = scanDoubleQuoted(line, v)
	case '\'':
		value, end, err = scanSingleQuoted(line, v)
	default:
		quoted = false
		value, end, err = scanBare(line, v, key)
	}
	if err != nil {
		return token{}, 0, err
	}
	if !atSeparator(line, end) {
		return token{}, 0, Errorf(line, Pos{end, runeLen(line, end)},
			`unexpected text after the quoted value of %s: put a space after the closing quote`, Quote(key))
	}
	prop := Property{
		Key: key, Value: value,
		KeyPos: Pos{keyStart, eq - keyStart}, ValuePos: Pos{v, end - v},
		Quoted: quoted,
	}
	return token{kind: tokProp, pos: Pos{keyStart, end - keyStart}, text: key, prop: prop}, end, nil
}

// scanDoubleQuoted reads a "..." value that opens at q. It returns the value
// and the offset just past the closing quote.
func scanDoubleQuoted(line string, q int) (string, int, *Error) {
	var b strings.Builder
	for i := q + 1; i < len(line); {
		switch c := line[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 >= len(line) {
				return "", 0, unterminated(line, q)
			}
			switch e := line[i+1]; e {
			case '\\', '"', '\'':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				n := runeLen(line, i+1)
				return "", 0, Errorf(line, Pos{i, 1 + n},
					`unknown escape "\%s" in double quotes: write \\ for a backslash, or use single quotes, which take no escapes`, line[i+1:i+1+n])
			}
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0, unterminated(line, q)
}

// scanSingleQuoted reads a '...' value that opens at q: everything up to the
// next single quote, taken as is.
func scanSingleQuoted(line string, q int) (string, int, *Error) {
	n := strings.IndexByte(line[q+1:], '\'')
	if n < 0 {
		return "", 0, unterminated(line, q)
	}
	return line[q+1 : q+1+n], q + 2 + n, nil
}

// scanBare reads an unquoted value that starts at v: everything up to a
// space or a "!". As gst-launch reads an unquoted value, a backslash puts
// the character after it in the value when that is a space, a "!" or a
// backslash (my\ clip.mp4, a\!b, e\\); any other backslash stays in it
// (dir=C:\data). An escaped space that takes what reads as the next
// property into the value (dir=C:\me\ every=1) is refused: the value
// surely meant to end in a backslash.
func scanBare(line string, v int, key string) (string, int, *Error) {
	var (
		b       strings.Builder
		escaped bool // b holds the value: a backslash was taken out
		from    = v  // the start of the text not yet in b
	)
	i := v
	for i < len(line) {
		r, size := utf8.DecodeRuneInString(line[i:])
		if r == '!' || unicode.IsSpace(r) {
			break
		}
		if r == '"' || r == '\'' {
			return "", 0, Errorf(line, Pos{i, 1},
				`a quote inside the unquoted value of %s: quote the whole value, as in %s="..."`, Quote(key), shorten(key))
		}
		if r == '\\' && i+1 < len(line) {
			if next, n := utf8.DecodeRuneInString(line[i+1:]); next == '!' || next == '\\' || unicode.IsSpace(next) {
				if unicode.IsSpace(next) {
					if err := swallowedProperty(line, v, i, i+1+n, key); err != nil {
						return "", 0, err
					}
				}
				b.WriteString(line[from:i])
				b.WriteString(line[i+1 : i+1+n])
				escaped, i, from = true, i+1+n, i+1+n
				continue
			}
		}
		i += size
	}
	if !escaped {
		return line[v:i], i, nil
	}
	b.WriteString(line[from:i])
	return b.String(), i, nil
}

// swallowedProperty refuses the escaped space at bs (a backslash; the
// text after the space starts at after) of the unquoted value of key that
// starts at v, when what follows it reads as a property, KEY=: the value
// was meant to end in a backslash, as a Windows folder's does.
func swallowedProperty(line string, v, bs, after int, key string) *Error {
	k := after
	for k < len(line) && isNameByte(line[k]) {
		k++
	}
	if k == after || k >= len(line) || line[k] != '=' {
		return nil
	}
	meant := line[v:bs] + `\`
	return Errorf(line, Pos{bs, k + 1 - bs},
		`"\ " in the unquoted value of %s is a space, which would take %s= into the value: for a value that ends in a backslash, write \\ (%s=%s\) or quote it (%s='%s')`,
		Quote(key), shorten(line[after:k]), shorten(key), shorten(meant), shorten(key), shorten(meant))
}

// lexRef reads name. or name.pad, where line[start:dot] is the name.
func lexRef(line string, start, dot int) (token, int, *Error) {
	name := line[start:dot]
	i := dot + 1
	for i < len(line) && isNameByte(line[i]) {
		i++
	}
	if !isLetter(name[0]) {
		return token{}, 0, Errorf(line, Pos{start, dot + 1 - start},
			`%s is not a reference: element names start with a letter`, Quote(line[start:dot+1]))
	}
	if !atSeparator(line, i) {
		return token{}, 0, unexpected(line, i)
	}
	return token{kind: tokRef, pos: Pos{start, i - start}, text: name}, i, nil
}

func unterminated(line string, q int) *Error {
	return Errorf(line, Pos{q, len(line) - q}, `unterminated quote: close it with %c`, line[q])
}

// unexpected reports the character at i, which no token may hold there.
func unexpected(line string, i int) *Error {
	r, size := utf8.DecodeRuneInString(line[i:])
	pos := Pos{i, size}
	switch {
	case r == utf8.RuneError && size == 1:
		return Errorf(line, pos, "unexpected byte 0x%02x (the line is not valid UTF-8)", line[i])
	case r == '"' || r == '\'':
		return Errorf(line, pos, `unexpected quote: a quoted value goes right after KEY=`)
	case r > unicode.MaxASCII:
		return Errorf(line, pos, `unexpected character %q: names use only ASCII letters, digits, '-' and '_' (quote values that hold other characters)`, r)
	}
	hint := ""
	if j := strings.LastIndexByte(line[:i], '!'); j >= 1 && line[j-1] != ' ' && !strings.ContainsAny(line[j:i], " \t") {
		// location=rtsp://user:pa!ss@host/: the "!" was meant as part of
		// the value (a password, which the caret line masks).
		hint = `; a "!" inside a value ends it there: quote the value (location="rtsp://user:pa!ss@host/") or write \! (%21 in a URL)`
	}
	return Errorf(line, pos, "unexpected character %q%s", r, hint)
}

// skipSpace returns the offset of the first non-space character at or
// after i, or len(line).
func skipSpace(line string, i int) int {
	for i < len(line) {
		r, size := utf8.DecodeRuneInString(line[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return i
}

// atSeparator reports whether a token ends at i: at the end of the line,
// a space or a "!".
func atSeparator(line string, i int) bool {
	if i >= len(line) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(line[i:])
	return r == '!' || unicode.IsSpace(r)
}

// runeLen is the length in bytes of the character at i (0 at the end).
func runeLen(line string, i int) int {
	if i >= len(line) {
		return 0
	}
	_, size := utf8.DecodeRuneInString(line[i:])
	return size
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isNameByte(c byte) bool {
	return isLetter(c) || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// isName reports whether s can name an element or a reference: a letter,
// then letters, digits, '-' and '_'.
func isName(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}
