package mcapimport

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/foxglove"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// inMemory opens files of memoryStreams.
func inMemory(i int) (*output, error) {
	return &output{path: fmt.Sprint(i), rec: &memoryStreams{}, streams: map[string]bool{}}, nil
}

// memoryStreams checks packets as a recording would, and keeps none.
type memoryStreams struct{ names map[string]bool }

func (m *memoryStreams) CreateStream(info storage.StreamInfo) error {
	if m.names == nil {
		m.names = map[string]bool{}
	}
	if m.names[info.Name] {
		return fmt.Errorf("stream %s exists", info.Name)
	}
	m.names[info.Name] = true
	return nil
}

func (m *memoryStreams) Append(stream string, p *media.Packet) error {
	if !m.names[stream] {
		return fmt.Errorf("no stream %s", stream)
	}
	return p.Validate()
}

const fuzzImage = "std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n" +
	"float64[] extra\nstring[] names\n====\nMSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n"

// FuzzDecodeROS feeds schemas and messages from a file to the ROS
// decoders: errors, never a panic, a hang or a huge allocation.
func FuzzDecodeROS(f *testing.F) {
	msg := []byte{0, 1, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 'a', 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 'r', 'g', 'b', '8'}
	f.Add(fuzzImage, msg, true)
	f.Add("time t\nduration d\nstring s\nuint8[3] b\nA[] as\n====\nMSG: pkg/A\nA a\n", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, false)
	f.Add("int64[<=4] x\nstring<=3 y\nbool CONST=1\nint8 z 5\n", bytes.Repeat([]byte{0xff}, 40), true)
	f.Fuzz(func(t *testing.T, schema string, data []byte, cdr bool) {
		defs, err := parseROSDefinitions("pkg/msg/Fuzz", schema)
		if err != nil {
			return
		}
		enc := "ros1"
		if cdr {
			enc = "cdr"
		}
		if m, err := decodeROS(defs, enc, data); err == nil {
			if _, err := pictureOf(m); err != nil {
				return
			}
		}
	})
}

// FuzzImport imports a file's bytes: whatever they are, Import returns
// (a result, an error), and never panics or hangs.
func FuzzImport(f *testing.F) {
	var b bytes.Buffer
	w, err := mcap.NewWriter(&b, &mcap.WriterOptions{Chunked: true, ChunkSize: 256, Compression: mcap.CompressionZSTD, IncludeCRC: true})
	if err != nil {
		f.Fatal(err)
	}
	_ = w.WriteHeader(&mcap.Header{Profile: "ros2"})
	_ = w.WriteSchema(&mcap.Schema{ID: 1, Name: "sensor_msgs/msg/Image", Encoding: "ros2msg", Data: []byte(fuzzImage)})
	_ = w.WriteChannel(&mcap.Channel{ID: 1, SchemaID: 1, Topic: "/camera", MessageEncoding: "cdr"})
	for i := range 4 {
		msg := []byte{0, 1, 0, 0, byte(i + 1), 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0,
			6, 0, 0, 0, 'm', 'o', 'n', 'o', '8', 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, byte(i), byte(i)}
		_ = w.WriteMessage(&mcap.Message{ChannelID: 1, LogTime: uint64(i + 1), Data: msg})
	}
	// A 2x2 Bayer mosaic, on a channel of its own.
	_ = w.WriteChannel(&mcap.Channel{ID: 2, SchemaID: 1, Topic: "/bayer", MessageEncoding: "cdr"})
	bayer := []byte{0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 12, 0, 0, 0}
	bayer = append(bayer, "bayer_grbg8\x00"...)
	bayer = append(bayer, 0, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 10, 20, 30, 40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	_ = w.WriteMessage(&mcap.Message{ChannelID: 2, LogTime: 5, Data: bayer})
	// 2x1 of depth in metres, big-endian floats: 1.5 and NaN.
	_ = w.WriteChannel(&mcap.Channel{ID: 3, SchemaID: 1, Topic: "/depth", MessageEncoding: "cdr"})
	depth := []byte{0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 6, 0, 0, 0}
	depth = append(depth, "32FC1\x00"...)
	depth = append(depth, 1, 0, 8, 0, 0, 0, 8, 0, 0, 0, 0x3f, 0xc0, 0, 0, 0x7f, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	_ = w.WriteMessage(&mcap.Message{ChannelID: 3, LogTime: 6, Data: depth})
	_ = w.Close()
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:b.Len()/2])
	big := bytes.Clone(b.Bytes())
	binary.LittleEndian.PutUint64(big[len(mcap.Magic)+1:], 1<<62) // a header record of 4 EiB
	f.Add(big)
	// The same messages unchunked, the summary whole, and with a message's
	// length damaged: the reading looks for the next whole record.
	var flat bytes.Buffer
	if w, err = mcap.NewWriter(&flat, &mcap.WriterOptions{IncludeCRC: true}); err != nil {
		f.Fatal(err)
	}
	_ = w.WriteHeader(&mcap.Header{Profile: "ros2"})
	_ = w.WriteSchema(&mcap.Schema{ID: 1, Name: "sensor_msgs/msg/Image", Encoding: "ros2msg", Data: []byte(fuzzImage)})
	_ = w.WriteChannel(&mcap.Channel{ID: 1, SchemaID: 1, Topic: "/camera", MessageEncoding: "cdr"})
	var second int
	for i := range 4 {
		msg := []byte{0, 1, 0, 0, byte(i + 1), 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0,
			6, 0, 0, 0, 'm', 'o', 'n', 'o', '8', 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, byte(i), byte(i)}
		if i == 1 {
			second = flat.Len()
		}
		_ = w.WriteMessage(&mcap.Message{ChannelID: 1, LogTime: uint64(i + 1), Data: msg})
	}
	_ = w.Close()
	f.Add(flat.Bytes())
	resync := bytes.Clone(flat.Bytes())
	if mcap.OpCode(resync[second]) != mcap.OpMessage {
		f.Fatalf("byte %d begins no message", second)
	}
	binary.LittleEndian.PutUint64(resync[second+1:], 1<<62)
	f.Add(resync)
	// Foxglove's schemas in protobuf and JSON, unchunked.
	for _, enc := range []string{foxglove.ProtoMessageEncoding, foxglove.MessageEncoding} {
		var b bytes.Buffer
		w, err := mcap.NewWriter(&b, &mcap.WriterOptions{})
		if err != nil {
			f.Fatal(err)
		}
		schema := &mcap.Schema{ID: 1, Name: foxglove.CompressedImage, Encoding: foxglove.SchemaEncoding, Data: foxglove.Schema(foxglove.CompressedImage)}
		m := foxglove.Message{Timestamp: foxglove.Time{Sec: 5}, FrameID: "c", Data: []byte{0xff, 0xd8, 0xff, 0xe0}, Format: "jpeg"}
		data, _ := json.Marshal(m)
		if enc == foxglove.ProtoMessageEncoding {
			schema.Encoding, schema.Data = foxglove.ProtoSchemaEncoding, foxglove.ProtoSchema(foxglove.CompressedImage)
			data = m.AppendProto(nil, foxglove.CompressedImage)
		}
		_ = w.WriteHeader(&mcap.Header{})
		_ = w.WriteSchema(schema)
		_ = w.WriteChannel(&mcap.Channel{ID: 1, SchemaID: 1, Topic: "/camera", MessageEncoding: enc})
		_ = w.WriteMessage(&mcap.Message{ChannelID: 1, LogTime: 1, Data: data})
		_ = w.Close()
		f.Add(b.Bytes())
	}
	// Foxglove's CompressedVideo: H.264 with B-frames, and H.265 to be
	// transcoded, unchunked so that the fuzzer reaches their pictures.
	f.Add(codedVideoBag(f))
	for _, bag := range []string{"testdata/rosbag2_split/rosbag2_split_0.mcap", "testdata/ros1_compressed.mcap",
		"testdata/compressed/noetic.bag.gz", "testdata/compressed/noetic_bz2.bag.lz4"} {
		b, err := os.ReadFile(bag)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		opts := Options{Transcode: func(codec string) (Transcoder, error) { return ffmpeg.NewTranscoder(codec) }}
		encode := opts
		encode.Encode = func(width, height int) (Encoder, error) { return ffmpeg.NewH264Encoder(width, height) }
		for _, opts := range []Options{opts, encode} { // as import and import --encode take it
			res, err := importStreams(context.Background(), []bagFile{{r: bytes.NewReader(file), size: int64(len(file)), name: "fuzz.mcap"}}, inMemory, opts)
			if err == nil && res.Packets() == 0 {
				t.Fatalf("no error with nothing imported: %+v", res)
			}
		}
		// Inspect reads the same bytes as the import.
		files := []bagFile{{r: bytes.NewReader(file), size: int64(len(file)), name: "fuzz.mcap"}}
		im := newImporter(context.Background(), files, nil, Options{Transcode: func(string) (Transcoder, error) { return nil, nil }})
		im.inspect = true
		if seen, _ := im.run(files); seen.Packets() != 0 {
			t.Fatalf("inspecting stored packets: %+v", seen)
		}
	})
}

// codedVideoBag returns an MCAP file of two topics of Foxglove's
// CompressedVideo in CDR, 6 pictures each: H.264 with B-frames and H.265.
func codedVideoBag(f *testing.F) []byte {
	var b bytes.Buffer
	w, err := mcap.NewWriter(&b, &mcap.WriterOptions{})
	if err != nil {
		f.Fatal(err)
	}
	_ = w.WriteHeader(&mcap.Header{Profile: "ros2"})
	_ = w.WriteSchema(&mcap.Schema{ID: 1, Name: "foxglove_msgs/msg/CompressedVideo", Encoding: "ros2msg",
		Data: []byte("builtin_interfaces/Time timestamp\nstring frame_id\nuint8[] data\nstring format\n")})
	for id, codec := range []string{"h264", "hevc"} {
		_ = w.WriteChannel(&mcap.Channel{ID: uint16(id + 1), SchemaID: 1, Topic: "/" + codec, MessageEncoding: "cdr"})
		pictures, shown := testclip.CodedPictures(f, codec, 6, 3)
		for i, p := range pictures {
			msg := binary.LittleEndian.AppendUint32([]byte{0, 1, 0, 0}, 1) // stamp: 1 s, then nanoseconds
			msg = binary.LittleEndian.AppendUint32(msg, uint32(shown[i])*33_333_333)
			msg = binary.LittleEndian.AppendUint32(append(binary.LittleEndian.AppendUint32(msg, 1), 0, 0, 0, 0), uint32(len(p)))
			msg = append(msg, p...)
			msg = append(msg, make([]byte, (4-len(msg)%4)%4)...)
			msg = append(binary.LittleEndian.AppendUint32(msg, 5), codec+"\x00"...)
			_ = w.WriteMessage(&mcap.Message{ChannelID: uint16(id + 1), LogTime: uint64(i + 1), Data: msg})
		}
	}
	_ = w.Close()
	return b.Bytes()
}

// FuzzImportSQLite imports a rosbag2 SQLite file's bytes: whatever they
// are, the import returns, and never panics or hangs.
func FuzzImportSQLite(f *testing.F) {
	for _, bag := range []string{"testdata/humble/humble_0.db3", "testdata/jazzy/jazzy_0.db3"} {
		b, err := os.ReadFile(bag)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.db3")
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := importStreams(context.Background(), []bagFile{{name: "fuzz.db3", path: path, size: int64(len(file))}}, inMemory, Options{})
		if err == nil && res.Packets() == 0 {
			t.Fatalf("no error with nothing imported: %+v", res)
		}
	})
}

// FuzzImportROS1 imports a ROS 1 bag's bytes: errors and counts, never a
// panic, a hang or a huge allocation.
func FuzzImportROS1(f *testing.F) {
	for _, bag := range []string{"testdata/ros1/noetic.bag", "testdata/ros1/noetic_bz2.bag", "testdata/ros1/noetic_lz4.bag"} {
		b, err := os.ReadFile(bag)
		if err != nil {
			f.Fatal(err)
		}
		// Their first chunk or two: the fuzzer's inputs stay small, and so
		// does its minimizing of them.
		f.Add(b[:min(len(b), 10000)])
		if bag == "testdata/ros1/noetic_lz4.bag" {
			f.Add(b) // and one whole, with its index
		}
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		if !bytes.HasPrefix(file, []byte(ros1Magic)) {
			file = append([]byte(ros1Magic), file...)
		}
		res, err := importStreams(context.Background(), []bagFile{{name: "fuzz.bag", r: bytes.NewReader(file), size: int64(len(file))}}, inMemory, Options{})
		if err == nil && res.Packets() == 0 {
			t.Fatalf("no error with nothing imported: %+v", res)
		}
		// Inspect reads its index, when it has one.
		files := []bagFile{{name: "fuzz.bag", r: bytes.NewReader(file), size: int64(len(file))}}
		im := newImporter(context.Background(), files, nil, Options{})
		im.inspect = true
		if seen, _ := im.run(files); seen.Packets() != 0 {
			t.Fatalf("inspecting stored packets: %+v", seen)
		}
	})
}
