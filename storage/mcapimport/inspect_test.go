package mcapimport_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage/mcapimport"
)

// Inspect says, as ros2 bag info does, each topic's type, messages and
// times, and what an import would make of it, without writing anything:
// the stream's codec and size (an H.264 one's from its first keyframe,
// joined mid-GOP), the codec a topic would be transcoded from, or why a
// topic would be left out.
func TestInspectSaysWhatAnImportWouldMake(t *testing.T) {
	const n = 45
	pictures, shown := testclip.CodedPictures(t, "hevc", n, 15)
	front := bagChannel{topic: "/front", schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg",
		schemaText: ros2CompressedVideo, encoding: "cdr"}
	for i, p := range pictures {
		front.messages = append(front.messages, newCDR().time(stamp(shown[i])).str("front").bytes(p).str("h265").b)
	}
	rear := bagChannel{topic: "/rear", schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg",
		schemaText: ros2CompressedVideo, encoding: "cdr"}
	for i, au := range h264AUs(t, n, 30)[10:] {
		rear.messages = append(rear.messages, newCDR().time(stamp(10+i)).str("rear").bytes(au.Data).str("h264").b)
	}
	imu := bagChannel{topic: "/imu", schema: "sensor_msgs/msg/Imu", schemaEncoding: "ros2msg", schemaText: ros2Imu, encoding: "cdr"}
	for i := range 3 {
		imu.messages = append(imu.messages, newCDR().time(stamp(i)).str("imu").b)
	}
	bag := writeBag(t, mcap.CompressionZSTD, front, rear, imu, jpegChannel(t))

	res, err := mcapimport.Inspect(context.Background(), []string{bag}, mcapimport.Options{Transcode: ffmpegTranscoder})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0] != bag || res.Packets() != 0 {
		t.Fatalf("%+v", res)
	}
	for _, c := range []struct {
		topic, transcoded string
		messages          int64
		codec             media.Codec
		width             int
	}{
		{"/front", "h265", n, media.H264, 0},
		{"/rear", "", n - 10, media.H264, width},
		{"/imu", "", 3, media.CodecUnknown, 0},
		{"/camera", "", 1, media.JPEG, width},
	} {
		tp := topicOf(t, res, c.topic)
		if tp.Messages != c.messages || tp.Codec != c.codec || tp.Transcoded != c.transcoded || tp.Width != c.width || tp.Stream != "" {
			t.Errorf("%s: %+v", c.topic, tp)
		}
		if !tp.First.Equal(logTime(0)) || !tp.Last.Equal(logTime(int(c.messages)-1)) {
			t.Errorf("%s: logged from %v to %v, want %v to %v", c.topic, tp.First, tp.Last, logTime(0), logTime(int(c.messages)-1))
		}
	}
	if tp := topicOf(t, res, "/imu"); !tp.NotPictures {
		t.Errorf("imu: %+v", tp)
	}

	// Without a Transcoder, H.265 is said to be left out.
	res, err = mcapimport.Inspect(context.Background(), []string{bag}, mcapimport.Options{})
	if tp := topicOf(t, res, "/front"); err != nil || !strings.Contains(tp.Skipped, "h265") || tp.Messages != n {
		t.Errorf("without a Transcoder: %+v, %v", tp, err)
	}
}

// A whole MCAP file is described from its summary and message indexes, as
// ros2 bag info counts, its chunks read only until every topic's stream
// is known: the counts and times are those of a reading through, and a
// damaged chunk past the first is not read (an import finds it). A file
// without its summary (cut short), or with messages outside chunks, which
// the indexes do not count, is read through.
func TestInspectCountsFromTheIndex(t *testing.T) {
	const n = 90
	cam := bagChannel{topic: "/camera", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg", schemaText: ros2CompressedImage, encoding: "cdr"}
	for i, p := range jpegs(t, n) {
		cam.messages = append(cam.messages, newCDR().time(stamp(i)).str("c").str("jpeg").bytes(p).b)
	}
	imu := bagChannel{topic: "/imu", schema: "sensor_msgs/msg/Imu", schemaEncoding: "ros2msg", schemaText: ros2Imu, encoding: "cdr"}
	for i := range 2 * n {
		imu.messages = append(imu.messages, newCDR().time(stamp(i)).str("imu").b)
	}
	imu.logTimes = make([]time.Time, len(imu.messages))
	for i := range imu.logTimes {
		imu.logTimes[i] = logTime(0).Add(time.Duration(i) * time.Second / (2 * fps))
	}
	bag := writeBag(t, mcap.CompressionZSTD, cam, imu)
	inspect := func(path string) mcapimport.Result {
		t.Helper()
		res, err := mcapimport.Inspect(context.Background(), []string{path}, mcapimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	check := func(name string, res mcapimport.Result) {
		t.Helper()
		c, i := topicOf(t, res, "/camera"), topicOf(t, res, "/imu")
		if c.Messages != n || c.Codec != media.JPEG || c.Width != width || !c.First.Equal(logTime(0)) || !c.Last.Equal(logTime(n-1)) {
			t.Errorf("%s: camera %+v", name, c)
		}
		if i.Messages != 2*n || !i.NotPictures || !i.First.Equal(imu.logTimes[0]) || !i.Last.Equal(imu.logTimes[2*n-1]) {
			t.Errorf("%s: imu %+v", name, i)
		}
	}
	res := inspect(bag)
	check("indexed", res)
	if len(res.Indexed) != 1 || res.DamagedChunks != 0 {
		t.Fatalf("not described from its index: %+v", res)
	}

	// The last chunk damaged: not read, so not seen.
	file, err := os.ReadFile(bag)
	if err != nil {
		t.Fatal(err)
	}
	info := mcapInfo(t, file)
	if len(info.ChunkIndexes) < 3 {
		t.Fatalf("%d chunks: the test wants several", len(info.ChunkIndexes))
	}
	damaged := slices.Clone(file)
	damageChunk(damaged, info.ChunkIndexes[len(info.ChunkIndexes)-1])
	res = inspect(writeFile(t, "damaged.mcap", damaged))
	check("a later chunk damaged", res)
	if len(res.Indexed) != 1 || res.DamagedChunks != 0 {
		t.Errorf("a later chunk damaged: %+v", res)
	}

	// Cut inside its summary: read through, what it holds counted.
	res = inspect(writeFile(t, "cut.mcap", file[:info.Footer.SummaryStart+20]))
	if len(res.Indexed) != 0 || len(res.Truncated) != 1 {
		t.Errorf("cut short: %+v", res)
	}
	check("cut short", res)

	// A byte of its summary damaged (a schema's name): its CRC does not
	// hold, so it is not believed; read through, the names are the
	// chunks'.
	damaged = slices.Clone(file)
	at := bytes.Index(damaged[info.Footer.SummaryStart:], []byte(cam.schema))
	if at < 0 || info.Footer.SummaryCRC == 0 {
		t.Fatalf("the summary names no %s, or has no CRC", cam.schema)
	}
	damaged[int(info.Footer.SummaryStart)+at+11] ^= 0x40
	res = inspect(writeFile(t, "summary.mcap", damaged))
	if c := topicOf(t, res, "/camera"); len(res.Indexed) != 0 || c.Schema != cam.schema {
		t.Errorf("a summary damaged: %+v", res)
	}
	check("a summary damaged", res)

	// Messages outside chunks.
	res = inspect(writeBag(t, unchunked, cam, imu))
	if len(res.Indexed) != 0 {
		t.Errorf("unchunked: %+v", res)
	}
	check("unchunked", res)

	// A summary without its channels: they are in the chunks.
	var b bytes.Buffer
	w, err := mcap.NewWriter(&b, &mcap.WriterOptions{Chunked: true, ChunkSize: 16 << 10, Compression: mcap.CompressionZSTD,
		SkipRepeatedChannelInfos: true})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.WriteHeader(&mcap.Header{Profile: "ros2"})
	_ = w.WriteSchema(&mcap.Schema{ID: 1, Name: cam.schema, Encoding: cam.schemaEncoding, Data: []byte(cam.schemaText)})
	_ = w.WriteChannel(&mcap.Channel{ID: 1, SchemaID: 1, Topic: cam.topic, MessageEncoding: cam.encoding})
	for i, m := range cam.messages {
		_ = w.WriteMessage(&mcap.Message{ChannelID: 1, LogTime: uint64(logTime(i).UnixNano()), Data: m})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	res = inspect(writeFile(t, "bare.mcap", b.Bytes()))
	if c := topicOf(t, res, "/camera"); len(res.Indexed) != 0 || c.Messages != n || c.Codec != media.JPEG {
		t.Errorf("a summary without channels: %+v", res)
	}
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Topics reads a bag's topics from its files' summaries alone (a ROS 1
// bag's index, a SQLite file's table of topics), each with whether an
// import takes it by its type; a file without one to read them from (cut
// short, damaged) is ErrNoSummary.
func TestTopicsFromTheSummary(t *testing.T) {
	split := filepath.Join("testdata", "rosbag2_split")
	res, err := mcapimport.Topics(context.Background(), []string{split})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tp := range res.Topics {
		names = append(names, tp.Topic)
		if (tp.Topic == "/imu") != tp.NotPictures || (tp.Skipped == "") == tp.NotPictures || tp.Messages != 0 || tp.Schema == "" {
			t.Errorf("%+v", tp)
		}
	}
	if strings.Join(names, " ") != "/camera/image_raw/compressed /camera/h264 /camera/image_raw /imu" {
		t.Errorf("topics %v", names)
	}

	file, err := os.ReadFile(filepath.Join(split, "rosbag2_split_0.mcap"))
	if err != nil {
		t.Fatal(err)
	}
	ros1, err := os.ReadFile(filepath.Join("testdata", "ros1", "noetic.bag"))
	if err != nil {
		t.Fatal(err)
	}
	for _, bag := range []string{writeFile(t, "cut.mcap", file[:len(file)-40]), writeFile(t, "bad.db3", []byte("SQLite format 3\x00\x10\x00")),
		writeFile(t, "cut.bag", ros1[:len(ros1)*3/4])} {
		if _, err := mcapimport.Topics(context.Background(), []string{bag}); !errors.Is(err, mcapimport.ErrNoSummary) {
			t.Errorf("%s: %v, want ErrNoSummary", bag, err)
		}
	}

	// A ROS 1 bag's from its index, a SQLite file's from its table of
	// topics.
	for _, c := range []struct{ bag, want string }{
		{filepath.Join("testdata", "ros1", "noetic.bag"),
			"/usb_cam/image_raw/compressed sensor_msgs/CompressedImage, /camera/image_raw sensor_msgs/Image, /imu sensor_msgs/Imu"},
		{filepath.Join("testdata", "humble", "humble_0.db3"), "/camera/image_raw/compressed sensor_msgs/msg/CompressedImage, " +
			"/camera/image_raw sensor_msgs/msg/Image, /imu sensor_msgs/msg/Imu, /camera/rgb sensor_msgs/msg/Image, " +
			"/camera/image_raw/ffmpeg ffmpeg_image_transport_msgs/msg/FFMPEGPacket"},
	} {
		res, err = mcapimport.Topics(context.Background(), []string{c.bag})
		names = names[:0]
		for _, tp := range res.Topics {
			names = append(names, tp.Topic+" "+tp.Schema)
		}
		if err != nil || strings.Join(names, ", ") != c.want {
			t.Errorf("%s: %v, %v", c.bag, err, names)
		}
	}
}

// A ROS 1 bag that rosbag closed is counted from its index (chunk infos,
// and the index data after each chunk), as rosbag info counts: what the
// same bag gives read through (compressed whole, so without its index at
// hand), but for the Indexed. A bag cut before its index is read through.
func TestInspectCountsROS1FromTheIndex(t *testing.T) {
	for _, c := range []struct{ bag, whole string }{
		{"noetic.bag", "noetic.bag.gz"},
		{"noetic_bz2.bag", "noetic_bz2.bag.lz4"},
		{"noetic_lz4.bag", "noetic_lz4.bag.bz2"},
	} {
		bag := filepath.Join("testdata", "ros1", c.bag)
		indexed, err := mcapimport.Inspect(context.Background(), []string{bag}, mcapimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		through, err := mcapimport.Inspect(context.Background(), []string{filepath.Join("testdata", "compressed", c.whole)}, mcapimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(indexed.Indexed) != 1 || len(through.Indexed) != 0 || len(indexed.Topics) != 3 || !reflect.DeepEqual(indexed.Topics, through.Topics) {
			t.Errorf("%s:\nindexed %+v\nthrough %+v", c.bag, indexed, through)
		}
	}
	file, err := os.ReadFile(filepath.Join("testdata", "ros1", "noetic.bag"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := mcapimport.Inspect(context.Background(), []string{writeFile(t, "cut.bag", file[:len(file)*3/4])}, mcapimport.Options{})
	if err != nil || len(res.Indexed) != 0 || len(res.Truncated) != 1 || len(res.Topics) != 3 {
		t.Errorf("cut before its index: %v, %+v", err, res)
	}
}

// A topic whose stream is never learnt (H.264 that never reaches a
// keyframe) has Inspect read every chunk of an indexed file: it says how
// far it is, as it does reading one through.
func TestInspectFromTheIndexSaysHowFarItReads(t *testing.T) {
	ch := bagChannel{topic: "/h264", schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg", schemaText: ros2CompressedVideo, encoding: "cdr"}
	for i, au := range h264AUs(t, 60, 60)[1:] {
		ch.messages = append(ch.messages, newCDR().time(stamp(i)).str("c").bytes(append(au.Data, make([]byte, 1000)...)).str("h264").b)
	}
	var done []int64
	res, err := mcapimport.Inspect(context.Background(), []string{writeBag(t, mcap.CompressionNone, ch)}, mcapimport.Options{Progress: func(d, total int64) {
		if d > total {
			t.Errorf("%d of %d", d, total)
		}
		done = append(done, d)
	}})
	if err != nil || len(res.Indexed) != 1 || topicOf(t, res, "/h264").Messages != 59 {
		t.Fatalf("%v, %+v", err, res)
	}
	if len(done) < 2 || !slices.IsSorted(done) {
		t.Errorf("progress %v", done)
	}
}

// A topic of a picture type whose messages do not read as one (a type of
// that name with another layout) is said to be left out for that.
func TestInspectSaysWhyATopicOfUnreadableMessagesGivesNothing(t *testing.T) {
	bad := bagChannel{topic: "/camera", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg", schemaText: ros2CompressedImage,
		encoding: "cdr", messages: [][]byte{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}}
	res, err := mcapimport.Inspect(context.Background(), []string{writeBag(t, mcap.CompressionZSTD, bad)}, mcapimport.Options{})
	if tp := topicOf(t, res, "/camera"); err != nil || tp.Messages != 3 || tp.Skipped != "3 damaged pictures (the first: the message ends inside a field)" {
		t.Errorf("%v, %+v", err, tp)
	}
}
