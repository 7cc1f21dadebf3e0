package storage_test

import (
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/gopline/gopline/storage"
)

// What a recorder killed after it created a file and before its first
// commit of packets leaves (an empty file, a bbolt file with no buckets, a
// recording without streams or with a stream and no packet) holds no
// packet; a recording with one packet, a file that is not a recording, and
// a file a writer has open do not count.
func TestHoldsNoPacketTellsWhatACutCreationLeaves(t *testing.T) {
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	if err := os.WriteFile(file("empty.gopline"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(file("nobuckets.gopline"), 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	mustOpenPath(t, file("nostreams.gopline")).Close()
	rec := mustOpenPath(t, file("stream.gopline"))
	createCamera(t, rec)
	rec.Close()
	rec = mustOpenPath(t, file("onepacket.gopline"))
	createCamera(t, rec)
	appendAll(t, rec, "/camera", newSynth(), 0, 1)
	rec.Close()
	if err := os.WriteFile(file("text.gopline"), []byte("not a recording, but long enough to be looked at"), 0o644); err != nil {
		t.Fatal(err)
	}
	open := mustOpenPath(t, file("open.gopline")) // a writer's, with no packet yet
	defer open.Close()

	for name, want := range map[string]bool{"empty.gopline": true, "nobuckets.gopline": true, "nostreams.gopline": true,
		"stream.gopline": true, "onepacket.gopline": false, "text.gopline": false, "open.gopline": false, "missing.gopline": false} {
		if got := storage.HoldsNoPacket(file(name)); got != want {
			t.Errorf("HoldsNoPacket(%s) = %v, want %v", name, got, want)
		}
	}
}
