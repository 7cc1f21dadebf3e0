package elements

import (
	"fmt"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// fakeFile is a recording that keeps what it was given, in memory.
type fakeFile struct {
	streams map[string][]*media.Packet
	closed  bool
}

func (f *fakeFile) CreateStream(info storage.StreamInfo) error {
	if _, ok := f.streams[info.Name]; ok {
		return storage.ErrStreamExists
	}
	f.streams[info.Name] = nil
	return nil
}

func (f *fakeFile) Append(stream string, p *media.Packet) error {
	if _, ok := f.streams[stream]; !ok {
		return fmt.Errorf("append to %s before its stream: %w", stream, storage.ErrNoStream)
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
		f := &fakeFile{streams: map[string][]*media.Packet{}}
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
