package mcapimport_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/foxglove/mcap/go/mcap"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage"
)

func TestMain(m *testing.M) {
	ffmpeg.SetLogger(zerolog.New(os.Stderr).Level(zerolog.ErrorLevel), zerolog.ErrorLevel)
	os.Exit(m.Run())
}

const (
	width, height = 160, 120
	fps           = 30
)

// t0 is the first picture's stamp; log times are 5 ms after the stamps.
var t0 = time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)

func stamp(n int) time.Time   { return t0.Add(time.Duration(n) * time.Second / fps) }
func logTime(n int) time.Time { return stamp(n).Add(5 * time.Millisecond) }

// Schemas as rosbag2 writes them: the type's fields, then each type it uses.
const (
	ros2Header = `
================================================================================
MSG: std_msgs/Header
# Standard metadata for higher-level stamped data types.
builtin_interfaces/Time stamp
string frame_id

================================================================================
MSG: builtin_interfaces/Time
int32 sec
uint32 nanosec
`
	ros2CompressedImage = "# This message contains a compressed image.\n" +
		"std_msgs/Header header # Header timestamp should be acquisition time of image\n" +
		"string format\nuint8[] data\n" + ros2Header
	ros2Image = "std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\n" +
		"uint8 is_bigendian\nuint32 step\nuint8[] data\n" + ros2Header
	ros2CompressedVideo = "builtin_interfaces/Time timestamp\nstring frame_id\nuint8[] data\nstring format\n"
	ros2Imu             = "std_msgs/Header header\nfloat64[9] orientation_covariance\n" + ros2Header
	ros2FFMPEGPacket    = "std_msgs/Header header\nint32 width\nint32 height\nstring encoding\nuint64 pts\nuint8 flags\n" +
		"bool is_bigendian\nuint8[] data\n" + ros2Header
	ros1CompressedImage = "Header header\nstring format\nuint8[] data\n" +
		"================================================================================\n" +
		"MSG: std_msgs/Header\nuint32 seq\ntime stamp\nstring frame_id\n"
)

// cdr writes a ROS 2 message in little-endian CDR, aligned from after its
// four-byte encapsulation header.
type cdr struct{ b []byte }

func newCDR() *cdr { return &cdr{b: []byte{0, 1, 0, 0}} }

func (c *cdr) align(n int) {
	for (len(c.b)-4)%n != 0 {
		c.b = append(c.b, 0)
	}
}
func (c *cdr) u8(v uint8) *cdr { c.b = append(c.b, v); return c }
func (c *cdr) u32(v uint32) *cdr {
	c.align(4)
	c.b = binary.LittleEndian.AppendUint32(c.b, v)
	return c
}
func (c *cdr) u64(v uint64) *cdr {
	c.align(8)
	c.b = binary.LittleEndian.AppendUint64(c.b, v)
	return c
}
func (c *cdr) str(s string) *cdr {
	c.u32(uint32(len(s) + 1))
	c.b = append(append(c.b, s...), 0)
	return c
}
func (c *cdr) bytes(b []byte) *cdr {
	c.u32(uint32(len(b)))
	c.b = append(c.b, b...)
	return c
}
func (c *cdr) time(t time.Time) *cdr {
	return c.u32(uint32(t.Unix())).u32(uint32(t.Nanosecond()))
}

// bagChannel is one channel of a bag written by writeBag.
type bagChannel struct {
	topic, schema, schemaEncoding, schemaText, encoding string
	messages                                            [][]byte
	logTimes                                            []time.Time
}

// unchunked, given to writeBag, writes messages outside chunks.
const unchunked mcap.CompressionFormat = "unchunked"

// writeBag writes an MCAP file as rosbag2 does (chunked, zstd unless
// compression says otherwise), the channels' messages interleaved.
func writeBag(t testing.TB, compression mcap.CompressionFormat, channels ...bagChannel) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "robot.mcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunked := compression != unchunked
	if !chunked {
		compression = mcap.CompressionNone
	}
	w, err := mcap.NewWriter(f, &mcap.WriterOptions{Chunked: chunked, ChunkSize: 16 << 10, Compression: compression, IncludeCRC: true})
	if err != nil {
		t.Fatal(err)
	}
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(w.WriteHeader(&mcap.Header{Profile: "ros2"}))
	most := 0
	for i, c := range channels {
		id := uint16(i + 1)
		check(w.WriteSchema(&mcap.Schema{ID: id, Name: c.schema, Encoding: c.schemaEncoding, Data: []byte(c.schemaText)}))
		check(w.WriteChannel(&mcap.Channel{ID: id, SchemaID: id, Topic: c.topic, MessageEncoding: c.encoding}))
		most = max(most, len(c.messages))
	}
	for n := range most {
		for i, c := range channels {
			if n >= len(c.messages) {
				continue
			}
			lt := logTime(n)
			if c.logTimes != nil {
				lt = c.logTimes[n]
			}
			check(w.WriteMessage(&mcap.Message{ChannelID: uint16(i + 1), Sequence: uint32(n), LogTime: uint64(lt.UnixNano()),
				PublishTime: uint64(lt.UnixNano()), Data: c.messages[n]}))
		}
	}
	check(w.Close())
	return path
}

// jpegs returns n JPEG pictures of the test pattern.
func jpegs(t testing.TB, n int) [][]byte { return jpegsOf(t, n, width, height) }

// jpegsOf returns n JPEG pictures of the test pattern at w x h.
func jpegsOf(t testing.TB, n, width, height int) [][]byte {
	t.Helper()
	p, err := testsrc.New(width, height)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, n)
	for i := range out {
		img := image.NewRGBA(image.Rect(0, 0, width, height))
		f := p.Frame(uint64(i))
		for y := range height {
			for x := range width {
				l := f.Planes[0][y*f.Strides[0]+x]
				img.Set(x, y, color.RGBA{l, l, 255 - l, 255})
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, nil); err != nil {
			t.Fatal(err)
		}
		out[i] = b.Bytes()
	}
	return out
}

// h264AUs returns n access units of the test pattern, a keyframe every gop.
func h264AUs(t testing.TB, n, gop int) []*media.Packet {
	t.Helper()
	p, err := testsrc.New(width, height)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := ffmpeg.NewH264Encoder(width, height, ffmpeg.WithGOP(gop), ffmpeg.WithFrameRate(fps))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	out := make([]*media.Packet, n)
	for i := range out {
		f := p.Frame(uint64(i))
		f.CaptureTime = stamp(i)
		if out[i], err = enc.Encode(f); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// readStream returns the packets of a recording's stream.
func readStream(t testing.TB, path, stream string) (storage.StreamInfo, []*media.Packet) {
	t.Helper()
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	infos, err := rec.Streams()
	if err != nil {
		t.Fatal(err)
	}
	var info storage.StreamInfo
	for _, i := range infos {
		if i.Name == stream {
			info = i
		}
	}
	if info.Name == "" {
		t.Fatalf("no stream %s among %v", stream, infos)
	}
	st, err := rec.Stats(stream)
	if err != nil {
		t.Fatal(err)
	}
	c, err := rec.Range(stream, st.First, st.Last.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out []*media.Packet
	for {
		p, err := c.Next()
		if err == io.EOF {
			return info, out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
}
