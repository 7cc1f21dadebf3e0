package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopline/gopline/storage"
)

// damagedRecording is exportRecording with the payload of /camera's
// packet 45 (a delta in the middle of its second GOP) overwritten: its
// record no longer checks.
func damagedRecording(t *testing.T) string {
	t.Helper()
	path := exportRecording(t)
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	first, err := rec.First("/camera")
	if err != nil {
		t.Fatal(err)
	}
	c, err := rec.Seek("/camera", first)
	if err != nil {
		t.Fatal(err)
	}
	var payload []byte
	for i := 0; i <= 45; i++ {
		p, err := c.Next()
		if err != nil {
			t.Fatal(err)
		}
		payload = bytes.Clone(p.Data)
	}
	c.Close()
	rec.Close()
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(file, payload)
	if at < 0 || len(payload) < 8 {
		t.Fatalf("packet 45 (%d bytes) not found whole in the file", len(payload))
	}
	copy(file[at+len(payload)/2:], "DAMAGED!")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDamageIsCountedReportedAndFailsUnlessAllowed(t *testing.T) {
	rec := damagedRecording(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"export", rec, "--stream", "/camera", "--out", filepath.Join(dir, "a.mp4")}, 1, "damaged records (--allow-damage accepts it)"},
		{[]string{"export", rec, "--stream", "/camera", "--out", filepath.Join(dir, "b.mp4"), "--allow-damage"}, 0, "packets skipped (1 damaged records"},
		{[]string{"export", rec, "--stream", "/camera", "--out", filepath.Join(dir, "png"), "--at", "0.5s,1.6s,2.5s"}, 1, "1 of 3 times have no picture"},
		{[]string{"export", rec, "--stream", "/camera", "--out", filepath.Join(dir, "png2"), "--at", "0.5s,1.6s,2.5s", "--allow-damage"}, 0, "wrote 2 pictures of /camera"},
		{[]string{"play", rec, "--stream", "/camera", "--rate", "8"}, 1, "play0 (play) skipped"},
		{[]string{"play", rec, "--stream", "/camera", "--rate", "8", "--allow-damage"}, 0, "play0"},
	} {
		code, stdout, stderr := runCmd(c.args...)
		if code != c.code || !strings.Contains(stdout+stderr, c.says) {
			t.Errorf("gopline %q: exit %d, %s%s; want exit %d and %q", c.args, code, stdout, stderr, c.code, c.says)
		}
	}
	if pics, _ := filepath.Glob(filepath.Join(dir, "png", "*.png")); len(pics) != 2 {
		t.Errorf("png export wrote %d pictures past the damaged time, want 2", len(pics))
	}
}

func TestADamagedFileIsARuntimeErrorNamingIt(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "junk.gopline")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("junk"), 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	// A recording cut short, as by a full disk or a copy that stopped.
	truncated := exportRecording(t)
	fi, err := os.Stat(truncated)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(truncated, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{junk, truncated} {
		for _, args := range [][]string{
			{"run", "play path=" + path + " ! fakesink"},
			{"play", path},
			{"info", path},
			{"export", path, "--out", filepath.Join(t.TempDir(), "x.mp4")},
		} {
			code, _, stderr := runCmd(args...)
			if code != 1 || !strings.Contains(stderr, path) || strings.Contains(stderr, "^") || strings.Contains(stderr, "usage") {
				t.Errorf("gopline %q: exit %d, %q; want exit 1 and a message naming the file", args, code, stderr)
			}
		}
	}
}
