package main

import (
	"strings"
	"testing"
)

// gopline elements videosrc reads as paragraphs, the common cases first,
// each line within the terminal's width, and nothing of its facts lost.
func TestElementsDescriptionIsParagraphsWithinTheWidth(t *testing.T) {
	code, stdout, stderr := runCmd("elements", "videosrc")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc, _, _ := strings.Cut(stdout, "\ntakes: ")
	for _, line := range strings.Split(doc, "\n") {
		if len(line) > docWidth {
			t.Errorf("a line of %d bytes: %.80q...", len(line), line)
		}
	}
	paragraphs := strings.Split(strings.TrimSpace(doc), "\n\n")
	if len(paragraphs) < 5 || !strings.Contains(paragraphs[2], "- a file: videosrc location=clip.mp4") {
		t.Errorf("%d paragraphs, the common cases not third (after the summary and the opening):\n%s", len(paragraphs), doc)
	}
	for _, fact := range []string{"config-interval=-1", "skipped: before_keyframe", "High 4:4:4", "rtsp_transport=udp",
		"stream never opened", "Content-Length", "3 target durations", "a raw H.264 file whose SPS states none"} {
		if !strings.Contains(strings.Join(strings.Fields(doc), " "), fact) {
			t.Errorf("the description lost %q", fact)
		}
	}
}

func TestWrapDocIndentsAListItemsContinuation(t *testing.T) {
	got := wrapDoc("one two three four\n\n- five six seven", 10)
	if want := "one two\nthree four\n\n- five six\n  seven"; got != want {
		t.Fatalf("wrapDoc = %q, want %q", got, want)
	}
}
