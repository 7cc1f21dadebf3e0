package storage_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/gopline/gopline/storage"
)

// writeRecording records n packets of newSynth into a new file at path, in
// one commit.
func writeRecording(t *testing.T, path string, n int) {
	t.Helper()
	rec, err := storage.Open(path, storage.WithSync(storage.SyncNone), storage.WithBatch(n+1, 0))
	if err != nil {
		t.Fatal(err)
	}
	createCamera(t, rec)
	appendAll(t, rec, "/camera", newSynth(), 0, n)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}

// editBolt changes a file with bbolt directly, behind gopline's back.
func editBolt(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func TestOpenRejectsFilesThatAreNotGoodRecordings(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, path string)
		want error
	}{
		{"a few random bytes", func(t *testing.T, path string) {
			if err := os.WriteFile(path, randomBytes(100, 1), 0o644); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrNotRecording},
		{"random bytes", func(t *testing.T, path string) {
			if err := os.WriteFile(path, randomBytes(64<<10, 2), 0o644); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrNotRecording},
		{"a directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrNotRecording},
		{"a bbolt file of another program", func(t *testing.T, path string) {
			editBolt(t, path, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket([]byte("widgets"))
				if err != nil {
					return err
				}
				return b.Put([]byte("foo"), []byte("bar"))
			})
		}, storage.ErrNotRecording},
		{"a newer format version", func(t *testing.T, path string) {
			writeRecording(t, path, 3)
			editBolt(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("meta")).Put([]byte("version"), binary.BigEndian.AppendUint32(nil, 7))
			})
		}, storage.ErrNewerVersion},
		{"the format version after this gopline's", func(t *testing.T, path string) {
			writeRecording(t, path, 3)
			editBolt(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("meta")).Put([]byte("version"), binary.BigEndian.AppendUint32(nil, 5))
			})
		}, storage.ErrNewerVersion},
		{"an older format version", func(t *testing.T, path string) {
			writeRecording(t, path, 3)
			editBolt(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("meta")).Put([]byte("version"), binary.BigEndian.AppendUint32(nil, 1))
			})
		}, storage.ErrOlderVersion},
		{"a damaged format version", func(t *testing.T, path string) {
			writeRecording(t, path, 3)
			editBolt(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("meta")).Put([]byte("version"), []byte{1})
			})
		}, storage.ErrCorruptFile},
		{"damaged stream info", func(t *testing.T, path string) {
			writeRecording(t, path, 3)
			editBolt(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("stream:/camera")).Put([]byte("info"), []byte("{"))
			})
		}, storage.ErrCorruptFile},
		{"a truncated recording", func(t *testing.T, path string) {
			writeRecording(t, path, 200)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, fi.Size()*2/3); err != nil {
				t.Fatal(err)
			}
		}, storage.ErrCorruptFile},
		{"both meta pages damaged", func(t *testing.T, path string) {
			writeRecording(t, path, 3)
			db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			page := int64(db.Info().PageSize)
			db.Close()
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// The root bucket's page id in each meta page: both checksums fail.
			for _, off := range []int64{16 + 16, page + 16 + 16} {
				if _, err := f.WriteAt([]byte{0xff, 0xee}, off); err != nil {
					t.Fatal(err)
				}
			}
		}, storage.ErrCorruptFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rec.gopline")
			tc.make(t, path)
			for _, opts := range [][]storage.Option{nil, {storage.WithReadOnly()}} {
				rec, err := storage.Open(path, opts...)
				if err == nil {
					rec.Close()
					t.Fatalf("Open with %d options succeeded", len(opts))
				}
				if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), path) {
					t.Fatalf("Open with %d options: %v; want %v naming the file", len(opts), err, tc.want)
				}
			}
			// Peek, which reads a recording that a writer holds, refuses the
			// file as Open does.
			if _, err := storage.Peek(path); !errors.Is(err, tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Peek: %v; want %v naming the file", err, tc.want)
			}
			// A failed Open leaves the file unlocked.
			if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
				db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true, Timeout: 1})
				if err == nil {
					db.Close()
				} else if strings.Contains(err.Error(), "timeout") {
					t.Fatal("the file stayed locked after the failed Open")
				}
			}
		})
	}
}

func TestOpenInitializesABboltFileWithNoBuckets(t *testing.T) {
	// What a creation cut short before its first commit leaves.
	path := filepath.Join(t.TempDir(), "rec.gopline")
	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := storage.Open(path, storage.WithReadOnly()); !errors.Is(err, storage.ErrNotRecording) || !errors.Is(err, storage.ErrNeverWritten) {
		t.Fatalf("read-only: %v, want ErrNotRecording and ErrNeverWritten", err)
	}
	rec := mustOpenPath(t, path)
	createCamera(t, rec)
}

func TestOpenStartsARecordingInAnEmptyFile(t *testing.T) {
	// What a creation that a full disk or a crash cut short may leave.
	path := filepath.Join(t.TempDir(), "rec.gopline")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.Open(path, storage.WithReadOnly()); !errors.Is(err, storage.ErrNotRecording) || !errors.Is(err, storage.ErrNeverWritten) || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("read-only: %v, want ErrNotRecording and ErrNeverWritten saying the file is empty", err)
	}
	if _, err := storage.Peek(path); !errors.Is(err, storage.ErrNotRecording) {
		t.Fatalf("Peek: %v, want ErrNotRecording", err)
	}
	rec := mustOpenPath(t, path)
	createCamera(t, rec)
	s := newSynth()
	appendAll(t, rec, "/camera", s, 0, 10)
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := readStream(t, rec, "/camera"); len(got) != 10 {
		t.Fatalf("%d packets, want 10", len(got))
	}
}

// editChunks changes the chunks of /camera behind gopline's back: edit
// gets a copy of the chunk that starts at index first and returns its new
// value. The layout is layout.go's: a stream's bucket holds each chunk in a
// bucket of its own, under a zero byte and the chunk's first index.
func editChunks(t *testing.T, path string, edit map[uint64]func(chunk []byte) []byte) {
	t.Helper()
	editBolt(t, path, func(tx *bolt.Tx) error {
		stream := tx.Bucket([]byte("stream:/camera"))
		for first, fn := range edit {
			chunk := stream.Bucket(binary.BigEndian.AppendUint64([]byte{0}, first))
			if chunk == nil {
				return fmt.Errorf("no chunk starts at %d", first)
			}
			if err := chunk.Put([]byte("c"), fn(append([]byte(nil), chunk.Get([]byte("c"))...))); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestCorruptRecordIsReportedAndSkipped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.gopline")
	writeRecording(t, path, 40) // GOPs of 10 packets: chunks at 0, 10, 20 and 30
	editChunks(t, path, map[uint64]func([]byte) []byte{
		0: func(c []byte) []byte {
			_, epoch, _ := storage.RecordBounds(c, 3)
			c[epoch] ^= 1 // a flipped bit in the epoch: the checksum fails
			_, _, end := storage.RecordBounds(c, 5)
			c[end-1] ^= 1 // a flipped bit in the data
			return c
		},
		10: func(c []byte) []byte {
			start, _, _ := storage.RecordBounds(c, 2)
			c[start] = 9 // an unknown record version: where it ends is unknown
			return c
		},
		20: func(c []byte) []byte { c[0] = 9; return c }, // an unknown chunk version
	})
	// Packets 13 to 19 are lost with the framing of their chunk: the cursor
	// reports 12 and goes on with the next chunk. So for chunk 20.
	corrupt := map[uint64]bool{3: true, 5: true, 12: true, 20: true}
	var want []uint64
	for i := uint64(0); i < 40; i++ {
		if i <= 12 || i == 20 || i >= 30 {
			want = append(want, i)
		}
	}
	rec := mustOpenPath(t, path, storage.WithReadOnly())
	s := newSynth()
	c, err := rec.Seek("/camera", s.packet(39).CaptureTime)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	c, err = rec.Seek("/camera", s.packet(0).CaptureTime)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for n := 0; ; n++ {
		p, err := c.Next()
		if errors.Is(err, io.EOF) {
			if n != len(want) {
				t.Fatalf("EOF after %d records, want %d", n, len(want))
			}
			return
		}
		if n == len(want) {
			t.Fatalf("read index %d after the last one", c.Index())
		}
		i := want[n]
		if c.Index() != i {
			t.Fatalf("record %d read as index %d, want %d", n, c.Index(), i)
		}
		if corrupt[i] {
			if !errors.Is(err, storage.ErrCorruptRecord) || !strings.Contains(err.Error(), path) ||
				!strings.Contains(err.Error(), `"/camera"`) || !strings.Contains(err.Error(), "packet "+strconv.FormatUint(i, 10)) {
				t.Fatalf("damaged record %d: %v; want ErrCorruptRecord naming file, stream and index", i, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if samePacket(p, s.packet(int(i))) != "" {
			t.Fatalf("record %d differs", i)
		}
	}
}

// bbolt panics on damaged pages; the package turns that into errors.
func TestDamagedPagesGiveErrorsNotPanics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.gopline")
	s := newSynth()
	s.size = 3000
	rec, err := storage.Open(path, storage.WithSync(storage.SyncNone))
	if err != nil {
		t.Fatal(err)
	}
	createCamera(t, rec)
	appendAll(t, rec, "/camera", s, 0, 300)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	size := db.Info().PageSize
	db.Close()
	pages := len(good) / size
	sawError := false
	for page := 2; page < pages; page += 1 + pages/60 {
		data := append([]byte(nil), good...)
		copy(data[page*size:(page+1)*size], randomBytes(size, uint64(page)))
		damaged := filepath.Join(t.TempDir(), "damaged.gopline")
		if err := os.WriteFile(damaged, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rec, err := storage.Open(damaged)
		if err != nil {
			if !errors.Is(err, storage.ErrCorruptFile) && !errors.Is(err, storage.ErrNotRecording) {
				t.Fatalf("page %d: Open: %v", page, err)
			}
			if errors.Is(err, storage.ErrCorruptFile) && strings.Count(err.Error(), "gopline recover") != 1 {
				t.Fatalf("page %d: Open: %v; want the recover hint once", page, err)
			}
			sawError = true
			continue
		}
		if _, err := rec.Stats("/camera"); err != nil && !errors.Is(err, storage.ErrCorruptFile) {
			t.Fatalf("page %d: Stats: %v", page, err)
		}
		if c, err := rec.Seek("/camera", s.packet(0).CaptureTime); err == nil {
			for n := 0; n < 1000; n++ {
				_, err := c.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if errors.Is(err, storage.ErrCorruptRecord) {
					sawError = true // a damaged record is skipped, the rest reads on
					continue
				}
				if err != nil {
					if !errors.Is(err, storage.ErrCorruptFile) {
						t.Fatalf("page %d: Next: %v", page, err)
					}
					// A damaged page names what salvages the rest, once.
					if n := strings.Count(err.Error(), "gopline recover"); n != 1 {
						t.Fatalf("page %d: Next: %v; want the recover hint once", page, err)
					}
					sawError = true
					break
				}
			}
		}
		// Appending (and retention) on a damaged file fails cleanly too.
		if err := rec.Append("/camera", s.packet(300)); err != nil && !errors.Is(err, storage.ErrCorruptFile) {
			t.Fatalf("page %d: Append: %v", page, err)
		}
		if err := rec.Close(); err != nil && !errors.Is(err, storage.ErrCorruptFile) {
			t.Fatalf("page %d: Close: %v", page, err)
		}
	}
	if !sawError {
		t.Fatal("no damaged page was noticed")
	}
}

// An MCAP file, which gopline export writes, is named as one: gopline does
// not read them back, Foxglove does.
func TestOpenNamesAnMCAPFile(t *testing.T) {
	for _, size := range []int{8, 100, 64 << 10} {
		path := filepath.Join(t.TempDir(), "out.mcap")
		data := append([]byte("\x89MCAP0\r\n"), randomBytes(size-8, 3)...)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, opts := range [][]storage.Option{{storage.WithReadOnly()}, nil} {
			_, err := storage.Open(path, opts...)
			if !errors.Is(err, storage.ErrNotRecording) || !strings.Contains(err.Error(), "this is an MCAP file: gopline reads its own .gopline recordings (gopline import "+path+" --out "+strings.TrimSuffix(path, ".mcap")+".gopline makes one of its pictures)") {
				t.Errorf("%d bytes, options %v: %v; want ErrNotRecording naming an MCAP file and its import", size, opts, err)
			}
		}
	}
}

// A ROS 2 bag's other files, given where a recording goes: its SQLite
// file, and either of its files compressed whole, are named with the
// import that reads them; so are a ROS 1 bag and one compressed whole.
func TestOpenNamesABagsFiles(t *testing.T) {
	for name, c := range map[string]struct{ head, kind string }{
		"robot_0.db3":       {"SQLite format 3\x00", "a SQLite file (a ROS 2 bag's .db3)"},
		"robot_0.db3.zstd":  {"\x28\xb5\x2f\xfd", "a zstd-compressed file"},
		"robot_0.mcap.zstd": {"\x28\xb5\x2f\xfd", "a zstd-compressed file"},
		"robot_0.bag":       {"#ROSBAG V2.0\n", "a ROS 1 bag"},
		"robot_0.bag.gz":    {"\x1f\x8b\x08\x00", "a gzip-compressed file"},
		"robot_0.bag.bz2":   {"BZh9", "a bzip2-compressed file"},
		"robot_0.bag.lz4":   {"\x04\x22\x4d\x18", "an lz4-compressed file"},
	} {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, append([]byte(c.head), randomBytes(64<<10, 3)...), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := storage.Open(path, storage.WithReadOnly())
		want := "this is " + c.kind + ": gopline reads its own .gopline recordings (gopline import " + path + " --out " +
			filepath.Join(filepath.Dir(path), "robot_0.gopline") + " makes one of its pictures)"
		if !errors.Is(err, storage.ErrNotRecording) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want ErrNotRecording saying %q", name, err, want)
		}
	}
}
