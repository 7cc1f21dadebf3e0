package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// play and export of a recording a recorder holds open fail saying how to
// read what it holds so far, and the command they name copies the live
// file into a recording that the commands read.
func TestPlayAndExportOfARecordingBeingWrittenNameTheCopyThatReadsIt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "live.gopline")
	rec, err := storage.Open(path, storage.WithBatch(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if err := rec.CreateStream(storage.StreamInfo{Name: "/cam", Codec: media.JPEG, Width: 16, Height: 16}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range 4 {
		p := &media.Packet{Codec: media.JPEG, Width: 16, Height: 16, Key: true, Seq: uint64(i), GOP: uint64(i), Epoch: 1,
			CaptureTime: at.Add(time.Duration(i) * 100 * time.Millisecond), Data: []byte{0xff, 0xd8, byte(i), 0xff, 0xd9}}
		if err := rec.Append("/cam", p); err != nil {
			t.Fatal(err)
		}
	}

	snapshot := filepath.Join(dir, "live-snapshot.gopline")
	hint := "gopline recover " + path + " --out " + snapshot
	for _, args := range [][]string{{"play", path}, {"export", path, "--out", filepath.Join(dir, "live.mcap")}} {
		code, _, stderr := runCmd(args...)
		if code != 1 || !strings.Contains(stderr, "open elsewhere") || !strings.Contains(stderr, hint) {
			t.Errorf("%s: exit %d, want 1 and %q:\n%s", args[0], code, hint, stderr)
		}
	}
	if code, stdout, stderr := runCmd("recover", path, "--out", snapshot); code != 0 {
		t.Fatalf("recover as advised: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr := runCmd("info", snapshot)
	if code != 0 || !strings.Contains(stdout, "Packets:   4 in 1 stream") || strings.Contains(stdout, "being written") {
		t.Errorf("info of the copy: exit %d, want its 4 packets, closed:\n%s%s", code, stdout, stderr)
	}
}
