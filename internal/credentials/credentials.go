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
func PasswordSpans(text string) [][2]int {
	var spans [][2]int
	for at := 0; ; {
		i := strings.Index(text[at:], "://")
		if i < 0 {
			return spans
		}
		authority := at + i + 3
		stop := authority + strings.IndexFunc(text[authority:], func(r rune) bool {
			return r == '/' || r == '\'' || r == '"' || unicode.IsSpace(r)
		})
		if stop < authority {
			stop = len(text)
		}
		if userinfo := strings.LastIndexByte(text[authority:stop], '@'); userinfo >= 0 {
			if colon := strings.IndexByte(text[authority:authority+userinfo], ':'); colon >= 0 {
				spans = append(spans, [2]int{authority + colon + 1, authority + userinfo})
			}
		}
		at = stop
	}
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
