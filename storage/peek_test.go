package storage_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// While a writer appends and commits, every Peek reads one commit whole: a
// number of packets that some commit left, whose counters, keyframes,
// payload and capture times agree with each other, and that grows.
func TestPeekReadsACommittedStateWhileAWriterAppends(t *testing.T) {
	const batch = 5
	rec, path := MustOpen(t, storage.WithBatch(batch, time.Hour), storage.WithSync(storage.SyncNone))
	createCamera(t, rec)
	infos, err := rec.Streams()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storage.Open(path, storage.WithReadOnly()); !errors.Is(err, storage.ErrLocked) {
		t.Fatalf("open beside the writer: %v, want ErrLocked", err)
	}
	s := newSynth()
	payload := []int64{0} // payload[n]: the bytes of the first n packets
	for i := range 3000 {
		payload = append(payload, payload[i]+int64(len(s.packet(i).Data)))
	}

	stop, peeking := make(chan struct{}), make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i == len(payload)-1 {
				done <- errors.New("the writer ran out of packets before the peeks saw it grow")
				return
			}
			if err := rec.Append("/camera", s.packet(i)); err != nil {
				done <- err
				return
			}
			if i%batch == batch-1 {
				// Commit on while a peek reads, never waiting for a
				// peek to end, but not so far ahead that none starts.
				select {
				case <-peeking:
				case <-stop:
					return
				}
			}
		}
	}()
	defer func() {
		close(stop)
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	var last int64
	var txid uint64
	grew := 0
	for grew < 10 {
		select {
		case err := <-done:
			t.Fatal(err)
		default:
		}
		select {
		case peeking <- struct{}{}:
		default:
		}
		snap, err := storage.Peek(path)
		if errors.Is(err, storage.ErrLocked) {
			continue // written too fast for this try: a busy machine
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Streams) != 1 || snap.Streams[0].Info != infos[0] {
			t.Fatalf("streams %+v", snap.Streams)
		}
		st := snap.Streams[0].Stats
		n := st.Packets
		if n%batch != 0 || n < last || snap.TxID < txid {
			t.Fatalf("peek read %d packets at commit %d after %d at commit %d (commits of %d)", n, snap.TxID, last, txid, batch)
		}
		if n > last {
			grew++
		}
		last, txid = n, snap.TxID
		if n == 0 {
			continue
		}
		wantGOPs := (n + int64(s.gop) - 1) / int64(s.gop)
		if st.GOPs != wantGOPs || st.PayloadBytes != payload[n] || !st.First.Equal(s.start) ||
			!st.Last.Equal(s.packet(int(n-1)).CaptureTime) || snap.Total.Packets != n || st.Segments != 1 {
			t.Fatalf("%d packets do not add up: %+v", n, st)
		}
	}
}

func TestPeekOfAMissingFileSaysSo(t *testing.T) {
	if _, err := storage.Peek(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// A recorder holds its file open, and Open refuses it elsewhere; Peek reads
// it as of the recorder's last commit.
func ExamplePeek() {
	dir, err := os.MkdirTemp("", "peek")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.gopline")
	rec, err := storage.Open(path) // the recorder
	if err != nil {
		log.Fatal(err)
	}
	defer rec.Close()
	err = rec.CreateStream(storage.StreamInfo{Name: "/camera", Codec: media.JPEG, Width: 640, Height: 480})
	if err != nil {
		log.Fatal(err)
	}
	start := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range 30 {
		p := &media.Packet{Codec: media.JPEG, Data: []byte{0xff, 0xd8, byte(i), 0xff, 0xd9}, Key: true,
			Seq: uint64(i), GOP: uint64(i), Epoch: 1, CaptureTime: start.Add(time.Duration(i) * time.Second / 30), Width: 640, Height: 480}
		if err := rec.Append("/camera", p); err != nil {
			log.Fatal(err)
		}
	}
	if err := rec.Flush(); err != nil {
		log.Fatal(err)
	}

	_, err = storage.Open(path, storage.WithReadOnly())
	fmt.Println(errors.Is(err, storage.ErrLocked))
	snap, err := storage.Peek(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range snap.Streams {
		fmt.Println(s.Info.Name, s.Stats.Packets, s.Stats.Duration.Round(time.Millisecond))
	}
	// Output:
	// true
	// /camera 30 967ms
}

// BenchmarkPeek reads the summary of five minutes of a 30 fps camera's
// H.264 (packets of about 1.2 KB, a keyframe a second), committed 3
// packets at a time as a live recorder does, while it is open for writing.
func BenchmarkPeek(b *testing.B) {
	rec, path := MustOpen(b, storage.WithBatch(3, time.Hour), storage.WithSync(storage.SyncNone))
	createCamera(b, rec)
	s := newSynth()
	s.gop, s.size = 30, 1200
	appendAll(b, rec, "/camera", s, 0, 5*60*30)
	if err := rec.Flush(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		snap, err := storage.Peek(path)
		if err != nil || snap.Total.Packets != 5*60*30 {
			b.Fatalf("%v, %+v", err, snap)
		}
	}
}
