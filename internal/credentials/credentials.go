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
