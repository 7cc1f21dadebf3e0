package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// gapRecording writes a JPEG-less H.264-like stream of 20 keyframes at 10
// fps with a 2 s pause after the tenth, and an empty second stream.
func gapRecording(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gap.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	for _, name := range []string{"/cam", "/idle"} {
		if err := rec.CreateStream(storage.StreamInfo{Name: name, Codec: media.JPEG, Width: 16, Height: 16}); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range 20 {
		if i == 10 {
			at = at.Add(2 * time.Second)
		}
		p := &media.Packet{Codec: media.JPEG, Width: 16, Height: 16, Key: true, Seq: uint64(i), GOP: uint64(i), Epoch: 1,
			CaptureTime: at, Data: []byte{0xff, 0xd8, byte(i), 0xff, 0xd9}}
		if err := rec.Append("/cam", p); err != nil {
			t.Fatal(err)
		}
		at = at.Add(100 * time.Millisecond)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestInfoShowsTimesKeyframesAndGaps(t *testing.T) {
	path := gapRecording(t)
	code, stdout, stderr := runCmd("info", "--json", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var sums []streamSummary
	if err := json.Unmarshal([]byte(stdout), &sums); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if len(sums) != 2 {
		t.Fatalf("%d streams: %s", len(sums), stdout)
	}
	cam := sums[0]
	if cam.Stream != "/cam" || cam.Packets != 20 || cam.Keyframes != 20 || cam.Gaps != 1 || cam.GapTime != 2100*time.Millisecond ||
		!cam.Start.Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)) || cam.End.Sub(cam.Start) != 3900*time.Millisecond {
		t.Errorf("/cam %+v", cam)
	}
	if sums[1].Packets != 0 || sums[1].Gaps != 0 {
		t.Errorf("/idle %+v", sums[1])
	}
	code, stdout, _ = runCmd("info", path)
	for _, want := range []string{"Start:     2024-05-01 12:00:00.000 UTC", "End:       2024-05-01 12:00:03.900 UTC", "Duration:  3.9s",
		"Packets:   20 in 2 streams", "1 (2.1s)", "keyframes"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("exit %d, info lacks %q:\n%s", code, want, stdout)
		}
	}
}

func TestInfoFailsOnAnEmptyOrDamagedRecording(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.gopline")
	rec, err := storage.Open(empty)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	damaged := damagedRecording(t)
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"info", empty}, 1, empty + " is empty: no packet was recorded in it"},
		{[]string{"info", damaged}, 1, damaged + ": 1 damaged record, which do not decode"},
		{[]string{"info", "--allow-damage", damaged}, 0, ""},
	} {
		code, _, stderr := runCmd(c.args...)
		if code != c.code || !strings.Contains(stderr, c.says) {
			t.Errorf("gopline %q: exit %d, %q; want exit %d and %q", c.args, code, stderr, c.code, c.says)
		}
	}
}

// The summary counts a single stream as one and gives the file's size on
// disk, also when no packet was recorded in it.
func TestInfoSaysTheFileSizeAndOneStream(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idle.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.CreateStream(storage.StreamInfo{Name: "/idle", Codec: media.JPEG, Width: 16, Height: 16}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() == 0 {
		t.Fatalf("the recording's file: %v, %v", fi, err)
	}
	code, stdout, _ := runCmd("info", path)
	for _, want := range []string{"Size:      " + formatBytes(fi.Size()) + "\n", "Packets:   0 in 1 stream\n"} {
		if code != 1 || !strings.Contains(stdout, want) {
			t.Errorf("exit %d, info lacks %q:\n%s", code, want, stdout)
		}
	}
}
