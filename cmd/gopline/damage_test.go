package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopline/gopline/storage"
)

// damagedRecording is exportRecording with /camera's packet 45 (a delta
// in the middle of its second GOP) damaged (damagePacket).
func damagedRecording(t *testing.T) string {
	t.Helper()
	path := exportRecording(t)
	damagePacket(t, path, "/camera", 45)
	return path
}

// damagePacket overwrites the middle of the payload of stream's packet
// index, so that its record no longer checks, and checks that it reads as
// damaged, alone. It overwrites every copy of the payload in the file:
// bbolt writes a rewritten chunk to new pages and leaves its old copy in
// freed ones, and a recording committed in small groups (as a batch
// interval that passes between the packets of a loaded machine makes
// them) rewrites a stream's open chunk as it grows, so a file can hold
// stale copies of a packet beside the one that is read. bbolt writes
// whole pages, so a copy in a page in use is a live record.
func damagePacket(t *testing.T, path, stream string, index int) {
	t.Helper()
	payload := packetData(t, path, stream, index)
	if len(payload) < 16 {
		t.Fatalf("packet %d of %s has %d bytes: too few to damage in the middle", index, stream, len(payload))
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copies := 0
	for from := 0; ; {
		at := bytes.Index(file[from:], payload)
		if at < 0 {
			break
		}
		at += from
		copy(file[at+len(payload)/2:], "DAMAGED!")
		copies++
		from = at + len(payload)
	}
	if copies == 0 {
		t.Fatalf("packet %d of %s (%d bytes) not found whole in the file", index, stream, len(payload))
	}
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	if damaged := damagedIndexes(t, path, stream); !slices.Equal(damaged, []uint64{uint64(index)}) {
		t.Fatalf("damaged %d copies of packet %d of %s; the packets that read as damaged are %v", copies, index, stream, damaged)
	}
}

// packetData is a copy of the data of stream's packet index.
func packetData(t *testing.T, path, stream string, index int) []byte {
	t.Helper()
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	first, err := rec.First(stream)
	if err != nil {
		t.Fatal(err)
	}
	c, err := rec.Seek(stream, first)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var data []byte
	for range index + 1 {
		p, err := c.Next()
		if err != nil {
			t.Fatal(err)
		}
		data = bytes.Clone(p.Data)
	}
	return data
}

// damagedIndexes are the indexes of stream's records that do not decode.
func damagedIndexes(t *testing.T, path, stream string) []uint64 {
	t.Helper()
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	first, err := rec.First(stream)
	if err != nil {
		t.Fatal(err)
	}
	c, err := rec.Seek(stream, first)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var damaged []uint64
	for {
		_, err := c.Next()
		switch {
		case errors.Is(err, io.EOF):
			return damaged
		case errors.Is(err, storage.ErrCorruptRecord):
			damaged = append(damaged, c.Index())
		case err != nil:
			t.Fatal(err)
		}
	}
}

// TestDamageReachesThePacketThatIsRead damages a packet of recordings
// committed a few packets at a time, whose files hold stale copies of it in
// freed pages, as a loaded machine's recording can (where its first copy
// in the file is often a stale one): the copy that is read is damaged,
// wherever the stale ones are.
func TestDamageReachesThePacketThatIsRead(t *testing.T) {
	stale := 0
	for _, batch := range []int{5, 7, 10, 20} {
		path := smallCommitsRecording(t, batch)
		file, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Count(file, packetData(t, path, "/camera", 45)) < 2 {
			continue // bbolt reused the freed pages: no stale copy here
		}
		stale++
		damagePacket(t, path, "/camera", 45)
	}
	if stale == 0 {
		t.Fatal("no recording held a stale copy of packet 45 to test with")
	}
}

// smallCommitsRecording is exportRecording's packets committed batch at a
// time.
func smallCommitsRecording(t *testing.T, batch int) string {
	t.Helper()
	return writeExportRecording(t, fmt.Sprintf("commits-of-%d.gopline", batch), storage.WithBatch(batch, 0))
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
