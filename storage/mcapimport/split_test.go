package mcapimport_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage/mcapimport"
)

// An H.264 picture left out (damaged) takes the rest of its GOP with it,
// which needs it; the next keyframe starts again. Where a camera changes
// its resolution, or a raw topic its encoding, the recording goes on in its
// next file, as the recorder splits one: that topic from its change, the
// others from their next keyframe.
func TestImportSplitsWhereAStreamChanges(t *testing.T) {
	video := func(frames int, damaged, wider int) bagChannel {
		ch := bagChannel{topic: "/camera/h264", schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg",
			schemaText: ros2CompressedVideo, encoding: "cdr"}
		add := func(n int, data []byte) {
			ch.messages = append(ch.messages, newCDR().time(stamp(n)).str("camera").bytes(data).str("h264").b)
		}
		for i, au := range h264AUs(t, min(frames, wider), 30) {
			if i == damaged {
				au.Data = []byte("not H.264")
			}
			add(i, au.Data)
		}
		if wider < frames { // the camera goes on at twice the size
			p, err := testsrc.New(2*width, 2*height)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := ffmpeg.NewH264Encoder(2*width, 2*height, ffmpeg.WithGOP(30), ffmpeg.WithFrameRate(fps))
			if err != nil {
				t.Fatal(err)
			}
			defer enc.Close()
			for i := wider; i < frames; i++ {
				pkt, err := enc.Encode(p.Frame(uint64(i)))
				if err != nil {
					t.Fatal(err)
				}
				add(i, pkt.Data)
			}
		}
		return ch
	}
	packets := func(path, stream string) int {
		_, pkts := readStream(t, path, stream)
		return len(pkts)
	}

	t.Run("resolution", func(t *testing.T) {
		ch := video(75, 10, 60)
		out, res := importBag(t, writeBag(t, mcap.CompressionZSTD, ch), mcapimport.Options{})
		tp := topicOf(t, res, ch.topic)
		if tp.Packets != 55 || tp.Damaged != 1 || tp.Dropped != 19 || len(res.Files) != 2 || strings.Join(tp.Sizes, ",") != "160x120,320x240" {
			t.Fatalf("%+v, files %v", tp, res.Files)
		}
		_, first := readStream(t, out, ch.topic)
		if len(first) != 40 || first[10].Seq != 10 || !first[10].Key || !first[10].CaptureTime.Equal(stamp(30)) {
			t.Fatalf("first file: %d packets; packet 10 seq %d, key %v at %v: want the keyframe of frame 30", len(first), first[10].Seq, first[10].Key, first[10].CaptureTime)
		}
		info, second := readStream(t, res.Files[1], ch.topic)
		if len(second) != 15 || !second[0].Key || info.Width != 2*width || !second[0].CaptureTime.Equal(stamp(60)) {
			t.Fatalf("second file: %+v, %d packets", info, len(second))
		}

		// A next file that exists is never written over: the import fails
		// and leaves no file of its own.
		dir := t.TempDir()
		dst, next := filepath.Join(dir, "robot.gopline"), filepath.Join(dir, "robot_1.gopline")
		if err := os.WriteFile(next, []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := mcapimport.ImportFile(context.Background(), writeBag(t, mcap.CompressionZSTD, ch), dst, mcapimport.Options{})
		if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), next) {
			t.Fatalf("%v", err)
		}
		if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s left: %v", dst, err)
		}
		if b, _ := os.ReadFile(next); string(b) != "mine" {
			t.Fatalf("%s written over", next)
		}
	})

	t.Run("raw encoding", func(t *testing.T) {
		raw := bagChannel{topic: "/camera/raw", schema: "sensor_msgs/msg/Image", schemaEncoding: "ros2msg", schemaText: ros2Image, encoding: "cdr"}
		for i, enc := range []string{"rgb8", "mono8", "rgb8"} {
			size := map[string]int{"rgb8": 3, "mono8": 1}[enc]
			raw.messages = append(raw.messages, newCDR().time(stamp(i)).str("c").u32(2).u32(2).str(enc).u8(0).u32(uint32(2*size)).bytes(make([]byte, 4*size)).b)
		}
		_, res := importBag(t, writeBag(t, mcap.CompressionZSTD, raw), mcapimport.Options{})
		if tp := topicOf(t, res, raw.topic); tp.Packets != 3 || len(res.Files) != 3 || strings.Join(tp.Sizes, ",") != "2x2 rgb24,2x2 gray8,2x2 rgb24" {
			t.Fatalf("%+v, files %v", tp, res.Files)
		}
	})

	t.Run("others follow at their keyframe", func(t *testing.T) {
		ch := video(60, -1, 60)
		small, big := jpegs(t, 1)[0], jpegsOf(t, 1, 2*width, 2*height)[0]
		pics := bagChannel{topic: "/camera/jpeg", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg",
			schemaText: ros2CompressedImage, encoding: "cdr"}
		for i := range 40 {
			pic := small
			if i >= 20 {
				pic = big
			}
			pics.messages = append(pics.messages, newCDR().time(stamp(i)).str("c").str("jpeg").bytes(pic).b)
		}
		out, res := importBag(t, writeBag(t, mcap.CompressionZSTD, ch, pics), mcapimport.Options{})
		if len(res.Files) != 2 {
			t.Fatalf("files %v", res.Files)
		}
		// The JPEG topic changes at 20; the video goes on in the first file
		// until its keyframe at 30.
		if a, b, c, d := packets(out, ch.topic), packets(res.Files[1], ch.topic), packets(out, pics.topic), packets(res.Files[1], pics.topic); a != 30 || b != 30 || c != 20 || d != 20 {
			t.Fatalf("video %d + %d, pictures %d + %d; want 30 + 30, 20 + 20", a, b, c, d)
		}
	})
}

// A crafted bag whose raw pictures change size at every message would make
// a file a message: the import stops at ErrTooManySizes, keeping nothing.
func TestImportBoundsTheFilesOfChangingSizes(t *testing.T) {
	ch := bagChannel{topic: "/raw", schema: "sensor_msgs/msg/Image", schemaEncoding: "ros2msg", schemaText: ros2Image, encoding: "cdr"}
	for i := range 300 {
		w := 2 + i%2*2 // 2, 4, 2, 4, ...
		ch.messages = append(ch.messages, newCDR().time(stamp(i)).str("c").u32(2).u32(uint32(w)).str("mono8").u8(0).u32(uint32(w)).
			bytes(make([]byte, 2*w)).b)
	}
	dir := t.TempDir()
	_, err := mcapimport.ImportFile(context.Background(), writeBag(t, mcap.CompressionZSTD, ch), filepath.Join(dir, "raw.gopline"), mcapimport.Options{})
	if !errors.Is(err, mcapimport.ErrTooManySizes) {
		t.Fatalf("err = %v, want ErrTooManySizes", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left: %d", len(entries))
	}
}
