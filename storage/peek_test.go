package storage_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

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
