package ffmpeg

import (
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
)

// tsClip returns the bytes of an MPEG-TS clip of 50 pictures, an IDR
// every 25, and the position and size in them of each picture's packet.
func tsClip(t *testing.T) (data []byte, pos, size []int) {
	t.Helper()
	path := testclip.Make(t, "camera.ts", 50, 25, "-c:v", "libx264", "-bf", "0", "-g", "25", "-pix_fmt", "yuv420p")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var keys []int
	for _, l := range testclip.Probe(t, path, "-show_entries", "packet=pos,size,flags") {
		f := strings.Split(l, ",") // size, pos, flags
		if len(f) < 3 {
			continue
		}
		n, _ := strconv.Atoi(f[0])
		at, _ := strconv.Atoi(f[1])
		if strings.HasPrefix(f[2], "K") {
			keys = append(keys, len(pos))
		}
		pos, size = append(pos, at), append(size, n)
	}
	if len(pos) != 50 || !slices.Equal(keys, []int{0, 25}) {
		t.Fatalf("ffprobe: %d packets, keyframes %v; want 50, keyframes 0 and 25", len(pos), keys)
	}
	return data, pos, size
}

// tcpCamera serves sent to the first client that connects over TCP, then
// closes the connection, as a camera that sends MPEG-TS and goes away, and
// returns its address.
func tcpCamera(t *testing.T, sent []byte) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Write(sent)
			c.Close()
		}
	}()
	return "tcp://" + l.Addr().String()
}

// A camera that sends MPEG-TS over TCP and is lost while sending a
// keyframe: what had come of it is not handed on, where no decoder takes
// it, and is counted Truncated, not as damage of the input (which fails a
// run). Lost after a whole picture, the decoding Reader gives every
// picture; passing through, where nothing tells a whole picture from a cut
// one, the last is left out all the same.
func TestReaderLeavesOutThePictureATCPStreamsLossCut(t *testing.T) {
	data, pos, size := tsClip(t)
	cutIn := func(i int) []byte { return data[:pos[i]+size[i]/2] }
	for _, c := range []struct {
		name        string
		sent        []byte
		passthrough bool
		want        int
		stats       ReadStats
	}{
		{"cut in a keyframe, passing through", cutIn(25), true, 25, ReadStats{Truncated: 1}},
		{"cut in a keyframe, decoding", cutIn(25), false, 25, ReadStats{Truncated: 1}},
		{"cut in a delta, passing through", cutIn(30), true, 30, ReadStats{Truncated: 1}},
		{"cut in a delta, decoding", cutIn(30), false, 30, ReadStats{Truncated: 1}},
		{"whole, passing through", data, true, 49, ReadStats{Truncated: 1}},
		{"whole, decoding", data, false, 50, ReadStats{}},
	} {
		var opts []ReaderOption
		if c.passthrough {
			opts = append(opts, WithPassthrough())
		}
		r := mustReader(t, tcpCamera(t, c.sent), opts...)
		if n, st := readToEnd(t, r, c.passthrough), r.Stats(); n != c.want || st != c.stats {
			t.Errorf("%s: %d out, stats %+v; want %d, %+v", c.name, n, st, c.want, c.stats)
		}
	}
}

// readToEnd reads r to its end and returns how many pictures, or packets
// when passthrough, came out; every packet must decode.
func readToEnd(t *testing.T, r *Reader, passthrough bool) int {
	t.Helper()
	dec := mustDecoder(t)
	for n := 0; ; n++ {
		if !passthrough {
			if _, err := r.ReadFrame(); err == io.EOF {
				return n
			} else if err != nil {
				t.Fatal(err)
			}
			continue
		}
		p, err := r.ReadPacket()
		if err == io.EOF {
			return n
		} else if err != nil {
			t.Fatal(err)
		}
		if _, err := dec.Decode(p); err != nil {
			t.Errorf("packet %d (key %v, %d bytes): %v", p.Seq, p.Key, len(p.Data), err)
		}
	}
}
