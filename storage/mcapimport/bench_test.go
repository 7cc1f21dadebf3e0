package mcapimport_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/storage/mcapimport"
)

// BenchmarkImport imports a ROS 2 bag of 300 JPEG pictures (zstd chunks,
// as rosbag2 writes them) and, as its anchor in the same run, reads every
// message of the same bag with the mcap library alone: the import's cost
// beyond reading is decoding each message and storing it.
func BenchmarkImport(b *testing.B) {
	pics := jpegs(b, 30)
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
