package ffmpeg

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
)

// sequenceDir makes a directory holding the named (empty) files.
func sequenceDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSequenceHintSaysWhatToWrite(t *testing.T) {
	padded := sequenceDir(t, "000001.png", "000002.png", "000003.png")
	late := sequenceDir(t, "img_100.png", "img_101.png", "notes.txt")
	plain := sequenceDir(t, "1.jpg", "2.jpg", "10.jpg")
	for _, c := range []struct {
		location string
		options  map[string]string
		want     string // "" for no hint
	}{
		{filepath.Join(padded, "*.png"), nil, "options=pattern_type=glob"},
		{filepath.Join(padded, "*.png"), map[string]string{"pattern_type": "glob"}, ""},
		{filepath.Join(padded, "%05d.png"), nil, "begins at 000001.png: write location=" + padded + "/%06d.png"},
		{filepath.Join(padded, "%d.png"), nil, "write location=" + padded + "/%06d.png"},
		{filepath.Join(padded, "%06d.png"), nil, ""},
		{filepath.Join(late, "img_%d.png"), nil, "begins at img_100.png: write options=start_number=100"},
		{filepath.Join(late, "img_%03d.png"), nil, "write options=start_number=100"},
		{filepath.Join(late, "img_%d.png"), map[string]string{"start_number": "100"}, ""},
		{filepath.Join(late, "img_%d.png"), map[string]string{"start_number": "102"}, "options=start_number=100"},
		{filepath.Join(late, "frame_%d.png"), nil, "no file in " + late + " is named frame_<number>.png"},
		{filepath.Join(plain, "%03d.jpg"), nil, "write location=" + plain + "/%d.jpg"},
		{filepath.Join(plain, "%d.jpg"), nil, ""},
		{filepath.Join(plain, "missing.mp4"), nil, ""},
		{"rtsp://cam/%d", nil, ""},
		{filepath.Join(t.TempDir(), "gone", "%d.png"), nil, ""},
	} {
		got := sequenceHint(c.location, c.options)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("sequenceHint(%q, %v) = %q, want %q", c.location, c.options, got, c.want)
		}
	}
}

func TestReaderSaysHowToNameASequenceItCannotFind(t *testing.T) {
	dir := t.TempDir()
	src := testclip.Make(t, "one.png", 1, 25, "-update", "1")
	for _, n := range []string{"img_100.png", "img_101.png"} {
		if err := os.Link(src, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := OpenReader(filepath.Join(dir, "img_%d.png"))
	if err == nil || !strings.Contains(err.Error(), "options=start_number=100") {
		t.Fatalf("opening img_%%d.png of a sequence from 100: %v, want the start_number to give", err)
	}
	r := mustReader(t, filepath.Join(dir, "img_%d.png"), WithInputOptions(map[string]string{"start_number": "100"}))
	frames, _ := readAll(t, r)
	if len(frames) != 2 {
		t.Fatalf("%d pictures of the sequence, want 2", len(frames))
	}
}
