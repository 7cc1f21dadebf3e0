package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopline/gopline/storage"
)

// record into a file it cannot use (another recorder's, not a recording)
// fails before its pipeline starts: exit 1 naming the file and why, with
// no stats table, no start line and no warning of the pipeline's; a
// missing directory of --out is created, as ros2 bag record -o does.
func TestRecordRefusesAnOutputItCannotUseBeforeItStarts(t *testing.T) {
	dir := t.TempDir()
	notRec := filepath.Join(dir, "notes.gopline")
	if err := os.WriteFile(notRec, []byte(strings.Repeat("not a recording\n", 300)), 0o644); err != nil {
		t.Fatal(err)
	}
	held := filepath.Join(dir, "held.gopline")
	rec, err := storage.Open(held)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	const line = "testsrc size=64x48 num-frames=5 ! h264enc ! publish topic=/camera"
	for out, why := range map[string]string{notRec: "not a gopline recording", held: "open elsewhere",
		filepath.Join(notRec, "cam.gopline"): "not a directory", filepath.Join(notRec, "d", "cam.gopline"): "not a directory"} {
		code, stdout, stderr := runCmd("record", "--topic", "/camera", "-o", out, line)
		if code != 1 || !strings.Contains(stderr, "cannot record to "+out) || !strings.Contains(stderr, why) ||
			strings.Contains(stderr, "recording /camera") || strings.Contains(stderr, "liveliness") || strings.Contains(stdout+stderr, "testsrc0") {
			t.Errorf("record -o %s: exit %d, stdout %q, stderr %q; want exit 1 at once saying %q", out, code, stdout, stderr, why)
		}
	}
	nested := filepath.Join(dir, "runs", "today", "cam.gopline")
	code, _, stderr := runCmd("record", "--topic", "/camera", "-o", nested, line)
	if code != 0 || !strings.Contains(stderr, "recording /camera to "+nested+"\n") {
		t.Errorf("record into a missing directory: exit %d, %q; want it created and the recording made", code, stderr)
	}
	if _, err := os.Stat(nested); err != nil || storage.HoldsNoPacket(nested) {
		t.Errorf("%s holds no packet: %v", nested, err)
	}
}

// A recording of a mistyped topic says that the pipeline publishes
// another, and which one was meant, instead of a bare "recorded nothing".
// The directories --out named and record made are removed again, as the
// file is.
func TestRecordOfAMistypedTopicSaysWhatThePipelinePublishes(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "runs", "today", "c.gopline")
	code, _, stderr := runCmd("record", "--no-mdns", "--topic", "/cam", "-o", out, "--duration", "3s", "testsrc size=64x48 num-frames=3 ! h264enc ! publish topic=/camera")
	if code != exitFailure || !strings.Contains(stderr, "recorded nothing: the pipeline publishes /camera, not /cam, and no other node offered /cam (did you mean /camera?)") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("a run that recorded nothing left %s in --out's directory", left[0].Name())
	}
}

// record -o of a directory, as ros2 bag record -o names one, is a usage
// error saying that --out is a file and giving one, whether the directory
// exists or its name ends in a slash; it makes nothing.
func TestRecordOutOfADirectorySaysItIsAFile(t *testing.T) {
	dir := t.TempDir()
	for _, out := range []string{dir, filepath.Join(dir, "newbag") + "/"} {
		code, _, stderr := runCmd("record", "--topic", "/camera", "-o", out, "testsrc num-frames=5 ! h264enc ! publish topic=/camera")
		if code != exitUsage || !strings.Contains(stderr, "names a directory: gopline records to a file") ||
			!strings.Contains(stderr, filepath.Join(out, "recording.gopline")) {
			t.Errorf("record -o %s: exit %d, %q; want a usage error giving a file in it", out, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "newbag")); err == nil {
		t.Error("record -o newbag/ made the directory")
	}
}
