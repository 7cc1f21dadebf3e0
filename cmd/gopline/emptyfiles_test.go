package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// writeStreamOnly writes what a recorder killed after it created its
// stream in a new split file, and before its first commit of packets
// there, leaves: the stream and no packet.
func writeStreamOnly(t *testing.T, path string) {
	t.Helper()
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.CreateStream(storage.StreamInfo{Name: "/cam", Codec: media.JPEG, Width: 16, Height: 16}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeSplitFile writes n keyframes of /cam, captured 100 ms apart from
// at, numbered on from seq, as a split recording's file holds them.
func writeSplitFile(t *testing.T, path string, at time.Time, seq, n int) {
	t.Helper()
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if err := rec.CreateStream(storage.StreamInfo{Name: "/cam", Codec: media.JPEG, Width: 16, Height: 16}); err != nil {
		t.Fatal(err)
	}
	for i := seq; i < seq+n; i++ {
		p := &media.Packet{Codec: media.JPEG, Width: 16, Height: 16, Key: true, Seq: uint64(i), GOP: uint64(i), Epoch: 1,
			CaptureTime: at.Add(time.Duration(i) * 100 * time.Millisecond), Data: []byte{0xff, 0xd8, byte(i), 0xff, 0xd9}}
		if err := rec.Append("/cam", p); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeNoBuckets writes what a recorder killed as it created a file
// leaves: a bbolt file with no buckets.
func writeNoBuckets(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// A split recording whose last file a kill cut before its first write
// (the stream and no packet, or no buckets at all) reads as the files
// before it: info, export and play of the directory or of the files leave
// it out with a warning naming it; given alone, it is an error saying it
// holds nothing.
func TestAFileCutBeforeItsFirstWriteIsLeftOutOfItsSet(t *testing.T) {
	for _, c := range []struct {
		name  string
		write func(*testing.T, string)
	}{{"stream without packets", writeStreamOnly}, {"no buckets", writeNoBuckets}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSplitFile(t, filepath.Join(dir, "r_0.gopline"), setEpoch, 0, 10)
			writeSplitFile(t, filepath.Join(dir, "r_1.gopline"), setEpoch, 10, 10)
			cut := filepath.Join(dir, "r_2.gopline")
			c.write(t, cut)
			warning := "warning: " + cut + " left out: holds no packet (a recording cut before its first write)"
			files := []string{filepath.Join(dir, "r_0.gopline"), filepath.Join(dir, "r_1.gopline"), cut}

			for _, args := range [][]string{{"info", dir}, append([]string{"info"}, files...)} {
				code, stdout, stderr := runCmd(args...)
				if code != 0 || !strings.Contains(stdout, "Files:     2") || strings.Count(stderr, warning) != 1 {
					t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 0, 2 files, one warning naming %s", args, code, stdout, stderr, cut)
				}
			}
			out := filepath.Join(t.TempDir(), "cam.mcap")
			code, stdout, stderr := runCmd("export", dir, "--out", out)
			if code != 0 || !strings.Contains(stdout, "20 frames") || strings.Count(stderr, warning) != 1 {
				t.Errorf("export %s: exit %d, stdout %q, stderr %q; want exit 0, 20 packets, one warning", dir, code, stdout, stderr)
			}
			code, _, stderr = runCmd(append([]string{"play", "--rate", "20", "--json"}, files...)...)
			if code != 0 || strings.Count(stderr, warning) != 1 {
				t.Errorf("play of the files: exit %d, stderr %q; want exit 0, one warning", code, stderr)
			}
			for _, args := range [][]string{{"export", cut, "--out", filepath.Join(t.TempDir(), "x.mcap")}, {"play", cut}} {
				code, _, stderr := runCmd(args...)
				if code != 1 || !strings.Contains(stderr, cut+" holds no packet") {
					t.Errorf("%q: exit %d, stderr %q; want exit 1 saying %s holds no packet", args, code, stderr, cut)
				}
			}
			if _, err := os.Stat(cut); err != nil {
				t.Errorf("the readers touched %s: %v", cut, err)
			}
		})
	}
}
