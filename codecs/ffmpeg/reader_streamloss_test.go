package ffmpeg

import (
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
)

// tsClip returns the bytes of an MPEG-TS clip of 50 pictures, an IDR
// every 25, and where its second keyframe lies in them.
func tsClip(t *testing.T) (data []byte, keyPos, keySize int) {
	t.Helper()
	path := testclip.Make(t, "camera.ts", 50, 25, "-c:v", "libx264", "-bf", "0", "-g", "25", "-pix_fmt", "yuv420p")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var packets [][]string
	for _, l := range testclip.Probe(t, path, "-show_entries", "packet=pos,size,flags") {
		if f := strings.Split(l, ","); len(f) >= 3 {
			packets = append(packets, f) // size, pos, flags
		}
	}
	if len(packets) != 50 || !strings.HasPrefix(packets[25][2], "K") {
		t.Fatalf("ffprobe's packets of the clip: %v; want 50, the 26th a keyframe", packets)
	}
	keySize, _ = strconv.Atoi(packets[25][0])
	keyPos, _ = strconv.Atoi(packets[25][1])
	return data, keyPos, keySize
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
	data, keyPos, keySize := tsClip(t)
	for _, c := range []struct {
		name        string
		sent        []byte
		passthrough bool
		want        int
		stats       ReadStats
	}{
		{"cut, passing through", data[:keyPos+keySize/2], true, 25, ReadStats{Truncated: 1}},
		{"cut, decoding", data[:keyPos+keySize/2], false, 25, ReadStats{Truncated: 1}},
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
