package web

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// closeReasonCases feed the test of shortCloseReason and the seeds of its fuzz
// test: each with what its short reason must begin with.
var closeReasonCases = []struct{ name, text, want string }{
	{"short", "gopline: the node is shutting down", "gopline: the node is shutting down"},
	{"a guest that subscribed to nothing", "gopline: " + errNoSubscription.Error(),
		"gopline: the node serves all the Foxglove clients it can: a new client keeps its place only once it subscribes…"},
	{"one word", strings.Repeat("x", 300), strings.Repeat("x", maxCloseReason-len("…")) + "…"},
	{"three-byte characters", strings.Repeat("話", 100), strings.Repeat("話", 40) + "…"},
	{"four-byte characters at the cut", "gopline: topic /" + strings.Repeat("📷", 40), "gopline: topic…"},
	{"invalid UTF-8", "gopline: topic /\xff\xfe is gone", "gopline: topic /\uFFFD is gone"},
}

// A close reason fits in a close frame (123 bytes), is valid UTF-8, and
// is cut, when the text is longer, where a clause or a word ends, never
// inside a character, and marked cut.
func TestShortCloseReasonFitsAFrameAndEndsAtAWord(t *testing.T) {
	for _, c := range closeReasonCases {
		got := shortCloseReason(c.text)
		if len(got) > maxCloseReason || !utf8.ValidString(got) {
			t.Errorf("%s: %q: %d bytes, valid UTF-8 %v", c.name, got, len(got), utf8.ValidString(got))
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func FuzzShortCloseReason(f *testing.F) {
	for _, c := range closeReasonCases {
		f.Add(c.text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := shortCloseReason(text)
		if len(got) > maxCloseReason || !utf8.ValidString(got) {
			t.Fatalf("%q: %q, %d bytes, valid UTF-8 %v", text, got, len(got), utf8.ValidString(got))
		}
		if valid := strings.ToValidUTF8(text, "\uFFFD"); len(valid) <= maxCloseReason && got != valid {
			t.Fatalf("%q fits, and became %q", text, got)
		}
	})
}

// The errors said in short each fit a close frame whole, and an error
// wrapped in another is said as the error it wraps.
func TestCloseReasonsOfLongErrorsAreShortAndWhole(t *testing.T) {
	for _, r := range shortReasons {
		if got := closeReasonOf(r.err); strings.HasSuffix(got, cutMark) || !strings.HasPrefix(got, "gopline: ") {
			t.Errorf("%v: close reason %q is cut", r.err, got)
		}
	}
	wrapped := fmt.Errorf("%w (%w)", errNotSeated, fmt.Errorf("%w: %d", errPoolFull, 2))
	if got, want := closeReasonOf(wrapped), closeReasonOf(errNotSeated); got != want {
		t.Errorf("%v: close reason %q, want %q", wrapped, got, want)
	}
	if got, want := closeReasonOf(errClosing), "gopline: "+errClosing.Error(); got != want {
		t.Errorf("%v: close reason %q, want %q", errClosing, got, want)
	}
}
