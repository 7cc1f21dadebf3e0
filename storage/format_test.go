package storage_test

import (
	"encoding/binary"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/gopline/gopline/storage"
)

// formatVersion reads the format version in the meta bucket of the closed
// recording at path.
func formatVersion(t *testing.T, path string) uint32 {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v uint32
	err = db.View(func(tx *bolt.Tx) error {
		v = binary.BigEndian.Uint32(tx.Bucket([]byte("meta")).Get([]byte("version")))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// recordVersions returns the version of each record of the /camera chunk
// that starts at index first, in the closed recording at path.
func recordVersions(t *testing.T, path string, first uint64) []byte {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var versions []byte
	err = db.View(func(tx *bolt.Tx) error {
		chunk := tx.Bucket([]byte("stream:/camera")).Bucket(binary.BigEndian.AppendUint64([]byte{0}, first)).Get([]byte("c"))
		for j := 0; ; j++ {
			start, _, end := storage.RecordBounds(chunk, j)
			versions = append(versions, chunk[start])
			if end == len(chunk) {
				return nil
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return versions
}

// checkPackets checks that the stream /camera holds packets [0, n) of s
// and counts their payload.
func checkPackets(t *testing.T, rec *storage.Recording, s synth, n int) {
	t.Helper()
	got := readStream(t, rec, "/camera")
	if len(got) != n {
		t.Fatalf("%d packets, want %d", len(got), n)
	}
	var payload int64
	for i, it := range got {
		if it.index != uint64(i) || samePacket(it.p, s.packet(i)) != "" {
			t.Fatalf("packet %d read at index %d: %s differs", i, it.index, samePacket(it.p, s.packet(i)))
		}
		payload += int64(len(it.p.Data))
	}
	st, err := rec.Stats("/camera")
	if err != nil || st.Packets != int64(n) || st.PayloadBytes != payload {
		t.Fatalf("stats %+v, %v; want %d packets of %d bytes", st, err, n, payload)
	}
}

// A file of format version 2 holds records of version 1. It opens
// read-only as it is, and a writer raises its version to 3 before it
// appends records of version 2, so that the gopline that wrote it refuses it
// as newer rather than meeting records it cannot read.
func TestFormatVersion2FileIsReadAndUpgradedByAWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.gopline")
	s := newSynth()
	writeRecording(t, path, 25) // GOPs of 10 packets; the last chunk holds 20 to 24
	if err := storage.RewriteAsFormat2(path); err != nil {
		t.Fatal(err)
	}
	if v, rv := formatVersion(t, path), recordVersions(t, path, 20); v != 2 || string(rv) != "\x01\x01\x01\x01\x01" {
		t.Fatalf("format version %d, records of versions %v; want 2 and 1s", v, rv)
	}

	rec := mustOpenPath(t, path, storage.WithReadOnly())
	checkPackets(t, rec, s, 25)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if v := formatVersion(t, path); v != 2 {
		t.Fatalf("format version %d after a read-only open, want 2", v)
	}

	rec, err := storage.Open(path, storage.WithBatch(100, 0)) // one commit: the deltas may rewrite the open chunk
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, rec, "/camera", s, 25, 35) // 25 to 29 join the chunk at 20
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if v, rv := formatVersion(t, path), recordVersions(t, path, 20); v != 4 || string(rv) != "\x01\x01\x01\x01\x01\x02\x02\x02\x02\x02" {
		t.Fatalf("format version %d, records of versions %v; want 4, and 1s then 2s", v, rv)
	}
	checkPackets(t, mustOpenPath(t, path, storage.WithReadOnly()), s, 35)
}

// Retention frees the payload of records of both versions exactly: the
// payload counter stays the sum of the stored packets' data.
func TestRetentionCountsThePayloadOfRecordsOfEitherVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.gopline")
	s := newSynth()
	writeRecording(t, path, 25)
	if err := storage.RewriteAsFormat2(path); err != nil {
		t.Fatal(err)
	}
	rec := mustOpenPath(t, path, storage.WithBatch(1, 0), storage.WithRetention(1, 0))
	appendAll(t, rec, "/camera", s, 25, 45)
	// Retention keeps the newest GOP alone, 40 to 44.
	got := readStream(t, rec, "/camera")
	var payload int64
	for i, it := range got {
		if it.index != uint64(40+i) || samePacket(it.p, s.packet(40+i)) != "" {
			t.Fatalf("packet %d read at index %d, want %d", i, it.index, 40+i)
		}
		payload += int64(len(it.p.Data))
	}
	st, err := rec.Stats("/camera")
	if err != nil || len(got) != 5 || st.Packets != 5 || st.PayloadBytes != payload {
		t.Fatalf("%d packets read; stats %+v, %v; want 5 packets of %d bytes", len(got), st, err, payload)
	}
}
