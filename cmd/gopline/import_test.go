package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// An MCAP file exported from a recording imports back into one, which
// info then describes; the import's report names each stream.
func TestImportMakesARecordingOfAnMCAPFile(t *testing.T) {
	dir := t.TempDir()
	bag := filepath.Join(dir, "robot.mcap")
	if code, _, stderr := runCmd("export", exportRecording(t), "--out", bag); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	out := filepath.Join(dir, "robot.gopline")
	code, stdout, stderr := runCmd("import", bag, "-o", out, "--json")
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	var report importReport
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Topics) == 0 || len(report.Truncated) > 0 || len(report.Files) != 1 || report.Files[0] != out {
		t.Fatalf("%+v", report)
	}
	for _, tp := range report.Topics {
		if tp.Stream != tp.Topic || tp.Packets == 0 || tp.Packets != tp.Messages || tp.Start == nil || tp.End.Before(*tp.Start) {
			t.Errorf("topic %+v", tp)
		}
	}
	if code, stdout, stderr := runCmd("info", out); code != 0 || !strings.Contains(stdout, report.Topics[0].Stream) {
		t.Fatalf("info: exit %d: %s %s", code, stdout, stderr)
	}
	if code, _, stderr := runCmd("import", bag, "-o", out); code != exitUsage || !strings.Contains(stderr, "exists") {
		t.Fatalf("import over a file: exit %d: %s", code, stderr)
	}
}

// The files of a ROS 1 bag split by rosbag record --split, given in their
// order, import as one bag: each topic one stream over both.
func TestImportTakesTheFilesOfASplitBag(t *testing.T) {
	split := filepath.Join("..", "..", "storage", "mcapimport", "testdata", "ros1", "split")
	out := filepath.Join(t.TempDir(), "run.gopline")
	code, stdout, stderr := runCmd("import", filepath.Join(split, "noetic_0.bag"), filepath.Join(split, "noetic_1.bag"), "-o", out, "--json")
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	var report importReport
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatal(err)
	}
	for _, tp := range report.Topics {
		if tp.Topic == "/usb_cam/image_raw/compressed" && tp.Packets != 6 {
			t.Errorf("%+v: want the 6 pictures of both files", tp)
		}
	}
	if code, _, stderr := runCmd("import", "-o", filepath.Join(t.TempDir(), "none.gopline")); code != exitUsage || !strings.Contains(stderr, "takes a bag") {
		t.Errorf("no bag: exit %d: %s", code, stderr)
	}
}

// A bag with no pictures is said to be one, naming its topics, and leaves
// no file.
func TestImportOfABagWithoutPictures(t *testing.T) {
	dir := t.TempDir()
	bag := filepath.Join(dir, "imu.mcap")
	writeOneMessageBag(t, bag, "/imu", "sensor_msgs/msg/Imu", "float64[9] orientation_covariance\n", 1, make([]byte, 4+72))
	out := filepath.Join(dir, "imu.gopline")
	code, _, stderr := runCmd("import", bag, "--out", out)
	if code != exitFailure || !strings.Contains(stderr, "holds no pictures") || !strings.Contains(stderr, "/imu (sensor_msgs/msg/Imu: not pictures)") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatalf("%s written", out)
	}
}

// A rosbag2 directory given to info, play or export is read as a bag, as
// ros2 bag info and play read one; a file in it that is not one is named,
// and bags without pictures leave nothing to play. A command that takes
// no bag (recover) names the import.
func TestABagDirectoryIsNamedAsOne(t *testing.T) {
	bag := filepath.Join(t.TempDir(), "robot_bag")
	if err := os.Mkdir(bag, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"robot_bag_0.db3.zstd", "metadata.yaml"} {
		if err := os.WriteFile(filepath.Join(bag, name), []byte("rosbag2_bagfile_information:\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := "is a ROS 2 bag (metadata.yaml, robot_bag_0.db3.zstd), not a recording: gopline import " + bag + " --out robot_bag.gopline"
	if code, _, stderr := runCmd("recover", bag, "--out", bag+".gopline"); code != exitFailure || !strings.Contains(stderr, want) {
		t.Errorf("recover: exit %d: %s", code, stderr)
	}
	for _, args := range [][]string{{"info", bag}, {"play", bag}, {"export", bag, "--out", bag + ".mp4"}} {
		if code, _, stderr := runCmd(args...); code != exitFailure || !strings.Contains(stderr, "robot_bag_0.db3.zstd") {
			t.Errorf("%s of a bag whose file is not one: exit %d: %s", args[0], code, stderr)
		}
	}
	// A ROS 1 bag split by rosbag record --split.
	split := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(split, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"run_0.bag", "run_1.bag"} {
		if err := os.WriteFile(filepath.Join(split, name), []byte("#ROSBAG V2.0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want = "holds ROS 1 bags (run_0.bag, run_1.bag), not a recording: gopline import " + split + " --out run.gopline"
	if code, _, stderr := runCmd("recover", split, "--out", split+".gopline"); code != exitFailure || !strings.Contains(stderr, want) {
		t.Errorf("ROS 1: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCmd("play", split); code != exitFailure || !strings.Contains(stderr, "nothing to play") {
		t.Errorf("play of ROS 1 bags of nothing: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := runCmd("info", split); code != 0 || !strings.Contains(stdout, "run_0.bag, run_1.bag") ||
		!strings.Contains(stdout, "without pictures") {
		t.Errorf("info of ROS 1 bags of nothing: exit %d: %s%s", code, stdout, stderr)
	}
}

// A depth camera's 16UC1 pictures import as grey, 0 to 10 m by default,
// and in the range --value-range gives; a range that is not one is a
// usage error before anything is read.
func TestImportShowsDepthInItsValueRange(t *testing.T) {
	dir := t.TempDir()
	bag := filepath.Join(dir, "depth.mcap")
	// CDR: stamp 5 s, frame "d", 1 row of 2 pixels, "16UC1", little-endian,
	// rows of 4 bytes: 2000 and 5000 millimetres.
	msg := []byte{0, 1, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 'd', 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0,
		6, 0, 0, 0, '1', '6', 'U', 'C', '1', 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0xd0, 0x07, 0x88, 0x13}
	writeOneMessageBag(t, bag, "/depth", "sensor_msgs/msg/Image",
		"std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n"+
			"================================================================================\nMSG: std_msgs/Header\n"+
			"builtin_interfaces/Time stamp\nstring frame_id\n"+
			"================================================================================\nMSG: builtin_interfaces/Time\n"+
			"int32 sec\nuint32 nanosec\n", 5e9, msg)
	for _, run := range []struct {
		args []string
		want []byte
	}{
		{nil, []byte{51, 128}}, // 2 m and 5 m of 10
		{[]string{"--value-range", "1000:5000"}, []byte{64, 255}}, // 1 m of 4, and the top
		{[]string{"--value-range", "/depth=1000:5000,/thermal=0:1"}, []byte{64, 255}},
		{[]string{"--value-range", "0:2000", "--value-range", "/depth=1000:5000"}, []byte{64, 255}},
		{[]string{"--value-range", "/other=1000:5000"}, []byte{51, 128}},
	} {
		out := filepath.Join(t.TempDir(), "depth.gopline")
		code, _, stderr := runCmd(append([]string{"import", bag, "-o", out}, run.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", run.args, code, stderr)
		}
		for _, missing := range []string{"/other", "/thermal"} {
			if strings.Contains(strings.Join(run.args, " "), missing+"=") != strings.Contains(stderr, "--value-range "+missing+": "+bag+" has no such topic") {
				t.Errorf("%v: %s", run.args, stderr)
			}
		}
		rec, err := storage.Open(out, storage.WithReadOnly())
		if err != nil {
			t.Fatal(err)
		}
		c, err := rec.Range("/depth", time.Unix(5, 0), time.Unix(6, 0))
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.Next()
		c.Close()
		rec.Close()
		if err != nil || p.Format != media.GRAY8 || !bytes.Equal(p.Data, run.want) {
			t.Errorf("%v: %v %+v; want grey %v", run.args, err, p, run.want)
		}
	}
	for _, bad := range []string{"5", "3:1", "a:b", "0:inf", ":", "/depth=3:1", "/depth=", "=0:1", "0:1,0:2", "/depth=0:1,/depth=0:2"} {
		code, _, stderr := runCmd("import", bag, "-o", filepath.Join(dir, "x.gopline"), "--value-range", bad)
		if code != exitUsage || !strings.Contains(stderr, "--value-range") {
			t.Errorf("--value-range %s: exit %d: %s", bad, code, stderr)
		}
	}
}

// writeOneMessageBag writes at path a ROS 2 bag in MCAP of one message,
// data (CDR), logged at logTime on topic, of the type called schema
// defined by definition.
func writeOneMessageBag(t *testing.T, path, topic, schema, definition string, logTime uint64, data []byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := mcap.NewWriter(f, &mcap.WriterOptions{Chunked: true, Compression: mcap.CompressionZSTD})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.WriteHeader(&mcap.Header{Profile: "ros2"})
	_ = w.WriteSchema(&mcap.Schema{ID: 1, Name: schema, Encoding: "ros2msg", Data: []byte(definition)})
	_ = w.WriteChannel(&mcap.Channel{ID: 1, SchemaID: 1, Topic: topic, MessageEncoding: "cdr"})
	_ = w.WriteMessage(&mcap.Message{ChannelID: 1, LogTime: logTime, Data: data})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// A robot's H.265 camera topic (Foxglove's CompressedVideo, as a Jetson's
// hevc_nvenc fills it) is transcoded to H.264 on import, and the report
// says so; the recording then plays as any other.
func TestImportTranscodesAnH265Topic(t *testing.T) {
	pictures, shown := testclip.CodedPictures(t, "hevc", 30, 15)
	dir := t.TempDir()
	bag := filepath.Join(dir, "jetson.mcap")
	f, err := os.Create(bag)
	if err != nil {
		t.Fatal(err)
	}
	w, err := mcap.NewWriter(f, &mcap.WriterOptions{Chunked: true, Compression: mcap.CompressionZSTD})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.WriteHeader(&mcap.Header{Profile: "ros2"})
	_ = w.WriteSchema(&mcap.Schema{ID: 1, Name: "foxglove_msgs/msg/CompressedVideo", Encoding: "ros2msg",
		Data: []byte("builtin_interfaces/Time timestamp\nstring frame_id\nuint8[] data\nstring format\n")})
	_ = w.WriteChannel(&mcap.Channel{ID: 1, SchemaID: 1, Topic: "/front/h265", MessageEncoding: "cdr"})
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i, p := range pictures {
		at := start.Add(time.Duration(shown[i]) * time.Second / 30)
		msg := binary.LittleEndian.AppendUint32([]byte{0, 1, 0, 0}, uint32(at.Unix()))
		msg = binary.LittleEndian.AppendUint32(msg, uint32(at.Nanosecond()))
		msg = append(binary.LittleEndian.AppendUint32(msg, 6), "front\x00"...)
		msg = append(msg, 0, 0) // aligned to 4
		msg = append(binary.LittleEndian.AppendUint32(msg, uint32(len(p))), p...)
		for len(msg)%4 != 0 {
			msg = append(msg, 0)
		}
		msg = append(binary.LittleEndian.AppendUint32(msg, 5), "h265\x00"...)
		_ = w.WriteMessage(&mcap.Message{ChannelID: 1, LogTime: uint64(at.UnixNano()), Data: msg})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	out := filepath.Join(dir, "jetson.gopline")
	code, stdout, stderr := runCmd("import", bag, "-o", out)
	if code != 0 || !strings.Contains(stdout, "h264 (from h265)") || !strings.Contains(stdout, "Imported 30 packets") {
		t.Fatalf("import: exit %d: %s%s", code, stdout, stderr)
	}
	rec, err := storage.Open(out, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	infos, err := rec.Streams()
	if err != nil || len(infos) != 1 || infos[0].Codec != media.H264 || infos[0].Width != 160 || !strings.Contains(infos[0].Source, "transcoded from h265") {
		t.Fatalf("streams %+v, %v", infos, err)
	}
}

// import says that raw pictures are stored uncompressed, and --encode
// stores them (and JPEG ones) as H.264.
func TestImportEncodesRawPicturesWhenAsked(t *testing.T) {
	split := filepath.Join("..", "..", "storage", "mcapimport", "testdata", "rosbag2_split")
	out := filepath.Join(t.TempDir(), "raw.gopline")
	code, stdout, stderr := runCmd("import", split, "-o", out)
	if code != 0 || !strings.Contains(stdout, "Raw pictures are stored uncompressed (/camera/image_raw): --encode stores them as H.264") {
		t.Fatalf("import: exit %d: %s%s", code, stdout, stderr)
	}
	out = filepath.Join(t.TempDir(), "encoded.gopline")
	code, stdout, stderr = runCmd("import", split, "-o", out, "--encode", "--json")
	if code != 0 {
		t.Fatalf("import --encode: exit %d: %s", code, stderr)
	}
	var report importReport
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatal(err)
	}
	from := map[string]string{}
	for _, tp := range report.Topics {
		if tp.Stream != "" && tp.Codec != "h264" {
			t.Errorf("%s stored as %s", tp.Topic, tp.Codec)
		}
		from[tp.Topic] = tp.Transcoded
	}
	if from["/camera/image_raw"] != "raw rgb24" || from["/camera/image_raw/compressed"] != "jpeg" || from["/camera/h264"] != "" {
		t.Errorf("transcoded from %v", from)
	}
}

// A bag none of whose messages can be read (a SQLite file whose copy was
// cut short) is said to be damaged, not to hold no pictures: info
// describes what it can and exits 1, import and play name the cut.
func TestABagNothingOfWhichReads(t *testing.T) {
	whole, err := os.ReadFile(filepath.Join("..", "..", "storage", "mcapimport", "testdata", "humble", "humble_0.db3"))
	if err != nil {
		t.Fatal(err)
	}
	bag := filepath.Join(t.TempDir(), "robot_0.db3")
	if err := os.WriteFile(bag, whole[:16384], 0o644); err != nil {
		t.Fatal(err)
	}
	const cut = "robot_0.db3 is cut short: 16384 of the 65536 bytes its header counts are there"
	code, stdout, stderr := runCmd("info", bag)
	if code != exitFailure || !strings.Contains(stdout, cut) || !strings.Contains(stderr, "no message of "+bag+" could be read") {
		t.Errorf("info: exit %d: %s%s", code, stdout, stderr)
	}
	for _, args := range [][]string{{"import", bag, "-o", filepath.Join(t.TempDir(), "robot.gopline")}, {"play", bag}} {
		code, _, stderr := runCmd(args...)
		if code != exitFailure || !strings.Contains(stderr, "no picture of "+bag+" could be read") || !strings.Contains(stderr, cut) {
			t.Errorf("%s: exit %d: %s", args[0], code, stderr)
		}
	}
}

// An MCAP file whose one chunk is damaged (gopline export's of a short
// recording, one byte flipped) is said to be damaged by info and import,
// not to hold no pictures gopline takes: its topic is of pictures.
func TestABagWhoseOnlyChunkIsDamaged(t *testing.T) {
	dir := t.TempDir()
	exported := filepath.Join(dir, "cam.mcap")
	if code, _, stderr := runCmd("export", exportRecording(t), "--out", exported); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	bag := filepath.Join(dir, "damaged.mcap")
	if err := os.WriteFile(bag, data, 0o644); err != nil {
		t.Fatal(err)
	}
	const damaged = "1 chunk damaged: their messages are lost"
	code, stdout, stderr := runCmd("info", bag)
	if code != exitFailure || !strings.Contains(stdout, damaged) || !strings.Contains(stdout, "none of whose pictures could be read") ||
		!strings.Contains(stderr, "no picture of "+bag+" could be read") {
		t.Errorf("info: exit %d: %s%s", code, stdout, stderr)
	}
	code, _, stderr = runCmd("import", bag, "-o", filepath.Join(dir, "cam.gopline"))
	if code != exitFailure || !strings.Contains(stderr, "no picture of "+bag+" could be read") || !strings.Contains(stderr, damaged) {
		t.Errorf("import: exit %d: %s", code, stderr)
	}
}
