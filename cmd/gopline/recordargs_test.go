package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Topics named before the pipeline are record's topics, as ros2 bag
// record takes them; the pipeline begins at the first word that is not a
// topic name.
func TestTopicArgsAreTheTopicNamesBeforeThePipeline(t *testing.T) {
	for _, c := range []struct {
		args, topics, rest []string
	}{
		{[]string{"/camera", "/imu"}, []string{"/camera", "/imu"}, nil},
		{[]string{"/camera", "testsrc ! h264enc ! publish topic=/camera"}, []string{"/camera"}, []string{"testsrc ! h264enc ! publish topic=/camera"}},
		{[]string{"testsrc", "!", "fakesink"}, nil, []string{"testsrc", "!", "fakesink"}},
		{[]string{"/camera/", "testsrc"}, nil, []string{"/camera/", "testsrc"}},
		{nil, nil, nil},
	} {
		topics, rest := topicArgs(c.args)
		if !slices.Equal(topics, c.topics) || !slices.Equal(rest, c.rest) {
			t.Errorf("topicArgs(%q) = %q, %q; want %q, %q", c.args, topics, rest, c.topics, c.rest)
		}
	}
}

func TestDefaultOutIsNamedAfterTheStartAsRos2Does(t *testing.T) {
	at := time.Date(2024, 5, 1, 9, 3, 7, 0, time.Local)
	if got := defaultOut(at); got != "gopline_2024_05_01-09_03_07.gopline" {
		t.Fatalf("defaultOut = %q", got)
	}
}

// gopline record /camera without --out records, as ros2 bag record does,
// to a file named after its start; recording again into it says, in its
// first line, that it appends and what the file holds.
func TestRecordTakesRos2sPositionalTopicsAndDefaultNameAndSaysWhatItAppendsTo(t *testing.T) {
	t.Chdir(t.TempDir())
	line := "testsrc size=64x48 num-frames=10 is-live=false ! jpegenc ! publish topic=/camera"
	code, _, stderr := runCmd("record", "/camera", "--no-mdns", "--duration", "20s", line)
	if code != 0 || !strings.Contains(stderr, "recording /camera to gopline_") ||
		!strings.Contains(stderr, "(no --out: named after the time it began, as ros2 bag record names its bag)") {
		t.Fatalf("record /camera without --out: exit %d: %s", code, stderr)
	}
	made, _ := filepath.Glob("gopline_*.gopline")
	if len(made) != 1 {
		entries, _ := os.ReadDir(".")
		t.Fatalf("made %q; want one gopline_*.gopline (the directory holds %v)", made, entries)
	}
	code, _, stderr = runCmd("record", "/camera", "-o", made[0], "--no-mdns", "--duration", "20s", line)
	first, _, _ := strings.Cut(stderr, "\n")
	held := regexp.MustCompile(`^recording /camera to ` + regexp.QuoteMeta(made[0]) +
		`, appending to what it holds, /camera: [1-9][0-9]* packets from \d{4}-\d\d-\d\d [0-9:.]+ \S+ to \d{4}-\d\d-\d\d [0-9:.]+ \S+ \([0-9.]+m?s\) \(another --out starts a new recording\)$`)
	if code != 0 || !held.MatchString(first) {
		t.Fatalf("record into %s again: exit %d, first line %q; want it to say what the file holds\n%s", made[0], code, first, stderr)
	}
}

// Topics before the pipeline without their slash (ros2 bag record camera)
// are refused naming the form that records them; an element's name, or
// another tool's, is taken for a pipeline as before.
func TestRecordOfBareTopicNamesSaysToGiveTheirSlash(t *testing.T) {
	code, _, stderr := runCmd("record", "camera", "imu", "-o", filepath.Join(t.TempDir(), "x.gopline"))
	if code != exitUsage || !strings.Contains(stderr, "gopline record /camera /imu (or --topic camera --topic imu)") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, word := range []string{"testsrc", "videotestsrc"} {
		if _, _, stderr := runCmd("record", word); strings.Contains(stderr, "begins with its slash") {
			t.Errorf("record %s: taken for a topic: %s", word, stderr)
		}
	}
}
