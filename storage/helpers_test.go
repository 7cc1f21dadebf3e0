package storage_test

import (
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// MustOpen opens a new recording in t.TempDir() and closes it when the test
// ends. It returns the recording and its path.
func MustOpen(t testing.TB, opts ...storage.Option) (*storage.Recording, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rec.gopline")
	return mustOpenPath(t, path, opts...), path
}

// mustOpenPath opens the recording at path and closes it when the test ends.
func mustOpenPath(t testing.TB, path string, opts ...storage.Option) *storage.Recording {
	t.Helper()
	rec, err := storage.Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rec.Close(); err != nil {
			t.Error(err)
		}
	})
	return rec
}

// fakeClock is a clock that moves only when told. It is safe for concurrent
// use, as a Recording's clock may be read by several goroutines.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

var epoch2024 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func newFakeClock() *fakeClock { return &fakeClock{t: epoch2024} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// synth makes a deterministic H.264-like stream: packet i is captured at
// start + i*step, a keyframe opens every GOP of gop packets, and the data is
// pseudo-random bytes that depend on i and epoch alone.
type synth struct {
	epoch uint64
	gop   int
	start time.Time
	step  time.Duration
	size  int // bytes of a delta; a keyframe has 3x as many
}

func newSynth() synth {
	return synth{epoch: 0x5eed, gop: 10, start: epoch2024, step: time.Second / 30, size: 600}
}

func (s synth) packet(i int) *media.Packet {
	seq := uint64(i)
	key := i%s.gop == 0
	return &media.Packet{
		Codec: media.H264, Data: synthData(s.epoch, seq, s.size, key), Key: key,
		Seq: seq, GOP: seq - seq%uint64(s.gop), Epoch: s.epoch,
		CaptureTime: s.start.Add(time.Duration(i) * s.step), Width: 320, Height: 240,
	}
}

// synthData returns the data of packet seq: its size varies by up to a
// quarter around size (three times that for a keyframe).
func synthData(epoch, seq uint64, size int, key bool) []byte {
	rng := rand.New(rand.NewPCG(epoch, seq))
	n := size*3/4 + rng.IntN(size/2+1)
	if key {
		n *= 3
	}
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], rng.Uint64())
		copy(b[i:], w[:])
	}
	return b
}

// cameraInfo describes the stream "/camera" (H.264, 320x240).
func cameraInfo() storage.StreamInfo {
	return storage.StreamInfo{Name: "/camera", Codec: media.H264, Width: 320, Height: 240, Source: "test"}
}

// createCamera adds the stream "/camera".
func createCamera(t testing.TB, rec *storage.Recording) {
	t.Helper()
	if err := rec.CreateStream(cameraInfo()); err != nil {
		t.Fatal(err)
	}
}

// appendAll appends packets [from, to) of s to stream.
func appendAll(t testing.TB, rec *storage.Recording, stream string, s synth, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := rec.Append(stream, s.packet(i)); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
}

// indexed is a packet with the index the cursor read it at.
type indexed struct {
	index uint64
	p     *media.Packet
}

// readAll reads a cursor to io.EOF and closes it.
func readAll(t testing.TB, c *storage.Cursor) []indexed {
	t.Helper()
	defer c.Close()
	var out []indexed
	for {
		p, err := c.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, indexed{c.Index(), p})
	}
}

// readStream reads every committed packet of a stream from its first one.
func readStream(t testing.TB, rec *storage.Recording, stream string) []indexed {
	t.Helper()
	first, err := rec.First(stream)
	if errors.Is(err, storage.ErrEmptyStream) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	c, err := rec.Seek(stream, first)
	if err != nil {
		t.Fatal(err)
	}
	return readAll(t, c)
}

// samePacket reports how got differs from want, or "" when they are equal.
func samePacket(got, want *media.Packet) string {
	switch {
	case got.Codec != want.Codec:
		return "codec"
	case string(got.Data) != string(want.Data):
		return "data"
	case got.Key != want.Key:
		return "key"
	case got.Seq != want.Seq || got.GOP != want.GOP || got.Epoch != want.Epoch:
		return "seq, gop or epoch"
	case !got.CaptureTime.Equal(want.CaptureTime):
		return "capture time"
	case got.Width != want.Width || got.Height != want.Height || got.Format != want.Format:
		return "size or format"
	}
	return ""
}
