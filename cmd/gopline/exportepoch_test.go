package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage"
)

// A recording of a robot whose clock was not set, its first second before
// 1970, exports to MCAP whole, with one warning that says how many
// messages were written at 1970's start and the earliest time.
func TestExportToMCAPKeepsMessagesBefore1970WithOneWarning(t *testing.T) {
	times := make([]time.Time, 60)
	for i := range times {
		times[i] = time.Unix(-1, 0).Add(time.Duration(i) * time.Second / 30)
	}
	path := recordCameraAt(t, filepath.Join(t.TempDir(), "clockless.gopline"), 30, times)
	out := filepath.Join(t.TempDir(), "clockless.mcap")
	code, stdout, stderr := runCmd("export", path, "--out", out)
	if code != 0 || !strings.Contains(stdout, "60 frames") {
		t.Fatalf("export: exit %d: %s%s", code, stdout, stderr)
	}
	want := "warning: 30 messages of /camera captured before 1970 (the earliest at 1969-12-31T23:59:59Z"
	if strings.Count(stderr, "before 1970") != 1 || !strings.Contains(stderr, want) {
		t.Errorf("export says\n%s\nwant one warning: %s", stderr, want)
	}
}

// recordCameraAt records into a file at path a /camera stream of
// testsrc's 160x120 pictures captured at times, encoded with GOP gop.
func recordCameraAt(t *testing.T, path string, gop int, times []time.Time) string {
	t.Helper()
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if err := rec.CreateStream(storage.StreamInfo{Name: "/camera", Codec: media.H264, Width: 160, Height: 120}); err != nil {
		t.Fatal(err)
	}
	p, err := testsrc.New(160, 120)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := ffmpeg.NewH264Encoder(160, 120, ffmpeg.WithGOP(gop))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	for i, at := range times {
		f := p.Frame(uint64(i))
		f.CaptureTime = at
		pkt, err := enc.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Append("/camera", pkt); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
