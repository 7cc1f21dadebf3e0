package web

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// maxCloseReason is the longest reason a WebSocket close frame carries, in
// bytes (RFC 6455: a control frame's 125 less the close code's 2).
const maxCloseReason = 123

// cutMark ends a close reason that was cut: the whole text is in the
// status sent before the close (tellAndClose).
const cutMark = "…"

// closeReasonOf is the reason of the close that ends a Foxglove connection
// for err: "gopline: " and err's short reason (shortReasons), or err's
// text cut short (shortCloseReason). The status sent before the close
// says err whole.
func closeReasonOf(err error) string {
	for _, r := range shortReasons {
		if errors.Is(err, r.err) {
			return shortCloseReason("gopline: " + r.reason)
		}
	}
	return shortCloseReason("gopline: " + err.Error())
}

// shortReasons are the close reasons of the errors whose text is longer
// than a close frame carries, said in short (each fits).
var shortReasons = []struct {
	err    error
	reason string
}{
	{errNoSubscription, "the node serves all the Foxglove clients it can: a new client keeps its place only once it subscribes"},
	{errNotSeated, "the node serves all the Foxglove clients it can, and none idle long enough gives this one its place"},
}

// shortCloseReason is text as a close frame carries it: valid UTF-8 (the
// frame must be), and, when longer than maxCloseReason, cut where the
// last clause that fits ends (before ": ", "; ", ", ", ". " or " ("), or
// else its last word, never inside a character, marked cut.
func shortCloseReason(text string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	if len(text) <= maxCloseReason {
		return text
	}
	limit := maxCloseReason - len(cutMark)
	for limit > 0 && !utf8.RuneStart(text[limit]) {
		limit--
	}
	end := limit
	if i := lastClauseEnd(text, limit); i >= limit/2 {
		end = i
	} else if i := strings.LastIndexByte(text[:limit+1], ' '); i > 0 {
		end = i
	}
	return strings.TrimRight(text[:end], " ") + cutMark
}

// lastClauseEnd is where the last clause of text that ends at limit or
// before ends: the index of the punctuation or space after it, or -1.
func lastClauseEnd(text string, limit int) int {
	for i := limit; i > 0; i-- {
		if i+1 < len(text) && text[i+1] == ' ' && strings.IndexByte(":;,.", text[i]) >= 0 {
			return i
		}
		if text[i] == ' ' && i+1 < len(text) && text[i+1] == '(' {
			return i
		}
	}
	return -1
}
