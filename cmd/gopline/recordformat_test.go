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
}
