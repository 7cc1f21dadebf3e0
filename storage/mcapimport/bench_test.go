package mcapimport_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/mcapimport"
)

// BenchmarkImport imports a ROS 2 bag of 300 JPEG pictures of 640x480
// (zstd chunks, as rosbag2 writes them). Its anchors, in the same run:
// reading every message of the same bag with the mcap library alone, and
// appending the same pictures to a new recording as the import does
// (commits of 32 packets, no fsync but one at the end): import is about
// the sum of the two, its own decoding of each message the rest.
func BenchmarkImport(b *testing.B) {
	pics := jpegsOf(b, 30, 640, 480)
	ch := bagChannel{topic: "/camera/image_raw/compressed", schema: "sensor_msgs/msg/CompressedImage",
		schemaEncoding: "ros2msg", schemaText: ros2CompressedImage, encoding: "cdr"}
	for i := range 300 {
		ch.messages = append(ch.messages, newCDR().time(stamp(i)).str("camera").str("jpeg").bytes(pics[i%len(pics)]).b)
	}
	bag := writeBag(b, mcap.CompressionZSTD, ch)
	fi, err := os.Stat(bag)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("import", func(b *testing.B) {
		b.SetBytes(fi.Size())
		for i := range b.N {
			out := filepath.Join(b.TempDir(), "b"+string(rune('a'+i%26))+".gopline")
			if _, err := mcapimport.ImportFile(context.Background(), bag, out, mcapimport.Options{}); err != nil {
				b.Fatal(err)
			}
			_ = os.Remove(out)
		}
	})
	b.Run("append-only", func(b *testing.B) {
		b.SetBytes(fi.Size())
		for i := range b.N {
			path := filepath.Join(b.TempDir(), "a"+string(rune('a'+i%26))+".gopline")
			rec, err := storage.Open(path, storage.WithBatch(32, 0), storage.WithSync(storage.SyncNone))
			if err != nil {
				b.Fatal(err)
			}
			if err := rec.CreateStream(storage.StreamInfo{Name: ch.topic, Codec: media.JPEG, Width: 640, Height: 480}); err != nil {
				b.Fatal(err)
			}
			for n := range 300 {
				p := &media.Packet{Codec: media.JPEG, Data: pics[n%len(pics)], Key: true, Seq: uint64(n), GOP: uint64(n), Epoch: 1,
					CaptureTime: stamp(n), Width: 640, Height: 480}
				if err := rec.Append(ch.topic, p); err != nil {
					b.Fatal(err)
				}
			}
			if err := rec.Close(); err != nil {
				b.Fatal(err)
			}
			if err := storage.SyncFile(path); err != nil {
				b.Fatal(err)
			}
			_ = os.Remove(path)
		}
	})
	b.Run("read-only", func(b *testing.B) {
		b.SetBytes(fi.Size())
		for range b.N {
			f, err := os.Open(bag)
			if err != nil {
				b.Fatal(err)
			}
			r, err := mcap.NewReader(f)
			if err != nil {
				b.Fatal(err)
			}
			it, err := r.Messages(mcap.UsingIndex(false))
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				if _, _, _, err := it.NextInto(nil); err != nil {
					break
				}
				n++
			}
			f.Close()
			if n != 300 {
				b.Fatalf("%d messages", n)
			}
		}
	})
}
