package mcapimport_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopline/gopline/storage/mcapimport"
)

// Bags as datasets are downloaded, compressed whole (testdata/compressed,
// made from the test bags by the tools themselves: gzip -9 -n, bzip2 -9,
// lz4 -9, zstd -19): each is read through its decompressor as the bag it
// holds, a ROS 1 bag or an MCAP file as a stream, a SQLite file from a
// copy decompressed beside the recording.
func TestImportsBagsCompressedWhole(t *testing.T) {
	want := expectedBags(t, "testdata/ros1/bags.json")
	for _, name := range []string{"noetic.bag.gz", "noetic_lz4.bag.bz2", "noetic_bz2.bag.lz4", "noetic.bag.zst"} {
		out, res := importBag(t, filepath.Join("testdata", "compressed", name), mcapimport.Options{})
		for topic, w := range want {
			checkTopic(t, out, topic, w)
		}
		if res.DamagedChunks != 0 || len(res.Truncated) != 0 || len(res.Stopped) != 0 {
			t.Errorf("%s: %+v", name, res)
		}
	}
	ros2 := expectedBags(t, "testdata/bags.json")
	out, _ := importBag(t, "testdata/compressed/humble_0.db3.gz", mcapimport.Options{})
	checkTopic(t, out, "/camera/rgb", ros2["/camera/rgb"])
	_, plain := importBag(t, "testdata/rosbag2_split/rosbag2_split_0.mcap", mcapimport.Options{})
	_, packed := importBag(t, "testdata/compressed/rosbag2_split_0.mcap.gz", mcapimport.Options{})
	for _, tp := range plain.Topics {
		if got := topicOf(t, packed, tp.Topic); got.Packets != tp.Packets || got.Messages != tp.Messages {
			t.Errorf("%s of the gzip MCAP: %+v, want %+v", tp.Topic, got, tp)
		}
	}
}

// A compressed bag cut short imports up to its cut and says so; so does
// one whose recorder was killed before it wrote its index (its header's
// index_pos still 0), which only its header tells when it is read as a
// stream.
func TestImportsACompressedBagCutShort(t *testing.T) {
	packed, err := os.ReadFile("testdata/compressed/noetic.bag.gz")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.bag.gz")
	if err := os.WriteFile(cut, packed[:len(packed)*3/5], 0o644); err != nil {
		t.Fatal(err)
	}
	_, res := importBag(t, cut, mcapimport.Options{})
	tp := topicOf(t, res, "/usb_cam/image_raw/compressed")
	if len(res.Truncated) != 1 || res.Truncated[0] != "cut.bag.gz" || tp.Packets == 0 || tp.Packets >= 6 {
		t.Errorf("cut: %+v, %+v", res, tp)
	}

	bag, err := os.ReadFile("testdata/ros1/noetic.bag")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(withoutIndex(bag)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "killed.bag.gz")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, res = importBag(t, path, mcapimport.Options{})
	if tp := topicOf(t, res, "/usb_cam/image_raw/compressed"); tp.Packets != 6 || len(res.Truncated) != 1 {
		t.Errorf("killed: %+v, %+v", res, tp)
	}
}
