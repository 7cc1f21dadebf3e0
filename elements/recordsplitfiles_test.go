package elements

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// fakeFile is a recording that keeps what it was given, in memory. As
// storage does, it refuses a packet of another picture size than its
// stream's.
type fakeFile struct {
	streams map[string][]*media.Packet
	infos   map[string]storage.StreamInfo
	closed  bool
}

func newFakeFile() *fakeFile {
	return &fakeFile{streams: map[string][]*media.Packet{}, infos: map[string]storage.StreamInfo{}}
}

func (f *fakeFile) CreateStream(info storage.StreamInfo) error {
	if _, ok := f.streams[info.Name]; ok {
		return storage.ErrStreamExists
	}
	f.streams[info.Name] = nil
	f.infos[info.Name] = info
	return nil
}

func (f *fakeFile) Append(stream string, p *media.Packet) error {
	if _, ok := f.streams[stream]; !ok {
		return fmt.Errorf("append to %s before its stream: %w", stream, storage.ErrNoStream)
	}
	if info := f.infos[stream]; info.Width != p.Width || info.Height != p.Height {
		return fmt.Errorf("%w: %s is %dx%d, the packet %dx%d", storage.ErrFormatChanged, stream, info.Width, info.Height, p.Width, p.Height)
	}
	f.streams[stream] = append(f.streams[stream], p)
	return nil
}

func (f *fakeFile) Flush() error                     { return nil }
func (f *fakeFile) Close() error                     { f.closed = true; return nil }
func (f *fakeFile) Lost() int64                      { return 0 }
func (f *fakeFile) Overwritten() (gops, bytes int64) { return 0, 0 }

// Two streams of different GOPs into files of 200 bytes: each file has
// both streams, each from a keyframe; every packet is in one file; a file
// is closed once both streams went on, so at most two are open.
func TestSplitRecordingWritesWholeFiles(t *testing.T) {
	var files []*fakeFile
	open := func(string) (recording, error) {
		f := newFakeFile()
		files = append(files, f)
		return f, nil
	}
	first, _ := open("")
	s := newSplitRecording(RecordSplit{MaxBytes: 200}, first, func(i int) string { return fmt.Sprint(i) }, open)
	gops := map[string]int{"/a": 5, "/b": 8}
	for _, name := range []string{"/a", "/b"} {
		if err := s.CreateStream(storage.StreamInfo{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		for _, name := range []string{"/a", "/b"} {
			p := &media.Packet{Seq: uint64(i), Key: i%gops[name] == 0, Data: make([]byte, 5), CaptureTime: time.Unix(int64(i), 0)}
			if err := s.Append(name, p); err != nil {
				t.Fatalf("packet %d of %s: %v", i, name, err)
			}
			open := 0
			for _, f := range files {
				if !f.closed {
					open++
				}
			}
			if open > 2 {
				t.Fatalf("%d files open", open)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("%d files", len(files))
	}
	for name := range gops {
		next := uint64(0)
		for i, f := range files {
			got := f.streams[name]
			if len(got) == 0 || !got[0].Key {
				t.Fatalf("file %d: %s has %d packets, not from a keyframe", i, name, len(got))
			}
			for _, p := range got {
				if p.Seq != next {
					t.Fatalf("file %d: %s packet %d after %d", i, name, p.Seq, next-1)
				}
				next++
			}
		}
		if next != 100 {
			t.Errorf("%s: %d packets in the files, want 100", name, next)
		}
	}
}

// A camera that changes its picture size: the keyframe of the new size
// goes on in a new file, whose stream has the new size, and the change is
// told with both sizes; a delta of the new size before its keyframe is
// refused, as it cannot be decoded; nothing else is lost.
func TestSplitRecordingGoesOnInANewFileWhereThePictureSizeChanges(t *testing.T) {
	var files []*fakeFile
	var paths []string
	open := func(path string) (recording, error) {
		files, paths = append(files, newFakeFile()), append(paths, path)
		return files[len(files)-1], nil
	}
	first, _ := open("cam.gopline")
	s := newSplitRecording(RecordSplit{}, first, FormatChangeFiles{Path: "cam.gopline"}.File, open)
	if err := s.CreateStream(storage.StreamInfo{Name: "/cam", Width: 320, Height: 240}); err != nil {
		t.Fatal(err)
	}
	packet := func(i, w, h int) *media.Packet {
		return &media.Packet{Seq: uint64(i), Key: i%5 == 0, Width: w, Height: h, CaptureTime: time.Unix(int64(i), 0)}
	}
	for i := range 10 {
		if err := s.Append("/cam", packet(i, 320, 240)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Append("/cam", packet(11, 640, 480)); !errors.Is(err, storage.ErrFormatChanged) {
		t.Fatalf("a delta of the new size before its keyframe: %v, want ErrFormatChanged", err)
	}
	if begun := s.takeOpened(); len(begun) != 0 {
		t.Fatalf("a refused delta began %v", begun)
	}
	for i := 15; i < 25; i++ {
		if err := s.Append("/cam", packet(i, 640, 480)); err != nil {
			t.Fatalf("packet %d of the new size: %v", i, err)
		}
	}
	begun := s.takeOpened()
	want := formatSwitch{stream: "/cam", from: "unknown 320x240", to: "unknown 640x480"}
	if len(begun) != 1 || begun[0].path != "cam_1.gopline" || begun[0].change == nil || *begun[0].change != want {
		t.Fatalf("begun %+v, want cam_1.gopline for %+v", begun, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(paths, []string{"cam.gopline", "cam_1.gopline"}) || !files[0].closed || !files[1].closed {
		t.Fatalf("files %v", paths)
	}
	if info := files[1].infos["/cam"]; info.Width != 640 || info.Height != 480 {
		t.Errorf("the new file's stream is %dx%d", info.Width, info.Height)
	}
	if n0, n1 := len(files[0].streams["/cam"]), len(files[1].streams["/cam"]); n0 != 10 || n1 != 10 {
		t.Errorf("the files hold %d and %d packets, want 10 and 10", n0, n1)
	}
}

// A file that begins is a new one: a name another run's file took (two
// recorders told to split into one set) is numbered past, and that file is
// left as it was; one another recorder has open is numbered past too.
func TestASplitRecordingNeverWritesIntoAnotherRunsFile(t *testing.T) {
	dir := t.TempDir()
	path := func(i int) string { return SplitPath(filepath.Join(dir, "s.gopline"), i) }
	other, err := storage.Open(path(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := other.CreateStream(storage.StreamInfo{Name: "/theirs", Codec: media.H264, Width: 64, Height: 48}); err != nil {
		t.Fatal(err)
	}
	other.Close()
	held, err := storage.Open(path(2)) // open elsewhere while the split recording begins its files
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	open := openNew(nil)
	first, err := storage.Open(path(0))
	if err != nil {
		t.Fatal(err)
	}
	s := newSplitRecording(RecordSplit{MaxBytes: 1}, first, path, open)
	rec, err := s.file(1)
	if err != nil {
		t.Fatal(err)
	}
	if s.paths[1] != path(3) {
		t.Errorf("file 1 began at %s, want %s, past the two taken", s.paths[1], path(3))
	}
	if err := s.Close(); err != nil || rec == nil {
		t.Fatal(err)
	}
	theirs, err := storage.Open(path(1), storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer theirs.Close()
	if streams, _ := theirs.Streams(); len(streams) != 1 || streams[0].Name != "/theirs" {
		t.Errorf("the other run's file holds %v", streams)
	}
}

// A second run into a set that a recorder is writing is refused at once,
// naming the file: the two would number their files in turn.
func TestASplitSetThatARecorderIsWritingIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.gopline")
	rec, err := storage.Open(SplitPath(path, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FirstSplitIndex(path); !errors.Is(err, storage.ErrLocked) || !strings.Contains(err.Error(), "s_0.gopline is being written by another recorder") {
		t.Errorf("a set being written: %v", err)
	}
	rec.Close()
	if n, err := FirstSplitIndex(path); err != nil || n != 0 {
		t.Errorf("the set once its recorder is done: %d, %v; want 0 (its file holds no packet)", n, err)
	}
}
