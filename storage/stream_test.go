package storage_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// A stream's frame_id (a bag's header.frame_id) is kept in its info, and read
// back after a reopen; one that is not UTF-8, or too long, is refused.
func TestStreamInfoKeepsItsFrameID(t *testing.T) {
	rec, path := MustOpen(t)
	info := storage.StreamInfo{Name: "/camera", Codec: media.H264, FrameID: "camera_optical_frame"}
	if err := rec.CreateStream(info); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{string([]byte{0xff}), strings.Repeat("f", 1025)} {
		if err := rec.CreateStream(storage.StreamInfo{Name: "/x", Codec: media.H264, FrameID: id}); !errors.Is(err, storage.ErrBadStreamInfo) {
			t.Errorf("frame_id of %d bytes: %v, want ErrBadStreamInfo", len(id), err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	streams, err := mustOpenPath(t, path, storage.WithReadOnly()).Streams()
	if err != nil || len(streams) != 1 || streams[0].FrameID != "camera_optical_frame" {
		t.Fatalf("streams %+v, %v; want /camera of frame_id camera_optical_frame", streams, err)
	}
}

// A stream's info as a gopline before frame_id wrote it reads as before,
// without a frame_id: an export then names the stream's frame by its name.
func TestStreamInfoWrittenWithoutFrameIDReads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.gopline")
	rec := mustOpenPath(t, path)
	if err := rec.CreateStream(storage.StreamInfo{Name: "/camera", Codec: media.JPEG, FrameID: "cam"}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := `{"name":"/camera","codec":"jpeg","width":320,"height":240,"created":"2024-01-01T00:00:00Z","source":"/dev/video0"}`
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("stream:/camera")).Put([]byte("info"), []byte(old))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	streams, err := mustOpenPath(t, path, storage.WithReadOnly()).Streams()
	want := storage.StreamInfo{Name: "/camera", Codec: media.JPEG, Width: 320, Height: 240,
		Created: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Source: "/dev/video0"}
	if err != nil || len(streams) != 1 || streams[0] != want {
		t.Fatalf("streams %+v, %v; want %+v", streams, err, want)
	}
}
