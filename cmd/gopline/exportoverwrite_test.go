package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An export never writes over a recording it reads, by any name (the
// path itself, a hard or symbolic link, a recording found in a directory
// given), not even with --overwrite: exit 2, naming it; the recording is
// left as it was.
func TestAnExportNeverWritesOverItsRecording(t *testing.T) {
	rec := exportRecording(t)
	before, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(rec)
	hard, soft := filepath.Join(t.TempDir(), "hard.mcap"), filepath.Join(t.TempDir(), "soft.mp4")
	if err := os.Link(rec, hard); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(rec, soft); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"export", rec, "--stream", "/camera", "--format", "mp4", "--out", rec},
		{"export", rec, "--format", "mcap", "--out", rec, "-y"},
		{"export", rec, "--out", hard, "--overwrite"},
		{"export", rec, "--stream", "/camera", "--out", soft, "-y"},
		{"export", dir, "--format", "mcap", "--out", rec, "-y"},
	} {
		code, stdout, stderr := runCmd(args...)
		want := ", a recording this export reads: export writes a new file; give --out another name"
		if code != exitUsage || !strings.Contains(stderr, rec+want) || stdout != "" {
			t.Errorf("%s: exit %d, %q%q; want exit 2 and %q", strings.Join(args, " "), code, stdout, stderr, want)
		}
	}
	if after, _ := os.ReadFile(rec); !bytes.Equal(before, after) {
		t.Fatal("the recording was changed")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the recording's directory holds %v", entries)
	}
}

// A file at --out, or a picture of the name an export would write, is
// written over only with --overwrite or -y (ffmpeg's -y); without, exit
// 2 names it and the flag, and it is left as it was.
func TestAnExportWritesOverAFileOnlyWhenTold(t *testing.T) {
	rec := exportRecording(t)
	dir := t.TempDir()
	pictures := filepath.Join(dir, "pictures")
	if err := os.Mkdir(pictures, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args     []string
		existing string // the file there before
	}{
		{[]string{"export", rec, "--stream", "/camera", "--out", filepath.Join(dir, "a.mp4")}, filepath.Join(dir, "a.mp4")},
		{[]string{"export", rec, "--out", filepath.Join(dir, "a.mcap")}, filepath.Join(dir, "a.mcap")},
		{[]string{"export", rec, "--stream", "/camera", "--at", "1s", "--out", filepath.Join(dir, "a.png")}, filepath.Join(dir, "a.png")},
		{[]string{"export", rec, "--stream", "/camera", "--at", "1s,2s", "--out", pictures}, filepath.Join(pictures, "camera-000002.000s.png")},
	} {
		name := strings.Join(c.args, " ")
		if err := os.WriteFile(c.existing, []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runCmd(c.args...)
		want := c.existing + " exists: export writes over a file only with --overwrite (-y)"
		if code != exitUsage || !strings.Contains(stderr, want) || stdout != "" {
			t.Errorf("%s: exit %d, %q%q; want exit 2 and %q", name, code, stdout, stderr, want)
		}
		if b, _ := os.ReadFile(c.existing); string(b) != "mine" {
			t.Errorf("%s: %s now holds %d bytes", name, c.existing, len(b))
		}
		for _, flag := range []string{"-y", "--overwrite"} {
			if code, _, stderr := runCmd(append(c.args, flag)...); code != 0 {
				t.Errorf("%s %s: exit %d, %s", name, flag, code, stderr)
			}
			if b, _ := os.ReadFile(c.existing); len(b) < 100 {
				t.Errorf("%s %s: %s holds %q, not the export", name, flag, c.existing, b)
			}
		}
	}
}

// An export's temporary file is its own: an OUT.tmp of the user's stays as
// it was.
func TestAnExportLeavesTheUsersTmpFile(t *testing.T) {
	rec := exportRecording(t)
	out := filepath.Join(t.TempDir(), "a.mp4")
	if err := os.WriteFile(out+".tmp", []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd("export", rec, "--stream", "/camera", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(out + ".tmp"); err != nil || string(b) != "mine" {
		t.Errorf("%s.tmp now holds %q, %v", out, b, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 2 {
		t.Errorf("the directory holds %v, want a.mp4 and a.mp4.tmp", entries)
	}
}
