package mcapimport_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/gopline/gopline/internal/smallfs"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage/mcapimport"
)

// bagTopic is what a bags.json expects of a topic of the bags beside it:
// testdata/bags.json of those testdata/make-bags.mjs wrote with Foxglove's
// ROS serializers, testdata/ros1/bags.json of those
// testdata/make-ros1-bags.py wrote with ROS 1's rosbag.
type bagTopic struct {
	Type          string   `json:"type"`
	Count         int      `json:"count"`
	Stamps        []string `json:"stamps"`
	SHA256        []string `json:"sha256"`
	Width, Height int
	Keyframes     []bool `json:"keyframes"`
}

// expectedBags reads what a bags.json at path expects.
func expectedBags(t *testing.T, path string) map[string]bagTopic {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]bagTopic
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	return want
}

// rawCameraRGB is the picture of the test bags' /camera/image_raw, 6x4
// bgr8 with pixel (x, y) = (b 10x, g 20y, r x+y), as gopline's RGB24.
func rawCameraRGB() []byte {
	var rgb []byte
	for y := range 4 {
		for x := range 6 {
			rgb = append(rgb, byte(x+y), byte(20*y), byte(10*x))
		}
	}
	return rgb
}

// checkTopic compares a stream to what bags.json says of its topic.
func checkTopic(t *testing.T, path, topic string, want bagTopic) []*media.Packet {
	t.Helper()
	_, pkts := readStream(t, path, topic)
	if len(pkts) != want.Count {
		t.Fatalf("%s: %d packets, want %d", topic, len(pkts), want.Count)
	}
	for i, p := range pkts {
		ns, _ := strconv.ParseInt(want.Stamps[i], 10, 64)
		if p.CaptureTime.UnixNano() != ns || p.Width != want.Width || p.Height != want.Height {
			t.Errorf("%s packet %d: %dx%d at %d, want %dx%d at %d", topic, i, p.Width, p.Height, p.CaptureTime.UnixNano(), want.Width, want.Height, ns)
		}
		if want.SHA256 != nil {
			if sum := sha256.Sum256(p.Data); hex.EncodeToString(sum[:]) != want.SHA256[i] {
				t.Errorf("%s packet %d: not the picture the bag holds", topic, i)
			}
		}
		if want.Keyframes != nil && p.Key != want.Keyframes[i] {
			t.Errorf("%s packet %d: key %v", topic, i, p.Key)
		}
	}
	return pkts
}

// A rosbag2 directory split in two files (ros2 bag record -s mcap -b):
// each topic of pictures goes on over both as one stream, as the bag's
// serializer wrote it; the IMU is listed as not pictures.
func TestImportsARosbag2Directory(t *testing.T) {
	want := expectedBags(t, "testdata/bags.json")
	out, res := importBag(t, "testdata/rosbag2_split", mcapimport.Options{})
	for _, topic := range []string{"/camera/image_raw/compressed", "/camera/h264", "/camera/image_raw"} {
		checkTopic(t, out, topic, want[topic])
	}
	if tp := topicOf(t, res, "/imu"); !tp.NotPictures || tp.Schema != want["/imu"].Type {
		t.Errorf("imu: %+v", tp)
	}
	_, raw := readStream(t, out, "/camera/image_raw")
	rgb := rawCameraRGB()
	if raw[0].Format != media.RGB24 || string(raw[1].Data) != string(rgb) {
		t.Errorf("raw picture %v %v, want %v", raw[1].Format, raw[1].Data, rgb)
	}
}

// A rosbag2 directory copied in part (its second file lost) imports its
// first file and names the other missing; one whose files were renamed is
// read by the files it holds; one without any of them is refused, naming
// them.
func TestImportsABagCopiedInPart(t *testing.T) {
	copyBag := func(skip string, rename bool) string {
		dir := filepath.Join(t.TempDir(), "rosbag2_split")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir("testdata/rosbag2_split")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join("testdata/rosbag2_split", e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			name := e.Name()
			if rename && name != "metadata.yaml" {
				name = "renamed" + strings.TrimPrefix(name, "rosbag2_split")
			}
			if e.Name() != skip {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		return dir
	}
	_, res := importBag(t, copyBag("rosbag2_split_1.mcap", false), mcapimport.Options{})
	if tp := topicOf(t, res, "/camera/image_raw/compressed"); tp.Packets != 3 || len(res.Missing) != 1 || res.Missing[0] != "rosbag2_split_1.mcap" {
		t.Errorf("second file lost: %+v, %+v", res.Missing, tp)
	}
	_, res = importBag(t, copyBag("", true), mcapimport.Options{})
	if tp := topicOf(t, res, "/camera/image_raw/compressed"); tp.Packets != 6 || len(res.Missing) != 0 {
		t.Errorf("renamed: %+v, %+v", res.Missing, tp)
	}
	dir := copyBag("", false)
	for _, name := range []string{"rosbag2_split_0.mcap", "rosbag2_split_1.mcap"} {
		if err := os.Rename(filepath.Join(dir, name), filepath.Join(dir, name+".bak")); err != nil {
			t.Fatal(err)
		}
	}
	_, err := mcapimport.ImportFile(context.Background(), dir, filepath.Join(t.TempDir(), "none.gopline"), mcapimport.Options{})
	if !errors.Is(err, mcapimport.ErrNotMCAP) || !strings.Contains(err.Error(), "its metadata.yaml lists rosbag2_split_0.mcap, rosbag2_split_1.mcap, and none of them is there") {
		t.Errorf("none there: %v", err)
	}
}

// A ROS 1 bag converted to MCAP, written by ROS 1's serializer.
func TestImportsAROS1Bag(t *testing.T) {
	const topic = "/usb_cam/image_raw/compressed"
	out, _ := importBag(t, "testdata/ros1_compressed.mcap", mcapimport.Options{})
	checkTopic(t, out, topic, expectedBags(t, "testdata/bags.json")[topic])
}

// A rosbag2 file in SQLite as ROS 2 Humble writes it: types named without
// their definitions, pictures in overflow pages, ffmpeg_image_transport's
// packets; its IMU is listed.
func TestImportsAHumbleBagInSQLite(t *testing.T) {
	want := expectedBags(t, "testdata/bags.json")
	out, res := importBag(t, "testdata/humble", mcapimport.Options{})
	checkTopic(t, out, "/camera/rgb", want["/camera/rgb"])
	checkTopic(t, out, "/camera/image_raw/ffmpeg", want["/camera/image_raw/ffmpeg"])
	if tp := topicOf(t, res, "/camera/image_raw/compressed"); tp.Packets != 3 {
		t.Errorf("%+v", tp)
	}
	if tp := topicOf(t, res, "/camera/image_raw"); tp.Packets != 1 {
		t.Errorf("%+v", tp)
	}
	if tp := topicOf(t, res, "/imu"); !tp.NotPictures || !strings.Contains(tp.Skipped, "not a picture type gopline knows") {
		t.Errorf("imu: %+v", tp)
	}
}

// The same as Jazzy writes it, with its types' definitions: a camera of a
// type only the file defines is read by its definition.
func TestImportsAJazzyBagInSQLite(t *testing.T) {
	out, _ := importBag(t, "testdata/jazzy/jazzy_0.db3", mcapimport.Options{})
	checkTopic(t, out, "/camera/frame", expectedBags(t, "testdata/bags.json")["/camera/frame"])
}

// A Humble bag recorded with rosbag2's compression mode "file"
// (NAME_0.db3.zstd): read as the SQLite file it holds, decompressed beside
// the recording and removed after; a directory with or without its
// metadata.yaml, or the file alone. A file cut short is read up to its cut,
// and said.
func TestImportsAHumbleBagCompressedWhole(t *testing.T) {
	want := expectedBags(t, "testdata/bags.json")
	plain, err := os.ReadFile("testdata/humble/humble_0.db3")
	if err != nil {
		t.Fatal(err)
	}
	var packed bytes.Buffer
	// A stream, its size not declared, in blocks of 16 KiB: a cut keeps some.
	enc, err := zstd.NewWriter(&packed, zstd.WithWindowSize(16<<10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Write(plain); err != nil || enc.Close() != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "humble")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "humble_0.db3.zstd")
	if err := os.WriteFile(file, packed.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	imports := func(bag string) (string, mcapimport.Result) {
		t.Helper()
		out, res := importBag(t, bag, mcapimport.Options{})
		checkTopic(t, out, "/camera/rgb", want["/camera/rgb"])
		checkTopic(t, out, "/camera/image_raw/ffmpeg", want["/camera/image_raw/ffmpeg"])
		if left, _ := os.ReadDir(filepath.Dir(out)); len(left) != 1 {
			t.Errorf("beside the recording: %v", left)
		}
		return out, res
	}
	imports(dir)
	imports(file)
	yaml := "rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: sqlite3\n  compression_format: zstd\n" +
		"  compression_mode: FILE\n  relative_file_paths:\n    - humble_0.db3.zstd\n"
	if err := os.WriteFile(filepath.Join(dir, "metadata.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	imports(dir)

	if err := os.WriteFile(file, packed.Bytes()[:packed.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "cut.gopline")
	res, err := mcapimport.ImportFile(context.Background(), dir, out, mcapimport.Options{})
	if err != nil && !errors.Is(err, mcapimport.ErrNoPictures) {
		t.Fatal(err)
	}
	if len(res.Stopped) == 0 || !strings.Contains(res.Stopped[0], "humble_0.db3.zstd does not decompress past byte") {
		t.Errorf("cut short: %v, %+v", err, res)
	}
	if left, _ := os.ReadDir(filepath.Dir(out)); len(left) > 1 || (len(left) == 1) != (err == nil) {
		t.Errorf("beside the recording: %v (%v)", left, err)
	}
}

// A disk too small for the SQLite file decompressed: the import fails with
// the disk's error, naming the file, and leaves nothing there.
func TestImportOfACompressedHumbleBagOnAFullDisk(t *testing.T) {
	dir := smallfs.Dir(t, "32k") // humble_0.db3 is 64 KiB
	if dir == "" {
		return
	}
	plain, err := os.ReadFile("testdata/humble/humble_0.db3")
	if err != nil {
		t.Fatal(err)
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	bag := filepath.Join(t.TempDir(), "humble_0.db3.zstd")
	if err := os.WriteFile(bag, enc.EncodeAll(plain, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = mcapimport.ImportFile(context.Background(), bag, filepath.Join(dir, "robot.gopline"), mcapimport.Options{})
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "decompressing humble_0.db3.zstd into "+dir) {
		t.Errorf("import: %v; want ENOSPC, naming the file", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left on the disk: %v", left)
	}
}

// ROS 1 bags as rosbag record writes them, by ROS 1's own rosbag library
// (testdata/make-ros1-bags.py), with each of its chunk compressions, and a
// directory of one split in two: every picture as the bag holds it, at its
// header's stamp; the IMU is listed.
func TestImportsROS1Bags(t *testing.T) {
	want := expectedBags(t, "testdata/ros1/bags.json")
	for _, name := range []string{"noetic.bag", "noetic_bz2.bag", "noetic_lz4.bag", "split"} {
		out, res := importBag(t, filepath.Join("testdata", "ros1", name), mcapimport.Options{})
		for topic, w := range want {
			checkTopic(t, out, topic, w)
		}
		_, raw := readStream(t, out, "/camera/image_raw")
		if rgb := rawCameraRGB(); !bytes.Equal(raw[2].Data, rgb) {
			t.Errorf("%s: raw picture %v, want %v", name, raw[2].Data, rgb)
		}
		if tp := topicOf(t, res, "/imu"); !tp.NotPictures || tp.Schema != "sensor_msgs/Imu" {
			t.Errorf("%s: imu %+v", name, tp)
		}
		if res.DamagedChunks != 0 || len(res.Truncated) != 0 || len(res.Stopped) != 0 {
			t.Errorf("%s: %+v", name, res)
		}
	}
}

// A ROS 1 bag cut short (its recorder killed: NAME.bag.active, without the
// index that follows the chunks) imports up to its cut and says so; a chunk
// whose compressed bytes are damaged loses its own messages only, even the
// first, which holds the connections (the index repeats them).
func TestImportsADamagedROS1Bag(t *testing.T) {
	bag, err := os.ReadFile("testdata/ros1/noetic_bz2.bag")
	if err != nil {
		t.Fatal(err)
	}
	// As rosbag leaves a bag whose recorder was killed between two chunks:
	// its chunks, no index, the place of the index in its header still 0,
	// and the chunk it had begun empty (its messages were in the
	// compressor): every picture of the chunks, and the cut said.
	killed := withoutIndex(bag)
	var begun []byte
	for _, field := range []string{"op=\x05", "compression=bz2", "size=\x00\x00\x00\x00"} {
		begun = append(binary.LittleEndian.AppendUint32(begun, uint32(len(field))), field...)
	}
	killed = append(binary.LittleEndian.AppendUint32(killed, uint32(len(begun))), begun...)
	killed = binary.LittleEndian.AppendUint32(killed, 0)
	active := filepath.Join(t.TempDir(), "killed.bag.active")
	if err := os.WriteFile(active, killed, 0o644); err != nil {
		t.Fatal(err)
	}
	_, res := importBag(t, active, mcapimport.Options{})
	if tp := topicOf(t, res, "/usb_cam/image_raw/compressed"); tp.Packets != 6 || res.DamagedChunks != 0 ||
		len(res.Truncated) != 1 || res.Truncated[0] != "killed.bag.active" {
		t.Errorf("killed: %+v, %+v", res, tp)
	}

	cut := filepath.Join(t.TempDir(), "cut.bag.active")
	if err := os.WriteFile(cut, bag[:len(bag)*3/5], 0o644); err != nil {
		t.Fatal(err)
	}
	_, res = importBag(t, cut, mcapimport.Options{})
	tp := topicOf(t, res, "/usb_cam/image_raw/compressed")
	if len(res.Truncated) != 1 || tp.Packets == 0 || tp.Packets >= 6 {
		t.Errorf("cut: %+v, %+v", res, tp)
	}

	// The first bytes of a chunk's bz2 stream ("BZh9" and on) changed.
	first := bytes.Index(bag, []byte("BZh"))
	second := first + 1 + bytes.Index(bag[first+1:], []byte("BZh"))
	for _, chunk := range []int{first, second} {
		damaged := bytes.Clone(bag)
		for i := chunk + 4; i < chunk+40; i++ {
			damaged[i] ^= 0x5a
		}
		path := filepath.Join(t.TempDir(), "damaged.bag")
		if err := os.WriteFile(path, damaged, 0o644); err != nil {
			t.Fatal(err)
		}
		_, res = importBag(t, path, mcapimport.Options{})
		tp = topicOf(t, res, "/usb_cam/image_raw/compressed")
		if res.DamagedChunks != 1 || tp.Packets == 0 || tp.Packets >= 6 || len(res.Truncated) != 0 {
			t.Errorf("chunk at byte %d damaged: %+v, %+v", chunk, res, tp)
		}
	}
}

// withoutIndex returns a ROS 1 bag as its recorder leaves it when killed
// between two chunks: its chunks, no index, the place of the index in its
// header still 0.
func withoutIndex(bag []byte) []byte {
	at := bytes.Index(bag, []byte("index_pos=")) + len("index_pos=")
	killed := bytes.Clone(bag[:binary.LittleEndian.Uint64(bag[at:])])
	binary.LittleEndian.PutUint64(killed[at:], 0)
	return killed
}

// The files of a split bag given one by one in a shell's glob order
// (robot_10 before robot_2) are read in the order of their numbers, as the
// bag's directory is: no picture is out of its time.
func TestImportsASplitBagsFilesInTheirOrder(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, name := range []string{"rosbag2_split_0.mcap", "rosbag2_split_1.mcap"} {
		b, err := os.ReadFile(filepath.Join("testdata/rosbag2_split", name))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, strings.Replace(name, "_1.", "_10.", 1))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	whole, _ := importBag(t, "testdata/rosbag2_split", mcapimport.Options{})
	globbed := filepath.Join(t.TempDir(), "globbed.gopline")
	res, err := mcapimport.ImportFiles(context.Background(), []string{files[1], files[0]}, globbed, mcapimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const topic = "/camera/image_raw/compressed"
	if tp := topicOf(t, res, topic); tp.Packets != 6 || tp.Retimed != 0 {
		t.Errorf("%+v", tp)
	}
	_, want := readStream(t, whole, topic)
	_, got := readStream(t, globbed, topic)
	for i := range want {
		if !got[i].CaptureTime.Equal(want[i].CaptureTime) {
			t.Fatalf("packet %d at %v, want %v", i, got[i].CaptureTime, want[i].CaptureTime)
		}
	}
}
