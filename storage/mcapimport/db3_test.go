package mcapimport_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopline/gopline/storage/mcapimport"
)

// A rosbag2 SQLite file in WAL journal mode (the storage preset
// "resilient") as a killed recorder leaves it: the file holds the first
// transaction's messages, its write-ahead log two more (testdata/
// make-wal-bag.sh). Every committed message is imported; a transaction the
// log does not hold whole (cut short, or a page whose checksum fails) is
// left out and said; a file closed cleanly in WAL mode, without a log,
// reads as it is. The copy read is removed.
func TestImportsASQLiteBagInWALMode(t *testing.T) {
	const topic = "/camera/image_raw/compressed"
	bag := func(t *testing.T, damage func(wal []byte) []byte) string {
		dir := filepath.Join(t.TempDir(), "resilient")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"resilient_0.db3", "resilient_0.db3-wal"} {
			b, err := os.ReadFile(filepath.Join("testdata/resilient", name))
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(name, "-wal") {
				if damage == nil {
					continue
				}
				b = damage(b)
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	imported := func(t *testing.T, dir string) mcapimport.Result {
		out, res := importBag(t, dir, mcapimport.Options{})
		if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
			t.Errorf("left beside the recording: %v", entries)
		}
		return res
	}
	const frame = 24 + 4096
	for _, c := range []struct {
		name    string
		damage  func([]byte) []byte
		packets int64
		stopped string
	}{
		{"killed", func(b []byte) []byte { return b }, 9, ""},
		{"log cut short", func(b []byte) []byte { return b[:len(b)-100] }, 6, "last 12 of 25 pages"},
		{"a page damaged", func(b []byte) []byte { b[32+20*frame+500] ^= 1; return b }, 6, "last 13 of 26 pages"},
		{"log without a header", func(b []byte) []byte { return b[:20] }, 3, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := imported(t, bag(t, c.damage))
			if tp := topicOf(t, res, topic); tp.Packets != c.packets {
				t.Errorf("%d packets, want %d: %+v", tp.Packets, c.packets, tp)
			}
			if got := strings.Join(res.Stopped, "; "); (c.stopped == "") != (got == "") || !strings.Contains(got, c.stopped) {
				t.Errorf("stopped: %q, want %q", got, c.stopped)
			}
		})
	}
	t.Run("closed", func(t *testing.T) {
		dir := bag(t, nil)
		db := filepath.Join(dir, "resilient_0.db3")
		b, err := os.ReadFile("testdata/humble/humble_0.db3")
		if err != nil {
			t.Fatal(err)
		}
		b[18], b[19] = 2, 2 // WAL mode, checkpointed into the file when it closed
		if err := os.WriteFile(db, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if tp := topicOf(t, imported(t, dir), topic); tp.Packets != 3 {
			t.Errorf("%+v", tp)
		}
	})
}

// A SQLite file cut short (a copy not finished) is read up to its cut and
// said to be cut short by how many of its bytes are there.
func TestImportOfASQLiteBagCutShort(t *testing.T) {
	whole, err := os.ReadFile("testdata/humble/humble_0.db3")
	if err != nil {
		t.Fatal(err)
	}
	bag := filepath.Join(t.TempDir(), "humble_0.db3")
	if err := os.WriteFile(bag, whole[:49152], 0o644); err != nil {
		t.Fatal(err)
	}
	_, res := importBag(t, bag, mcapimport.Options{})
	if got := strings.Join(res.Stopped, "; "); got != "humble_0.db3 is cut short: 49152 of the 65536 bytes its header counts are there (a copy or a download not finished?)" {
		t.Errorf("stopped: %q", got)
	}
	if tp := topicOf(t, res, "/camera/image_raw/compressed"); tp.Packets == 0 || tp.Packets >= 3 {
		t.Errorf("%+v", tp)
	}
}
