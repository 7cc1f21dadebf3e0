// Package credentials finds the passwords of the URLs in a text
// (rtsp://admin:PASSWORD@cam/stream), so that logs, errors and the lines
// they show do not carry a camera's credentials.
package credentials

import (
	"strings"
	"unicode"
)

// PasswordSpans returns the byte ranges, in order, of the passwords of the
// URLs in text: in each authority (from "://" to the next "/", quote or
// space), what lies between the first ":" of its userinfo and the
// userinfo's end, the authority's last "@" (a password may hold "@").
//
// A password written with an unescaped "/", "?" or "#"
// (rtsp://admin:pa/ss@cam) ends the authority early: in an authority
// without "@", what follows its ":" is taken for a password up to the
// URL's first "@" after it (to the last of the "@"s before the next "/"),
// the path before it too when the ":" was a port's: a path holding "@" is
// masked with it, which costs a log line nothing. Malformed finds such a
// URL, which a location should refuse: a reader's error may quote it cut
// where its parser stopped.
func PasswordSpans(text string) [][2]int {
	var spans [][2]int
	for at := 0; ; {
		i := strings.Index(text[at:], "://")
		if i < 0 {
			return spans
		}
		authority := at + i + 3
		stop := authorityEnd(text, authority)
		if userinfo := strings.LastIndexByte(text[authority:stop], '@'); userinfo >= 0 {
			if colon := strings.IndexByte(text[authority:authority+userinfo], ':'); colon >= 0 {
				spans = append(spans, [2]int{authority + colon + 1, authority + userinfo})
			}
		} else if span, ok := malformedPassword(text, authority); ok {
			spans = append(spans, span)
			// The authority of the URL redacted ends after it.
			stop = authorityEnd(text, span[1])
		}
		at = stop
	}
}

// authorityEnd is where the authority from from in text ends: at the next
// "/", quote or space, or the text's end.
func authorityEnd(text string, from int) int {
	end := strings.IndexFunc(text[from:], func(r rune) bool {
		return r == '/' || r == '\'' || r == '"' || unicode.IsSpace(r)
	})
	if end < 0 {
		return len(text)
	}
	return from + end
}

// malformedPassword finds the password of a URL whose authority, from
// authority in text, was cut by an unescaped "/", "?" or "#" in it (see
// PasswordSpans).
func malformedPassword(text string, authority int) ([2]int, bool) {
	end := authority + strings.IndexFunc(text[authority:], func(r rune) bool {
		return r == '\'' || r == '"' || unicode.IsSpace(r)
	})
	if end < authority {
		end = len(text)
	}
	url := text[authority:end]
	cut := strings.IndexAny(url, "/?#")
	if cut < 0 {
		cut = len(url)
	}
	colon := strings.IndexByte(url[:cut], ':')
	if colon < 0 || strings.HasPrefix(url, "[") { // no password, or an IPv6 host
		return [2]int{}, false
	}
	at := strings.IndexByte(url[colon:], '@')
	if at < 0 {
		return [2]int{}, false
	}
	// The password ends at the last "@" before the next "/", as the
	// authority of the URL redacted ends there.
	at += colon
	slash := strings.IndexByte(url[at:], '/')
	if slash < 0 {
		slash = len(url) - at
	}
	at += strings.LastIndexByte(url[at:at+slash], '@')
	return [2]int{authority + colon + 1, authority + at}, true
}

// isPort reports whether s is a port number's digits (or empty).
func isPort(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}

// Malformed reports whether url's password holds an unescaped "/", "?" or
// "#", which ends its authority early (rtsp://admin:pa/ss@cam): no reader
// finds the host it names. A password of digits alone with such a character
// looks like a port and a path, and is not told apart.
func Malformed(url string) bool {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok || scheme == "" {
		return false
	}
	cut := strings.IndexAny(rest, "/?#")
	if cut < 0 || strings.Contains(rest[:cut], "@") || !strings.Contains(rest[cut:], "@") {
		return false
	}
	colon := strings.IndexByte(rest[:cut], ':')
	return colon >= 0 && !strings.HasPrefix(rest, "[") && !isPort(rest[colon+1:cut])
}

// Redact returns text with the password of every URL in it as "***"
// (rtsp://admin:***@cam/stream); the user name stays, to tell which
// account was used. Text without one (a file, a device, a URL without a
// password, a log line) is returned as it is.
func Redact(text string) string {
	spans := PasswordSpans(text)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for _, s := range spans {
		b.WriteString(text[last:s[0]])
		b.WriteString("***")
		last = s[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// userinfo splits url at the userinfo of its authority: its scheme, the
// user name, whether a password follows it, and what follows the
// userinfo's @ (the host, port and path). password is false, and user
// empty, for a url without userinfo.
func userinfo(url string) (scheme, user string, password bool, after string) {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok || scheme == "" {
		return "", "", false, ""
	}
	authority, _, _ := strings.Cut(rest, "/")
	// The userinfo ends at the authority's last @: a password may hold @.
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return scheme, "", false, ""
	}
	user, _, password = strings.Cut(authority[:at], ":")
	return scheme, user, password, rest[at+1:]
}

// NotFoundHint says what a server's 404 Not Found for a stream's path
// means to a source that keeps trying it.
const NotFoundHint = "the server has no stream at this path: check it; a relay such as mediamtx answers 404 until something publishes the path, so it is tried again"

// Hint says what to do about a server that refused the input
// at url: forbidden (403) when the user it names may not open the stream,
// else (401) when the credentials it gives are wrong, or it gives none.
func Hint(url string, forbidden bool) string {
	scheme, user, password, _ := userinfo(url)
	form := scheme + "://USER:PASSWORD@HOST/PATH, with @, : and / in the password written %40, %3A and %2F"
	switch {
	case forbidden:
		return "the server knows the user but refuses it this stream: check the user's rights on the camera, and the stream's path"
	case password:
		return "the server refused the user \"" + user + "\" and its password: check them in the URL (" + form + ")"
	case user != "":
		return "the server asks for a password, and the URL gives the user \"" + user + "\" alone: give it as " + form
	}
	return "the server asks for a user and password: give them in the URL as " + form
}
