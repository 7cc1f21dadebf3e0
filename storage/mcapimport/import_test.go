package mcapimport_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foxglove/mcap/go/mcap"
	"github.com/klauspost/compress/zstd"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage/mcapimport"
)

func importBag(t testing.TB, bag string, opts mcapimport.Options) (string, mcapimport.Result) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "robot.gopline")
	res, err := mcapimport.ImportFile(context.Background(), bag, out, opts)
	if err != nil {
		t.Fatalf("import: %v (%+v)", err, res)
	}
	return out, res
}

func topicOf(t testing.TB, res mcapimport.Result, name string) mcapimport.Topic {
	t.Helper()
	for _, tp := range res.Topics {
		if tp.Topic == name {
			return tp
		}
	}
	t.Fatalf("no topic %s in %+v", name, res.Topics)
	return mcapimport.Topic{}
}

// A ROS 2 bag of sensor_msgs/msg/CompressedImage (image_transport's
// compressed JPEG): every picture as it was, at its header's stamp.
func TestImportsROS2CompressedImages(t *testing.T) {
	pics := jpegs(t, 20)
	ch := bagChannel{topic: "/camera/image_raw/compressed", schema: "sensor_msgs/msg/CompressedImage",
		schemaEncoding: "ros2msg", schemaText: ros2CompressedImage, encoding: "cdr"}
	for i, p := range pics {
		ch.messages = append(ch.messages, newCDR().time(stamp(i)).str("camera_optical_frame").str("rgb8; jpeg compressed bgr8").bytes(p).b)
	}
	for _, comp := range []mcap.CompressionFormat{mcap.CompressionZSTD, mcap.CompressionLZ4, mcap.CompressionNone, unchunked} {
		t.Run(string(comp)+"-", func(t *testing.T) {
			out, res := importBag(t, writeBag(t, comp, ch), mcapimport.Options{})
			tp := topicOf(t, res, ch.topic)
			if tp.Packets != 20 || tp.Codec != media.JPEG || tp.Width != width || tp.Height != height || len(res.Truncated) > 0 || res.DamagedChunks != 0 {
				t.Fatalf("%+v, result %+v", tp, res)
			}
			info, pkts := readStream(t, out, ch.topic)
			if info.Codec != media.JPEG || len(pkts) != 20 {
				t.Fatalf("stream %+v with %d packets", info, len(pkts))
			}
			for i, p := range pkts {
				if !bytes.Equal(p.Data, pics[i]) || !p.CaptureTime.Equal(stamp(i)) || !p.Key {
					t.Fatalf("packet %d: %d bytes at %v, key %v; want picture %d at %v", i, len(p.Data), p.CaptureTime, p.Key, i, stamp(i))
				}
			}
		})
	}
}

// Foxglove's CompressedVideo in a ROS 2 bag, as a robot's H.264 camera
// records it: joined mid-GOP, parameter sets on the first keyframe only.
// The import starts at the keyframe and puts the parameter sets in front of
// every later one, so that every GOP decodes on its own.
func TestImportsH264FromTheFirstKeyframe(t *testing.T) {
	aus := h264AUs(t, 75, 30)[25:] // from frame 25: keyframes at 30 and 60
	ch := bagChannel{topic: "/camera/h264", schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg",
		schemaText: ros2CompressedVideo, encoding: "cdr"}
	seenKey := false
	for i, au := range aus {
		data := au.Data
		if au.Key && seenKey { // a camera that sends its parameter sets once
			data = stripParameterSets(t, data)
		}
		seenKey = seenKey || au.Key
		ch.messages = append(ch.messages, newCDR().time(stamp(25+i)).str("camera").bytes(data).str("h264").b)
	}
	out, res := importBag(t, writeBag(t, mcap.CompressionZSTD, ch), mcapimport.Options{})
	tp := topicOf(t, res, ch.topic)
	if tp.Packets != 45 || tp.BeforeKeyframe != 5 || tp.Codec != media.H264 || tp.Width != width || tp.Height != height {
		t.Fatalf("%+v", tp)
	}
	_, pkts := readStream(t, out, ch.topic)
	for i, p := range pkts {
		nalus, err := h264.SplitAnnexB(p.Data)
		if err != nil {
			t.Fatal(err)
		}
		hasSPS := false
		for _, n := range nalus {
			hasSPS = hasSPS || h264.TypeOf(n) == h264.NALUTypeSPS
		}
		if p.Key != (i%30 == 0) || p.Key != hasSPS || !p.CaptureTime.Equal(stamp(30+i)) || p.GOP != uint64(i/30*30) {
			t.Fatalf("packet %d: key %v, SPS %v, GOP %d at %v", i, p.Key, hasSPS, p.GOP, p.CaptureTime)
		}
	}
}

// sensor_msgs/msg/Image in the 8-bit encodings cameras publish, rows
// padded: each becomes a raw picture of the same pixels.
func TestImportsRawImages(t *testing.T) {
	const w, h, pad = 4, 2, 3
	// pixel (x, y) has red 10x+y, green 100+y, blue 200+x.
	px := func(x, y int) (r, g, b byte) { return byte(10*x + y), byte(100 + y), byte(200 + x) }
	layouts := map[string]func(x, y int) []byte{
		"rgb8":  func(x, y int) []byte { r, g, b := px(x, y); return []byte{r, g, b} },
		"bgr8":  func(x, y int) []byte { r, g, b := px(x, y); return []byte{b, g, r} },
		"bgra8": func(x, y int) []byte { r, g, b := px(x, y); return []byte{b, g, r, 255} },
		"mono8": func(x, y int) []byte { r, _, _ := px(x, y); return []byte{r} },
	}
	var channels []bagChannel
	for enc, pixel := range layouts {
		bpp := len(pixel(0, 0))
		var data []byte
		for y := range h {
			for x := range w {
				data = append(data, pixel(x, y)...)
			}
			data = append(data, make([]byte, pad)...)
		}
		msg := newCDR().time(stamp(0)).str("cam").u32(h).u32(w).str(enc).u8(0).u32(uint32(w*bpp + pad)).bytes(data).b
		channels = append(channels, bagChannel{topic: "/" + enc, schema: "sensor_msgs/msg/Image", schemaEncoding: "ros2msg",
			schemaText: ros2Image, encoding: "cdr", messages: [][]byte{msg}})
	}
	// yuyv: Y0 U Y1 V, luma 16+x+8y, chroma U 60+y, V 90+y.
	var yuyv []byte
	for y := range h {
		for x := 0; x < w; x += 2 {
			yuyv = append(yuyv, byte(16+x+8*y), byte(60+y), byte(17+x+8*y), byte(90+y))
		}
	}
	channels = append(channels, bagChannel{topic: "/yuyv", schema: "sensor_msgs/msg/Image", schemaEncoding: "ros2msg", schemaText: ros2Image,
		encoding: "cdr", messages: [][]byte{newCDR().time(stamp(0)).str("cam").u32(h).u32(w).str("yuv422_yuy2").u8(0).u32(2 * w).bytes(yuyv).b}})
	out, _ := importBag(t, writeBag(t, mcap.CompressionZSTD, channels...), mcapimport.Options{})
	for enc := range layouts {
		info, pkts := readStream(t, out, "/"+enc)
		var want []byte
		for y := range h {
			for x := range w {
				r, g, b := px(x, y)
				if enc == "mono8" {
					want = append(want, r)
				} else {
					want = append(want, r, g, b)
				}
			}
		}
		if len(pkts) != 1 || !bytes.Equal(pkts[0].Data, want) || info.Codec != media.Raw || pkts[0].Width != w || pkts[0].Height != h {
			t.Fatalf("%s: %+v, %d packets, data %v; want %v", enc, info, len(pkts), pkts[0].Data, want)
		}
	}
	info, pkts := readStream(t, out, "/yuyv")
	want := []byte{16, 17, 18, 19, 24, 25, 26, 27, 61, 61, 91, 91} // Y rows, then U and V of the two rows averaged
	if info.Format != media.YUV420P || len(pkts) != 1 || !bytes.Equal(pkts[0].Data, want) {
		t.Fatalf("yuyv: %+v, data %v; want %v", info, pkts[0].Data, want)
	}
}

// Bayer mosaics (a machine-vision camera's raw output, as spinnaker and
// other drivers publish it) are demosaiced to RGB24: for each of the four
// tiles, a picture whose colours rise linearly with x and y comes out with
// every colour exact inside its border (bilinear interpolation is exact on
// a linear picture), and a picture of one colour exact everywhere; a tile
// taken for another would swap red and blue.
func TestImportsBayerPictures(t *testing.T) {
	const w, h, pad = 10, 8, 6
	ramp := func(x, y int) [3]int { return [3]int{40 + 4*x + 2*y, 20 + 3*x + 5*y, 30 + 2*x + 6*y} }
	flat := func(x, y int) [3]int { return [3]int{200, 100, 50} }
	tiles := map[string]string{"bayer_rggb8": "rggb", "bayer_bggr8": "bggr", "bayer_gbrg8": "gbrg", "bayer_grbg8": "grbg"}
	var channels []bagChannel
	for enc, tile := range tiles {
		for name, pic := range map[string]func(x, y int) [3]int{"ramp": ramp, "flat": flat} {
			var data []byte
			for y := range h {
				for x := range w {
					data = append(data, byte(pic(x, y)[strings.IndexByte("rgb", tile[2*(y%2)+x%2])]))
				}
				data = append(data, make([]byte, pad)...)
			}
			msg := newCDR().time(stamp(0)).str("cam").u32(h).u32(w).str(enc).u8(0).u32(w + pad).bytes(data).b
			channels = append(channels, bagChannel{topic: "/" + enc + "/" + name, schema: "sensor_msgs/msg/Image", schemaEncoding: "ros2msg",
				schemaText: ros2Image, encoding: "cdr", messages: [][]byte{msg}})
		}
	}
	tiny := newCDR().time(stamp(0)).str("cam").u32(1).u32(4).str("bayer_rggb8").u8(0).u32(4).bytes([]byte{1, 2, 3, 4}).b
	channels = append(channels, bagChannel{topic: "/tiny", schema: "sensor_msgs/msg/Image", schemaEncoding: "ros2msg",
		schemaText: ros2Image, encoding: "cdr", messages: [][]byte{tiny}})
	out, res := importBag(t, writeBag(t, mcap.CompressionZSTD, channels...), mcapimport.Options{})
	for enc := range tiles {
		for name, pic := range map[string]func(x, y int) [3]int{"ramp": ramp, "flat": flat} {
			info, pkts := readStream(t, out, "/"+enc+"/"+name)
			if info.Format != media.RGB24 || len(pkts) != 1 || len(pkts[0].Data) != 3*w*h {
				t.Fatalf("%s %s: %+v, %d packets", enc, name, info, len(pkts))
			}
			for y := range h {
				for x := range w {
					inside := x > 0 && y > 0 && x < w-1 && y < h-1
					if name == "ramp" && !inside {
						continue
					}
					want, got := pic(x, y), pkts[0].Data[3*(y*w+x):3*(y*w+x)+3]
					if int(got[0]) != want[0] || int(got[1]) != want[1] || int(got[2]) != want[2] {
						t.Fatalf("%s %s at (%d, %d): %v, want %v", enc, name, x, y, got, want)
					}
				}
			}
		}
	}
	if tp := topicOf(t, res, "/tiny"); tp.Damaged != 1 {
		t.Errorf("a mosaic of one row: %+v", tp)
	}
}

// A ROS 1 bag converted to MCAP (ros1msg schemas: Header with seq, the
// time primitive, strings without NUL).
func TestImportsROS1CompressedImages(t *testing.T) {
	pics := jpegs(t, 3)
	ch := bagChannel{topic: "/usb_cam/image_raw/compressed", schema: "sensor_msgs/CompressedImage", schemaEncoding: "ros1msg",
		schemaText: ros1CompressedImage, encoding: "ros1"}
	for i, p := range pics {
		var b []byte
		u32 := func(v uint32) { b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)) }
		str := func(s string) { u32(uint32(len(s))); b = append(b, s...) }
		u32(uint32(i))
		u32(uint32(stamp(i).Unix()))
		u32(uint32(stamp(i).Nanosecond()))
		str("usb_cam")
		str("jpeg")
		u32(uint32(len(p)))
		b = append(b, p...)
		ch.messages = append(ch.messages, b)
	}
	out, _ := importBag(t, writeBag(t, mcap.CompressionLZ4, ch), mcapimport.Options{})
	_, pkts := readStream(t, out, ch.topic)
	if len(pkts) != 3 || !bytes.Equal(pkts[2].Data, pics[2]) || !pkts[2].CaptureTime.Equal(stamp(2)) {
		t.Fatalf("%d packets", len(pkts))
	}
}

// A bag with more than cameras: the other topics are listed with why they
// were not taken, and so are pictures gopline does not carry.
func TestImportListsWhatItLeavesOut(t *testing.T) {
	pic := jpegs(t, 1)[0]
	channels := []bagChannel{
		{topic: "/imu", schema: "sensor_msgs/msg/Imu", schemaEncoding: "ros2msg", schemaText: ros2Imu, encoding: "cdr",
			messages: [][]byte{newCDR().time(stamp(0)).str("imu").b}},
		{topic: "/camera/theora", schema: "theora_image_transport/msg/Packet", schemaEncoding: "ros2msg", encoding: "cdr",
			schemaText: "std_msgs/Header header\nuint8[] data\nint32 b_o_s\nint32 e_o_s\nint64 granulepos\nint64 packetno\n" + ros2Header,
			messages:   [][]byte{newCDR().time(stamp(0)).str("c").bytes([]byte{0x80, 't', 'h', 'e', 'o', 'r', 'a'}).u32(1).u32(0).u64(0).u64(0).b}},
		{topic: "/depth/compressedDepth", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg", schemaText: ros2CompressedImage,
			encoding: "cdr", messages: [][]byte{newCDR().time(stamp(0)).str("d").str("16UC1; compressedDepth png").bytes([]byte{1, 2, 3}).b}},
		{topic: "/h265", schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg", schemaText: ros2CompressedVideo,
			encoding: "cdr", messages: [][]byte{newCDR().time(stamp(0)).str("c").bytes([]byte{0, 0, 1, 0x40}).str("h265").b}},
		{topic: "/camera", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg", schemaText: ros2CompressedImage,
			encoding: "cdr", messages: [][]byte{newCDR().time(stamp(0)).str("c").str("jpeg").bytes(pic).b}},
		{topic: "/ffmpeg_hevc", schema: "ffmpeg_image_transport_msgs/msg/FFMPEGPacket", schemaEncoding: "ros2msg", schemaText: ros2FFMPEGPacket,
			encoding: "cdr", messages: [][]byte{newCDR().time(stamp(0)).str("c").u32(64).u32(48).str("hevc;yuv420p;bgr8;bgr8").u64(0).u8(1).u8(0).
					bytes([]byte{0, 0, 1, 0x40}).b}},
		{topic: "/unformatted", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg", schemaText: ros2CompressedImage,
			encoding: "cdr", messages: [][]byte{newCDR().time(stamp(0)).str("c").str("").bytes(pic).b}},
	}
	_, res := importBag(t, writeBag(t, mcap.CompressionZSTD, channels...), mcapimport.Options{})
	if tp := topicOf(t, res, "/imu"); !tp.NotPictures || tp.Schema != "sensor_msgs/msg/Imu" {
		t.Errorf("imu: %+v", tp)
	}
	if tp := topicOf(t, res, "/camera/theora"); tp.NotPictures || !strings.Contains(tp.Skipped, "Theora") {
		t.Errorf("theora: %+v", tp)
	}
	if tp := topicOf(t, res, "/depth/compressedDepth"); tp.Skipped != "" || tp.Damaged != 1 { // 3 bytes: not even its header
		t.Errorf("depth: %+v", tp)
	}
	if tp := topicOf(t, res, "/h265"); !strings.Contains(tp.Skipped, `"h265"`) || tp.NotPictures {
		t.Errorf("h265: %+v", tp)
	}
	if tp := topicOf(t, res, "/ffmpeg_hevc"); !strings.Contains(tp.Skipped, `codec "hevc"`) || !strings.Contains(tp.Skipped, "H.264") {
		t.Errorf("ffmpeg_image_transport's H.265: %+v", tp)
	}
	for _, name := range []string{"/camera", "/unformatted"} { // a driver that leaves format empty
		if tp := topicOf(t, res, name); tp.Packets != 1 || tp.Skipped != "" || tp.Codec != media.JPEG {
			t.Errorf("%s: %+v", name, tp)
		}
	}

	// Without the camera, nothing is imported: an error, and no file.
	out := filepath.Join(t.TempDir(), "none.gopline")
	res, err := mcapimport.ImportFile(context.Background(), writeBag(t, mcap.CompressionZSTD, channels[:3]...), out, mcapimport.Options{})
	if !errors.Is(err, mcapimport.ErrNoPictures) || len(res.Topics) != 3 {
		t.Fatalf("%v, %+v", err, res)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s left: %v", out, err)
	}
}

// A recorder killed mid-write leaves a bag without its footer, cut inside
// a chunk: what it holds before the cut is imported, said truncated. A
// chunk whose bytes were damaged loses its own messages only.
func TestImportsACutOrDamagedBag(t *testing.T) {
	pics := jpegs(t, 60)
	ch := bagChannel{topic: "/camera", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg", schemaText: ros2CompressedImage, encoding: "cdr"}
	for i, p := range pics {
		ch.messages = append(ch.messages, newCDR().time(stamp(i)).str("c").str("jpeg").bytes(p).b)
	}
	bag := writeBag(t, mcap.CompressionNone, ch)
	whole, err := os.ReadFile(bag)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.mcap")
	if err := os.WriteFile(cut, whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, res := importBag(t, cut, mcapimport.Options{})
	if tp := topicOf(t, res, "/camera"); len(res.Truncated) != 1 || tp.Packets < 10 || tp.Packets >= 60 {
		t.Fatalf("cut: %+v", res)
	}

	// Cut in its first chunk, which says it is longer than the whole file:
	// cut too, not damaged.
	if err := os.WriteFile(cut, whole[:1000], 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = mcapimport.ImportFile(context.Background(), cut, filepath.Join(t.TempDir(), "c.gopline"), mcapimport.Options{})
	if !errors.Is(err, mcapimport.ErrNoPictures) || len(res.Truncated) != 1 || len(res.Stopped) != 0 {
		t.Fatalf("cut in the first chunk: %v, %+v", err, res)
	}

	// The first chunk holds the channel: damaged, it is lost with its own
	// messages, and the file's summary gives the channel of the rest.
	first := bytes.Clone(whole)
	first[bytes.Index(first, []byte("sensor_msgs/msg/CompressedImage"))+200] ^= 0xff // past the schema, in the first pictures
	firstBad := filepath.Join(t.TempDir(), "first.mcap")
	if err := os.WriteFile(firstBad, first, 0o644); err != nil {
		t.Fatal(err)
	}
	_, res = importBag(t, firstBad, mcapimport.Options{})
	if tp := topicOf(t, res, "/camera"); res.DamagedChunks != 1 || tp.Packets < 40 || tp.Packets >= 60 {
		t.Fatalf("first chunk damaged: %+v", res)
	}

	damaged := bytes.Clone(whole)
	damaged[len(damaged)/2] ^= 0xff // inside a chunk of the middle
	bad := filepath.Join(t.TempDir(), "bad.mcap")
	if err := os.WriteFile(bad, damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	out, res := importBag(t, bad, mcapimport.Options{})
	tp := topicOf(t, res, "/camera")
	if res.DamagedChunks != 1 || len(res.Truncated) > 0 || tp.Packets >= 60 || tp.Packets < 40 {
		t.Fatalf("damaged: %+v", res)
	}
	_, pkts := readStream(t, out, "/camera")
	if !pkts[len(pkts)-1].CaptureTime.Equal(stamp(59)) {
		t.Fatalf("the last picture is at %v, want %v", pkts[len(pkts)-1].CaptureTime, stamp(59))
	}
}

// What ImportFile refuses: a file that is not MCAP, an --out that exists,
// a topic the file does not have.
func TestImportFileRefuses(t *testing.T) {
	dir := t.TempDir()
	video := filepath.Join(dir, "clip.mp4")
	if err := os.WriteFile(video, append([]byte{0, 0, 0, 24}, "ftypisom\x00\x00\x02\x00isomiso2"...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := mcapimport.ImportFile(context.Background(), video, filepath.Join(dir, "a.gopline"), mcapimport.Options{})
	if !errors.Is(err, mcapimport.ErrNotMCAP) || !strings.Contains(err.Error(), "MP4") {
		t.Errorf("video: %v", err)
	}
	// A bag as a dataset is downloaded, in an archive the import does not
	// read through: what to run first. One compressed whole that holds no
	// bag, or is cut before it says what it holds, and a zip archive cut
	// short: what it is.
	var text bytes.Buffer
	zw := gzip.NewWriter(&text)
	_, _ = zw.Write([]byte("not a bag, but a long enough line of text"))
	_ = zw.Close()
	for _, c := range []struct{ name, content, want string }{
		{"robot.bag.xz", "\xfd7zXZ\x00\x00", "compressed with xz: decompress it first (unxz -k " + filepath.Join(dir, "robot.bag.xz") + ")"},
		{"robot.zip", "PK\x03\x04", "a zip archive that does not open"},
		{"notes.txt.gz", text.String(), "a gzip file that holds no bag"},
		{"robot.bag.bz2", "BZh91AY&SY", "a bzip2 file cut short before its first bytes decompress"},
		{"robot.bag.gz", "\x1f\x8b\x08\x00", "a gzip file cut short before its first bytes decompress"},
	} {
		packed := filepath.Join(dir, c.name)
		if err := os.WriteFile(packed, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := mcapimport.ImportFile(context.Background(), packed, filepath.Join(dir, "p.gopline"), mcapimport.Options{})
		if !errors.Is(err, mcapimport.ErrNotMCAP) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// A .db3 that is not SQLite past its first bytes: said damaged, nothing imported.
	db3 := filepath.Join(dir, "humble_0.db3")
	if err := os.WriteFile(db3, []byte("SQLite format 3\x00\x10\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := mcapimport.ImportFile(context.Background(), db3, filepath.Join(dir, "h.gopline"), mcapimport.Options{})
	if !errors.Is(err, mcapimport.ErrNoPictures) || len(res.Stopped) != 1 || !strings.Contains(res.Stopped[0], "humble_0.db3") {
		t.Errorf("damaged db3: %v, %+v", err, res)
	}
	ch := bagChannel{topic: "/camera", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg", schemaText: ros2CompressedImage,
		encoding: "cdr", messages: [][]byte{newCDR().time(stamp(0)).str("c").str("jpeg").bytes(jpegs(t, 1)[0]).b}}
	bag := writeBag(t, mcap.CompressionZSTD, ch)
	if _, err := mcapimport.ImportFile(context.Background(), bag, video, mcapimport.Options{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("existing out: %v", err)
	}
	out := filepath.Join(dir, "b.gopline")
	if _, err := mcapimport.ImportFile(context.Background(), bag, out, mcapimport.Options{Topics: []string{"/front"}}); !errors.Is(err, mcapimport.ErrNoTopic) {
		t.Errorf("unknown topic: %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s left: %v", out, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := mcapimport.ImportFile(ctx, bag, out, mcapimport.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted: %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s left after an interruption: %v", out, err)
	}
}

// rosbag2's compressions: each message compressed with zstd (compression
// mode "message"), and each file compressed whole (mode "file": a
// directory of NAME_0.mcap.zstd, with or without its metadata.yaml).
func TestImportsCompressedBags(t *testing.T) {
	pics := jpegs(t, 4)
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	ch := bagChannel{topic: "/camera", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg", schemaText: ros2CompressedImage, encoding: "cdr"}
	for i, p := range pics {
		ch.messages = append(ch.messages, enc.EncodeAll(newCDR().time(stamp(i)).str("c").str("jpeg").bytes(p).b, nil))
	}
	_, res := importBag(t, writeBag(t, mcap.CompressionNone, ch), mcapimport.Options{})
	if tp := topicOf(t, res, "/camera"); tp.Packets != 4 {
		t.Fatalf("message mode: %+v", tp)
	}

	for i := range ch.messages {
		ch.messages[i] = newCDR().time(stamp(i)).str("c").str("jpeg").bytes(pics[i]).b
	}
	plain, err := os.ReadFile(writeBag(t, mcap.CompressionNone, ch))
	if err != nil {
		t.Fatal(err)
	}
	for _, metadata := range []bool{true, false} {
		dir := filepath.Join(t.TempDir(), "robot_bag")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "robot_bag_0.mcap.zstd"), enc.EncodeAll(plain, nil), 0o644); err != nil {
			t.Fatal(err)
		}
		if metadata {
			yaml := "rosbag2_bagfile_information:\n  storage_identifier: mcap\n  compression_format: zstd\n  compression_mode: FILE\n" +
				"  relative_file_paths:\n    - robot_bag_0.mcap.zstd\n  files:\n    - path: robot_bag_0.mcap.zstd\n"
			if err := os.WriteFile(filepath.Join(dir, "metadata.yaml"), []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		out, res := importBag(t, dir, mcapimport.Options{})
		if tp := topicOf(t, res, "/camera"); tp.Packets != 4 || len(res.Truncated) > 0 {
			t.Fatalf("file mode, metadata %v: %+v", metadata, res)
		}
		if _, pkts := readStream(t, out, "/camera"); !bytes.Equal(pkts[3].Data, pics[3]) {
			t.Fatalf("file mode: not the pictures")
		}
	}
}
