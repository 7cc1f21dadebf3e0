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

// tsCutInKeyframe returns the bytes of an MPEG-TS clip of 50 pictures, an
// IDR every 25, up to the middle of its second keyframe: what a camera
// that sends MPEG-TS over TCP has sent when it loses power while sending
// that keyframe.
func tsCutInKeyframe(t *testing.T) []byte {
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
	size, _ := strconv.Atoi(packets[25][0])
	pos, _ := strconv.Atoi(packets[25][1])
	return data[:pos+size/2]
}

// A camera that sends MPEG-TS over TCP and is lost while sending a
// keyframe: what had come of it is left out, counted Truncated, not handed
// on (where no decoder takes it) nor counted as damage of the input (which
// fails a run), decoding or passing through.
func TestReaderLeavesOutThePictureATCPStreamsLossCut(t *testing.T) {
	sent := tsCutInKeyframe(t)
	for _, passthrough := range []bool{true, false} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			if c, err := l.Accept(); err == nil {
				c.Write(sent)
				c.Close() // the camera is gone
			}
		}()
		var opts []ReaderOption
		if passthrough {
			opts = append(opts, WithPassthrough())
		}
		r := mustReader(t, "tcp://"+l.Addr().String(), opts...)
		n := readToEnd(t, r, passthrough)
		if st := r.Stats(); n != 25 || st != (ReadStats{Truncated: 1}) {
			t.Errorf("passthrough %v: %d out, stats %+v; want the 25 before the cut keyframe, and it counted Truncated", passthrough, n, st)
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
