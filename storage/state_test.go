package storage_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/storage"
)

// stateWithGOP makes a state file whose durable cache of /camera holds a
// GOP of packets large enough to take pages of their own.
func stateWithGOP(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "node.db")
	rec := mustOpenPath(t, path)
	d, err := rec.DurableCache("/camera", qos.PersistentVideo(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	s := newSynth()
	for i := range 25 {
		d.Retain(s.packet(i))
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// overwrite writes n bytes of b at off in the file at path.
func overwrite(t *testing.T, path string, off int64, n int, b byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{b}, n), off); err != nil {
		t.Fatal(err)
	}
}

// damageCachePage overwrites the root page of /camera's durable cache, a
// page that opening the file does not read: only a write that reaches it
// (the topic's next GOP, long after the start) or a walk of the tree does.
func damageCachePage(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var page int64
	var size int
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("qos-cache")).Bucket([]byte("/camera"))
		page, size = int64(b.Root()), tx.DB().Info().PageSize
		return nil
	})
	db.Close()
	if err != nil || page == 0 {
		t.Fatalf("no page of its own for the cache (root %d): %v", page, err)
	}
	overwrite(t, path, page*int64(size), size, 0xab)
}

// A state file found damaged (cut short, a page of its tree overwritten,
// both meta pages overwritten, as a power cut on an SD card leaves one) is
// set aside as it was found, and a new one works in its place: a node that
// keeps a cache in it starts.
func TestADamagedStateFileIsSetAsideAndANewOneStarted(t *testing.T) {
	for name, damage := range map[string]func(t *testing.T, path string){
		"cut short": func(t *testing.T, path string) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, fi.Size()/2); err != nil {
				t.Fatal(err)
			}
		},
		"a page of its tree overwritten": func(t *testing.T, path string) {
			damageCachePage(t, path)
			// Found only by the walk: Open alone takes it.
			rec, err := storage.Open(path)
			if err != nil {
				t.Fatalf("Open found the damage itself: %v", err)
			}
			rec.Close()
		},
		"both meta pages overwritten": func(t *testing.T, path string) {
			overwrite(t, path, 0, 2048, 0)
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := stateWithGOP(t)
			damage(t, path)
			found, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rec, aside, err := storage.OpenState(path)
			if err != nil {
				t.Fatalf("OpenState: %v", err)
			}
			defer rec.Close()
			if aside == nil {
				t.Fatal("the damaged state file was not set aside")
			}
			if !strings.HasPrefix(aside.Path, path+".damaged-") {
				t.Errorf("set aside as %s", aside.Path)
			}
			if kept, err := os.ReadFile(aside.Path); err != nil || !bytes.Equal(kept, found) {
				t.Errorf("the file set aside differs from the damaged one (%d bytes against %d): %v", len(kept), len(found), err)
			}
			if !errors.Is(aside.Cause, storage.ErrCorruptFile) && !errors.Is(aside.Cause, storage.ErrNotRecording) {
				t.Errorf("cause %v", aside.Cause)
			}
			if strings.Contains(aside.Cause.Error(), "gopline recover") {
				t.Errorf("the cause points to gopline recover, which salvages no state: %v", aside.Cause)
			}
			d, err := rec.DurableCache("/camera", qos.PersistentVideo(), zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if got := d.Replay(); len(got) != 0 {
				t.Fatalf("the new state file replays %v", seqsOf(got))
			}
			s := newSynth()
			for i := range 12 {
				d.Retain(s.packet(i))
			}
			if got := seqsOf(d.Replay()); !slices.Equal(got, []uint64{10, 11}) {
				t.Fatalf("the new state file's cache holds %v, want 10, 11", got)
			}
		})
	}
}

// A state file of a format version this gopline does not read (an
// upgrade or downgrade left it) is set aside as a damaged one is, saying
// so, instead of keeping the node from starting.
func TestAStateFileOfAnotherVersionIsSetAside(t *testing.T) {
	for name, version := range map[string]uint32{"newer": 7, "older": 1} {
		t.Run(name, func(t *testing.T) {
			path := stateWithGOP(t)
			editBolt(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("meta")).Put([]byte("version"), binary.BigEndian.AppendUint32(nil, version))
			})
			rec, aside, err := storage.OpenState(path)
			if err != nil {
				t.Fatalf("OpenState: %v", err)
			}
			defer rec.Close()
			if aside == nil || !strings.HasPrefix(aside.Path, path+".other-version-") ||
				aside.Why() != "is of a format version this gopline does not read" {
				t.Fatalf("set aside: %+v", aside)
			}
			if _, err := os.Stat(aside.Path); err != nil {
				t.Errorf("the file set aside: %v", err)
			}
		})
	}
}

// A sound state file opens as it is, set aside nothing, and keeps its GOP.
func TestASoundStateFileIsKept(t *testing.T) {
	path := stateWithGOP(t)
	rec, aside, err := storage.OpenState(path)
	if err != nil || aside != nil {
		t.Fatalf("OpenState: %v, set aside %+v", err, aside)
	}
	defer rec.Close()
	d, err := rec.DurableCache("/camera", qos.PersistentVideo(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := seqsOf(d.Replay()); !slices.Equal(got, []uint64{20, 21, 22, 23, 24}) {
		t.Fatalf("replays %v, want the last GOP 20..24", got)
	}
}

// A file that is no state file of gopline's (a video, a text file, another
// program's bbolt database) or one another node holds is refused as Open
// refuses it, and left where and as it is.
func TestAStateFileThatIsSomethingElseIsRefusedAndLeft(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.db")
	db, err := bolt.Open(other, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("settings")); return err })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	recording := stateWithGOP(t) // and a stream recorded in it, then a page of its tree overwritten
	rec := mustOpenPath(t, recording)
	createCamera(t, rec)
	appendAll(t, rec, "/camera", newSynth(), 0, 30)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	damageCachePage(t, recording)
	sound := stateWithGOP(t)
	rec = mustOpenPath(t, sound)
	createCamera(t, rec)
	appendAll(t, rec, "/camera", newSynth(), 0, 30)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	held := stateWithGOP(t)
	holder, err := storage.Open(held)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	files := map[string]string{
		"a video":                    filepath.Join(dir, "cam.db"),
		"a text file":                filepath.Join(dir, "notes.db"),
		"another program's database": other,
		"a state file in use":        held,
		"a damaged recording":        recording,
		"a recording":                sound,
	}
	if err := os.WriteFile(files["a video"], append([]byte("\x00\x00\x00\x18ftypisom"), make([]byte, 8192)...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files["a text file"], bytes.Repeat([]byte("camera: /dev/video0\n"), 300), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, path := range files {
		before, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rec, aside, err := storage.OpenState(path)
		if err == nil {
			rec.Close()
			t.Errorf("%s: opened as a state file", name)
		}
		if aside != nil {
			t.Errorf("%s: set aside as %s", name, aside.Path)
		}
		after, _ := os.ReadFile(path)
		if matches, _ := filepath.Glob(path + ".damaged-*"); len(matches) > 0 || !bytes.Equal(before, after) {
			t.Errorf("%s: the file was changed or moved (%v)", name, matches)
		}
	}
}
