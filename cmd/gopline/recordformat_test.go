package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
)

// A camera that changes its resolution mid-stream: record goes on in
// cam_1.gopline at the new size's keyframe, says so, exits 0 and describes
// both files as one recording; info of the two shows both sizes, and play
// of them publishes every packet.
func TestRecordGoesOnInANewFileWhereTheCameraChangesItsSize(t *testing.T) {
	clip := testclip.MakeSizeChange(t, "ab.ts")
	dir := t.TempDir()
	out, next := filepath.Join(dir, "cam.gopline"), filepath.Join(dir, "cam_1.gopline")
	code, _, stderr := runCmd("record", "--out", out, "--topic", "/cam",
		"videosrc location="+clip+" passthrough=true ! publish topic=/cam")
	if code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	for _, says := range []string{"/cam changed from h264 320x240 to h264 640x480 at a keyframe: recording it on in " + next,
		"Files:     2", "Packets:   100 in 1 stream", "320x240, 640x480"} {
		if !strings.Contains(stderr, says) {
			t.Errorf("record does not say %q: %s", says, stderr)
		}
	}
	if strings.Contains(stderr, "ERR") || strings.Contains(stderr, "differs") {
		t.Errorf("record reports an error: %s", stderr)
	}
	code, stdout, stderr := runCmd("info", "--json", next, out)
	var set setSummary
	if code != 0 || json.Unmarshal([]byte(stdout), &set) != nil {
		t.Fatalf("info of the two files: exit %d: %s%s", code, stdout, stderr)
	}
	want := []pictureSize{{320, 240}, {640, 480}}
	if len(set.Streams) != 1 || set.Packets != 100 || !slices.Equal(set.Streams[0].Sizes, want) {
		t.Fatalf("info of the two files: %d packets, streams %+v; want 100 of /cam at %v", set.Packets, set.Streams, want)
	}
	if set.Files[0].File != out || set.Files[0].Packets != 50 || set.Files[1].Packets != 50 {
		t.Errorf("files %+v, want %s first, 50 packets each", set.Files, out)
	}
	code, _, stderr = runCmd("play", "--rate", "20", next, out)
	if want := fmt.Sprintf("published %d packets on /cam\n", 100); code != 0 || !strings.Contains(stderr, want) {
		t.Fatalf("play of the two files: exit %d, want %q: %s", code, want, stderr)
	}
	exportSizeChange(t, out, next)
}

// exportSizeChange exports the two files of a recording whose size
// changed between them as one MP4: an avc3 track of every picture, each
// at its own size, with notes that say so; and as one MCAP file and PNG
// pictures, times counting from the first file's start.
func exportSizeChange(t *testing.T, out, next string) {
	mp4 := filepath.Join(t.TempDir(), "cam.mp4")
	code, stdout, stderr := runCmd("export", next, out, "--out", mp4)
	if code != 0 || !strings.Contains(stdout, "100 frames of /cam") {
		t.Fatalf("export of the two files: exit %d: %s%s", code, stdout, stderr)
	}
	for _, says := range []string{"the MP4 track is avc3", "note: /cam is 640x480 from 2s from the recording's start"} {
		if !strings.Contains(stderr, says) {
			t.Errorf("export does not note %q: %s", says, stderr)
		}
	}
	if tag := testclip.Probe(t, mp4, "-show_entries", "stream=codec_tag_string"); len(tag) != 1 || tag[0] != "avc3" {
		t.Errorf("the track is %q, want avc3", tag)
	}
	if n := testclip.FrameCount(t, mp4); n != 100 {
		t.Errorf("the MP4 decodes to %d pictures, want 100", n)
	}
	exportSetOtherwise(t, out, next)
}

// exportSetOtherwise exports the two files of a recording whose size
// changed at 2s as MCAP and PNG: the MCAP file holds every packet, or
// those from --start on over both files; a picture at 3s is of the second
// file, at its size, and one at 1s of the first.
func exportSetOtherwise(t *testing.T, out, next string) {
	mcapOut := filepath.Join(t.TempDir(), "cam.mcap")
	for _, c := range []struct {
		start, says string
	}{{"0s", "100 frames of /cam"}, {"1s", "75 frames of /cam"}, {"2s", "50 frames of /cam"}, {"3s", "25 frames of /cam"}} {
		code, stdout, stderr := runCmd("export", next, out, "--out", mcapOut, "--start", c.start, "-y")
		if code != 0 || !strings.Contains(stdout, c.says) {
			t.Fatalf("an MCAP export of the two files from %s: exit %d, want %q: %s%s", c.start, code, c.says, stdout, stderr)
		}
	}
	dir := filepath.Join(t.TempDir(), "pictures")
	code, stdout, stderr := runCmd("export", out, next, "--out", dir, "--at", "1s,3s")
	if code != 0 || !strings.Contains(stdout, "wrote 2 pictures of /cam") {
		t.Fatalf("a PNG export of the two files: exit %d: %s%s", code, stdout, stderr)
	}
	for _, c := range []struct {
		name string
		size string
	}{{"cam-000001.000s.png", "320,240"}, {"cam-000003.000s.png", "640,480"}} {
		if got := testclip.Probe(t, filepath.Join(dir, c.name), "-show_entries", "stream=width,height"); len(got) != 1 || got[0] != c.size {
			t.Errorf("%s is %v, want %s", c.name, got, c.size)
		}
	}
}

// A second and a third run into cam.gopline after its camera changed size
// say that they append, and go on where its set of files ends: a run at the last file's size
// appends to cam_1.gopline, one that begins at the first size begins
// cam_2.gopline (and its change cam_3.gopline); so the set stays in the
// order of time, and info and an MP4 export take it as one recording.
// The clips play at their own pace (is-live), as cameras do, so that each
// run's packets come after the last run's.
func TestRecordAgainGoesOnWhereTheSetOfFilesEnds(t *testing.T) {
	change := testclip.MakeSizeChange(t, "ab.ts")
	big := testclip.Make(t, "big.ts", 25, 25, "-vf", "scale=640:480", "-c:v", "libx264", "-g", "25", "-bf", "0", "-pix_fmt", "yuv420p")
	dir := t.TempDir()
	out := filepath.Join(dir, "cam.gopline")
	file := func(n int) string { return filepath.Join(dir, fmt.Sprintf("cam_%d.gopline", n)) }
	runs := []struct {
		clip, says string
		files      []int // the packets of cam.gopline, cam_1.gopline, ... after the run
	}{
		{change, "recording /cam to " + out, []int{50, 50}},
		{big, "recording /cam to " + file(1) + " (the last file of " + out + "'s recording), appending to what it holds", []int{50, 75}},
		{change, "recording it on in " + file(3), []int{50, 75, 50, 50}},
	}
	for i, run := range runs {
		code, _, stderr := runCmd("record", "--out", out, "--topic", "/cam",
			"videosrc location="+run.clip+" passthrough=true is-live=true ! publish topic=/cam")
		if code != 0 || !strings.Contains(stderr, run.says) {
			t.Fatalf("run %d: exit %d, want %q: %s", i+1, code, run.says, stderr)
		}
		if appends := strings.Contains(stderr, "appending"); appends != (i > 0) {
			t.Fatalf("run %d: says it appends: %v: %s", i+1, appends, stderr)
		}
		files := []string{out}
		for n := 1; n < len(run.files); n++ {
			files = append(files, file(n))
		}
		code, stdout, stderr := runCmd(append([]string{"info", "--json"}, files...)...)
		var set setSummary
		if code != 0 || json.Unmarshal([]byte(stdout), &set) != nil {
			t.Fatalf("run %d: info: exit %d: %s%s", i+1, code, stdout, stderr)
		}
		var got []int
		for _, f := range set.Files {
			got = append(got, int(f.Packets))
		}
		if !slices.Equal(got, run.files) {
			t.Fatalf("run %d: the files hold %v packets, want %v", i+1, got, run.files)
		}
	}
	if code, _, _ := runCmd("info", file(4)); code == 0 {
		t.Errorf("%s was written", file(4))
	}
	mp4 := filepath.Join(t.TempDir(), "cam.mp4")
	code, stdout, stderr := runCmd("export", out, file(1), file(2), file(3), "--out", mp4)
	if code != 0 || !strings.Contains(stdout, "225 frames of /cam") {
		t.Fatalf("export of the set: exit %d: %s%s", code, stdout, stderr)
	}
}
