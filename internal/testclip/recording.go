package testclip

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// TwoCameras writes a recording of two H.264 streams named names, frames
// packets each at 30 frames/s with a keyframe every 10, the first from
// start and the second from 5 frames (half a GOP) later: two cameras
// recorded together, their keyframes apart. The packets are stand-ins (an
// IDR or slice header byte and the frame's number), for tests of timing,
// not of pictures. It returns the recording's path, in a temporary
// directory of t.
func TwoCameras(t testing.TB, names [2]string, start time.Time, frames int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "two.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	for i, name := range names {
		if err := rec.CreateStream(storage.StreamInfo{Name: name, Codec: media.H264, Width: 16, Height: 16}); err != nil {
			t.Fatal(err)
		}
		for n := range frames {
			p := &media.Packet{Codec: media.H264, Width: 16, Height: 16, Key: n%10 == 0, Seq: uint64(n), GOP: uint64(n / 10 * 10), Epoch: 1,
				CaptureTime: start.Add(time.Duration(n+5*i) * time.Second / 30), Data: []byte{0, 0, 0, 1, 0x65, byte(n)}}
			if err := rec.Append(name, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
