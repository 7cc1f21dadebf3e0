package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopline/gopline/internal/smallfs"
)

// record -b splits the recording as ros2 bag record does: into numbered
// files that each open, play and export on their own, from a keyframe,
// and that hold, together, every packet published that the recorder did
// not count as dropped, each once.
func TestRecordSplitsIntoFilesThatHoldEveryPacket(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "cam.gopline")
	code, stdout, stderr := runCmd("record", "--topic", "/camera", "-o", out, "-b", "15kB", "--json",
		"testsrc size=160x120 num-frames=90 rate=90 ! h264enc gop=10 ! publish topic=/camera")
	if code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	stored := nodeStat(t, stdout, "publish0").In - nodeStat(t, stdout, "recorder").Dropped
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s exists: a split recording writes numbered files", out)
	}
	var total int64
	files := 0
	for ; ; files++ {
		path := filepath.Join(dir, "cam_"+string(rune('0'+files))+".gopline")
		if _, err := os.Stat(path); err != nil {
			break
		}
		code, stdout, stderr := runCmd("info", path, "--json")
		var info []streamSummary
		if code != 0 || json.Unmarshal([]byte(stdout), &info) != nil || len(info) != 1 || info[0].Keyframes == 0 {
			t.Fatalf("info %s: exit %d, %s %s", path, code, stdout, stderr)
		}
		total += info[0].Packets
		if code, _, stderr := runCmd("export", path, "--out", filepath.Join(dir, "part.mp4"), "-y"); code != 0 {
			t.Fatalf("export %s: exit %d: %s", path, code, stderr)
		}
	}
	if files < 2 || files > 9 {
		t.Fatalf("%d files of 15kB each", files)
	}
	if uint64(total) != stored {
		t.Fatalf("the %d files hold %d packets; %d were published and not dropped", files, total, stored)
	}
	// info of the directory describes the files as one recording, as
	// record did at its end.
	code, stdout, stderr = runCmd("info", "--json", dir)
	var set setSummary
	if code != 0 || json.Unmarshal([]byte(stdout), &set) != nil || len(set.Files) != files || set.Packets != total {
		t.Fatalf("info of the %d files: exit %d, %s %s; want them holding %d packets", files, code, stdout, stderr, total)
	}
	// play of the files in order plays the stream through them all.
	args := []string{"play", "--rate", "20"}
	for i := range files {
		args = append(args, filepath.Join(dir, "cam_"+string(rune('0'+i))+".gopline"))
	}
	code, _, stderr = runCmd(args...)
	if want := fmt.Sprintf("published %d packets on /camera\n", total); code != 0 || !strings.Contains(stderr, want) {
		t.Fatalf("play of the %d files: exit %d, want %q: %s", files, code, want, stderr)
	}
	// A second run goes on numbering after the first's files.
	code, _, stderr = runCmd("record", "--topic", "/camera", "-o", out, "-d", "1",
		"testsrc size=160x120 num-frames=10 rate=90 ! h264enc gop=10 ! publish topic=/camera")
	if code != 0 || !strings.Contains(stderr, "cam_"+string(rune('0'+files))+".gopline") || !strings.Contains(stderr, "File:") {
		t.Fatalf("second record: exit %d: %s", code, stderr)
	}
}

// record -b --overwrite-oldest onto a disk that fills up deletes the set's
// oldest files, says so, ends well (exit 0), and describes the files left
// as the recording, not the first file's absence as nothing recorded.
func TestRecordSplitThatOverwritesEndsWithTheFilesLeft(t *testing.T) {
	dir := smallfs.Dir(t, "1m")
	if dir == "" {
		return // the child ran the test
	}
	out := filepath.Join(dir, "cam.gopline")
	code, _, stderr := runCmd("record", "--topic", "/camera", "-o", out, "-b", "250K", "--overwrite-oldest",
		"testsrc size=320x240 num-frames=600 is-live=false ! h264enc gop=30 crf=0 ! publish topic=/camera")
	if code != 0 || !strings.Contains(stderr, "deleted "+filepath.Join(dir, "cam_0.gopline")+", the oldest file of the set") ||
		!strings.Contains(stderr, "Files: ") {
		t.Fatalf("record: exit %d: %s\nwant exit 0, cam_0.gopline deleted, and the files left described", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "cam_0.gopline")); err == nil {
		t.Fatal("cam_0.gopline was said deleted, and is there")
	}
}
