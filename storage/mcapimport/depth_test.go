package mcapimport_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/foxglove/mcap/go/mcap"
	"github.com/klauspost/compress/zstd"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage/mcapimport"
)

// rawImage is a sensor_msgs/Image channel of one w x h picture whose
// pixels are samples, each of sampleBytes in the byte order bigEndian
// says, rows padded by 2 bytes.
func rawImage(topic, encoding string, w, h, sampleBytes int, bigEndian bool, samples []uint32) bagChannel {
	var order binary.AppendByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	perRow := len(samples) / h
	var data []byte
	for y := range h {
		for _, s := range samples[y*perRow : (y+1)*perRow] {
			if sampleBytes == 2 {
				data = order.AppendUint16(data, uint16(s))
			} else {
				data = order.AppendUint32(data, s)
			}
		}
		data = append(data, 0xee, 0xee)
	}
	endian := uint8(0)
	if bigEndian {
		endian = 1
	}
	msg := newCDR().time(stamp(0)).str("cam").u32(uint32(h)).u32(uint32(w)).str(encoding).u8(endian).
		u32(uint32(perRow*sampleBytes + 2)).bytes(data).b
	return bagChannel{topic: topic, schema: "sensor_msgs/msg/Image", schemaEncoding: "ros2msg", schemaText: ros2Image,
		encoding: "cdr", messages: [][]byte{msg}}
}

// compressedImage is a sensor_msgs/CompressedImage channel of one picture.
func compressedImage(topic, format string, data []byte) bagChannel {
	return bagChannel{topic: topic, schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg",
		schemaText: ros2CompressedImage, encoding: "cdr", messages: [][]byte{newCDR().time(stamp(0)).str("d").str(format).bytes(data).b}}
}

func float32s(v ...float32) []uint32 {
	out := make([]uint32, len(v))
	for i, f := range v {
		out[i] = math.Float32bits(f)
	}
	return out
}

// checkPicture fails t unless stream in the recording at out is one
// picture of format, w x h, of data want.
func checkPicture(t *testing.T, out, stream string, format media.PixelFormat, w, h int, want []byte) {
	t.Helper()
	info, pkts := readStream(t, out, stream)
	if info.Format != format || len(pkts) != 1 || pkts[0].Width != w || pkts[0].Height != h || !bytes.Equal(pkts[0].Data, want) {
		var got []byte
		if len(pkts) > 0 {
			got = pkts[0].Data
		}
		t.Errorf("%s: %v %d packets, data %v; want %v %dx%d %v", stream, info.Format, len(pkts), got, format, w, h, want)
	}
}

// Pictures of more than 8 bits, as depth and thermal cameras publish
// them, are shown as ROS image_view and Foxglove show them: depth from 0
// (black) to 10 m (white), 16UC1 in millimetres and 32FC1 in metres, no
// measurement (NaN) black; mono16 in the same range as 16UC1; 16-bit
// colour by its top bits (cv_bridge's scaling); in either byte order.
func TestImportsPicturesOfMoreThan8Bits(t *testing.T) {
	depth := []uint32{0, 2500, 5000, 7500, 10000, 12000} // millimetres
	depthGrey := []byte{0, 64, 128, 191, 255, 255}       // 63.75, 127.5, 191.25
	metres := float32s(0, 2.5, 5, 10, float32(math.NaN()), float32(math.Inf(1)), -1, 0.1)
	metresGrey := []byte{0, 64, 128, 255, 0, 255, 0, 3}
	// 16-bit colour: (r, g, b) = 257 times (10, 20, 30) then (65535, 0, 32768).
	rgb16 := []uint32{2570, 5140, 7710, 65535, 0, 32768}
	bgra16 := []uint32{7710, 5140, 2570, 65535, 32768, 0, 65535, 1}
	rgb := []byte{10, 20, 30, 255, 0, 128}
	flat16 := make([]uint32, 16) // a 4x4 rggb mosaic of one colour: red 51400, green 25700, blue 12850
	for i := range flat16 {
		flat16[i] = []uint32{51400, 25700, 25700, 12850}[2*(i/4%2)+i%2]
	}
	channels := []bagChannel{
		rawImage("/depth", "16UC1", 3, 2, 2, false, depth),
		rawImage("/depth_be", "16UC1", 3, 2, 2, true, depth),
		rawImage("/thermal", "mono16", 3, 2, 2, false, depth),
		rawImage("/metres", "32FC1", 4, 2, 4, false, metres),
		rawImage("/metres_be", "32FC1", 4, 2, 4, true, metres),
		rawImage("/rgb16", "rgb16", 2, 1, 2, false, rgb16),
		rawImage("/bgra16", "bgra16", 2, 1, 2, true, bgra16),
		rawImage("/bayer16", "bayer_rggb16", 4, 4, 2, false, flat16),
	}
	out, _ := importBag(t, writeBag(t, mcap.CompressionZSTD, channels...), mcapimport.Options{})
	for _, s := range []string{"/depth", "/depth_be", "/thermal"} {
		checkPicture(t, out, s, media.GRAY8, 3, 2, depthGrey)
	}
	for _, s := range []string{"/metres", "/metres_be"} {
		checkPicture(t, out, s, media.GRAY8, 4, 2, metresGrey)
	}
	checkPicture(t, out, "/rgb16", media.RGB24, 2, 1, rgb)
	checkPicture(t, out, "/bgra16", media.RGB24, 2, 1, rgb)
	checkPicture(t, out, "/bayer16", media.RGB24, 4, 4, bytes.Repeat([]byte{200, 100, 50}, 16))

	// A range of its own: 16-bit depth from 1 m to 3 m, and 32FC1 the
	// same numbers (metres from 1 to 3000, then).
	narrow := mcapimport.Options{Range: mcapimport.ValueRange{Min: 1000, Max: 3000}}
	out, _ = importBag(t, writeBag(t, mcap.CompressionZSTD,
		rawImage("/depth", "16UC1", 2, 2, 2, false, []uint32{500, 1000, 2000, 3500}),
		rawImage("/metres", "32FC1", 2, 1, 4, false, float32s(1500, 2000))), narrow)
	checkPicture(t, out, "/depth", media.GRAY8, 2, 2, []byte{0, 0, 128, 255})
	checkPicture(t, out, "/metres", media.GRAY8, 2, 1, []byte{64, 128})

	// A topic's own range (a thermal camera's counts beside a depth
	// camera in millimetres), the others in Range or the default.
	own := mcapimport.Options{Ranges: map[string]mcapimport.ValueRange{"/thermal": {Min: 7000, Max: 9000}}}
	out, _ = importBag(t, writeBag(t, mcap.CompressionZSTD,
		rawImage("/depth", "16UC1", 2, 2, 2, false, []uint32{500, 1000, 2000, 3500}),
		rawImage("/thermal", "mono16", 2, 2, 2, false, []uint32{6000, 7000, 8000, 9500})), own)
	checkPicture(t, out, "/depth", media.GRAY8, 2, 2, []byte{13, 26, 51, 89})
	checkPicture(t, out, "/thermal", media.GRAY8, 2, 2, []byte{0, 0, 128, 255})

	for _, r := range []mcapimport.ValueRange{{Min: 5, Max: 5}, {Min: 0, Max: math.Inf(1)}, {Min: math.NaN(), Max: 1}} {
		if _, err := mcapimport.ImportFile(t.Context(), writeBag(t, mcap.CompressionZSTD, channels[0]), t.TempDir()+"/x.gopline",
			mcapimport.Options{Range: r}); err == nil {
			t.Errorf("range %v taken", r)
		}
		if _, err := mcapimport.ImportFile(t.Context(), writeBag(t, mcap.CompressionZSTD, channels[0]), t.TempDir()+"/x.gopline",
			mcapimport.Options{Ranges: map[string]mcapimport.ValueRange{"/depth": r}}); err == nil {
			t.Errorf("range %v of /depth taken", r)
		}
	}
}

// Depth cameras' pictures through compressed_depth_image_transport
// ("/camera/depth/image_rect_raw/compressedDepth"): 16UC1 millimetres as
// a 16-bit PNG, 32FC1 metres as quantized inverse depth, in PNG or RVL
// (the codec's newer choice), each behind its 12-byte header; and
// compressed_image_transport's 16-bit PNG of a 16UC1 picture. Damaged
// ones are counted; an unknown codec is named.
func TestImportsCompressedDepth(t *testing.T) {
	const w, h = 4, 3
	mm := []uint16{0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000}
	wantMM := []byte{0, 26, 51, 77, 102, 128, 153, 179, 204, 230, 255, 255} // 25.5, 51, 76.5, ...
	// 32FC1 as the publisher quantizes it with its defaults (depth_max
	// 10 m, depth_quantization 100): q = a/d + b, a = 100*101, b = 1-a/10;
	// 0 for no measurement and for 10 m and beyond.
	a, b := float32(100*101), float32(1-100*101/10.0)
	metres := []float32{0, 1, 2, 2.5, 4, 5, 8, 9.5, 10, 12, float32(math.NaN()), 0.5}
	wantMetres := []byte{0, 26, 51, 64, 102, 128, 204, 242, 0, 0, 0, 13}
	inverse := make([]uint16, len(metres))
	for i, d := range metres {
		if d < 10 && d > 0 {
			inverse[i] = uint16(a/d + b)
		}
	}
	header := func(qa, qb float32) []byte {
		h := binary.LittleEndian.AppendUint32(nil, 0) // INV_DEPTH
		h = binary.LittleEndian.AppendUint32(h, math.Float32bits(qa))
		return binary.LittleEndian.AppendUint32(h, math.Float32bits(qb))
	}
	rvl := func(samples []uint16) []byte {
		out := binary.LittleEndian.AppendUint32(nil, w)
		return append(binary.LittleEndian.AppendUint32(out, h), encodeRVL(samples)...)
	}
	channels := []bagChannel{
		compressedImage("/mm/png", "16UC1; compressedDepth png", append(header(0, 0), grey16PNG(t, w, h, mm)...)),
		compressedImage("/mm/old", "16UC1; compressedDepth", append(header(0, 0), grey16PNG(t, w, h, mm)...)),
		compressedImage("/mm/rvl", "16UC1; compressedDepth rvl", append(header(0, 0), rvl(mm)...)),
		compressedImage("/metres/png", "32FC1; compressedDepth png", append(header(a, b), grey16PNG(t, w, h, inverse)...)),
		compressedImage("/metres/rvl", "32FC1; compressedDepth rvl", append(header(a, b), rvl(inverse)...)),
		compressedImage("/mm/compressed", "16UC1; png compressed ", grey16PNG(t, w, h, mm)),
		compressedImage("/cut", "16UC1; compressedDepth rvl", append(header(0, 0), rvl(mm)[:12]...)),
		compressedImage("/zstd", "16UC1; compressedDepth zstd", append(header(0, 0), rvl(mm)...)),
	}
	out, res := importBag(t, writeBag(t, mcap.CompressionZSTD, channels...), mcapimport.Options{})
	for _, s := range []string{"/mm/png", "/mm/old", "/mm/rvl", "/mm/compressed"} {
		checkPicture(t, out, s, media.GRAY8, w, h, wantMM)
	}
	for _, s := range []string{"/metres/png", "/metres/rvl"} {
		checkPicture(t, out, s, media.GRAY8, w, h, wantMetres)
	}
	if tp := topicOf(t, res, "/cut"); tp.Damaged != 1 || tp.Packets != 0 {
		t.Errorf("a cut RVL picture: %+v", tp)
	}
	if tp := topicOf(t, res, "/zstd"); tp.Skipped == "" || !bytes.Contains([]byte(tp.Skipped), []byte("PNG or RVL")) {
		t.Errorf("compressedDepth of an unknown codec: %+v", tp)
	}
}

// grey16PNG is a 16-bit grey PNG of w x h samples, as OpenCV writes a
// CV_16UC1 picture.
func grey16PNG(t *testing.T, w, h int, samples []uint16) []byte {
	img := image.NewGray16(image.Rect(0, 0, w, h))
	for i, s := range samples {
		img.SetGray16(i%w, i/w, color.Gray16{Y: s})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encodeRVL codes samples in RVL as compressed_depth_image_transport
// does: runs of zeros and of other samples, each run's length and each
// other sample's zigzag-coded difference from the one before as a number
// of 3-bit groups, the lowest first, the fourth bit of a nibble set when
// another follows; nibbles fill 32-bit words from the top, the words
// little-endian, the last one's unused nibbles zero.
func encodeRVL(samples []uint16) []byte {
	var out []byte
	var word uint32
	nibbles := 0
	put := func(v uint32) {
		for {
			nibble := v & 7
			if v >>= 3; v != 0 {
				nibble |= 8
			}
			word = word<<4 | nibble
			if nibbles++; nibbles == 8 {
				out = binary.LittleEndian.AppendUint32(out, word)
				word, nibbles = 0, 0
			}
			if v == 0 {
				return
			}
		}
	}
	var previous uint16
	for i := 0; i < len(samples); {
		zeros := 0
		for ; i < len(samples) && samples[i] == 0; i++ {
			zeros++
		}
		put(uint32(zeros))
		others := 0
		for j := i; j < len(samples) && samples[j] != 0; j++ {
			others++
		}
		put(uint32(others))
		for range others {
			delta := int32(samples[i]) - int32(previous)
			put(uint32(delta<<1 ^ delta>>31))
			previous = samples[i]
			i++
		}
	}
	if nibbles > 0 {
		out = binary.LittleEndian.AppendUint32(out, word<<(4*(8-nibbles)))
	}
	return out
}

// A 4:2:0 camera's semi-planar pictures (nv21, a ROS 2 encoding; nv12, as
// Jetson and Rockchip drivers publish them) become YUV420P: luma as it
// is, then the interleaved chroma rows pulled apart; an odd size keeps
// its last half pair, and rows may be padded.
func TestImportsSemiPlanarPictures(t *testing.T) {
	// 3x3: luma 10..18; chroma rows (2 of them) of 2 pairs each, U 100+i
	// and V 200+i; rows padded to 5 bytes.
	luma := []byte{10, 11, 12, 0, 0, 13, 14, 15, 0, 0, 16, 17, 18, 0, 0}
	nv12 := append(bytes.Clone(luma), 100, 200, 101, 201, 0, 102, 202, 103, 203, 0)
	nv21 := append(bytes.Clone(luma), 200, 100, 201, 101, 0, 202, 102, 203, 103, 0)
	image := func(topic, encoding string, data []byte) bagChannel {
		msg := newCDR().time(stamp(0)).str("cam").u32(3).u32(3).str(encoding).u8(0).u32(5).bytes(data).b
		return bagChannel{topic: topic, schema: "sensor_msgs/msg/Image", schemaEncoding: "ros2msg", schemaText: ros2Image,
			encoding: "cdr", messages: [][]byte{msg}}
	}
	short := image("/short", "nv12", nv12[:len(nv12)-6]) // the last chroma row cut
	out, res := importBag(t, writeBag(t, mcap.CompressionZSTD, image("/nv12", "nv12", nv12), image("/nv21", "NV21", nv21), short), mcapimport.Options{})
	want := []byte{10, 11, 12, 13, 14, 15, 16, 17, 18, 100, 101, 102, 103, 200, 201, 202, 203}
	checkPicture(t, out, "/nv12", media.YUV420P, 3, 3, want)
	checkPicture(t, out, "/nv21", media.YUV420P, 3, 3, want)
	if tp := topicOf(t, res, "/short"); tp.Damaged != 1 {
		t.Errorf("a picture without its last chroma row: %+v", tp)
	}
}

// zstdTransport is the data of a zstd_image_transport picture: the raw
// picture's header and its data compressed with zstd, or with gzip as the
// plugin's first releases did.
func zstdTransport(t *testing.T, encoding string, w, h, step int, bigEndian bool, data []byte, useGzip bool) []byte {
	t.Helper()
	out := binary.LittleEndian.AppendUint32(nil, uint32(h))
	out = binary.LittleEndian.AppendUint32(out, uint32(w))
	if bigEndian {
		out = append(out, 1)
	} else {
		out = append(out, 0)
	}
	out = binary.LittleEndian.AppendUint32(out, uint32(step))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(encoding)))
	out = append(out, encoding...)
	var b bytes.Buffer
	if useGzip {
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(data)
		_ = zw.Close()
	} else {
		enc, err := zstd.NewWriter(nil)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(enc.EncodeAll(data, nil))
	}
	return append(out, b.Bytes()...)
}

// zstd_image_transport's pictures (format "zstd": a raw picture compressed
// whole) are imported as the raw pictures they hold, whichever of zstd and
// gzip compressed them; one of an encoding gopline does not take is named,
// and a damaged one counted.
func TestImportsZstdTransportPictures(t *testing.T) {
	// 2x2 rgb8, rows padded to 8 bytes; 2x1 mono16, big-endian.
	rgb := []byte{1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0}
	mono := []byte{0x13, 0x88, 0x07, 0xd0} // 5000 and 2000 millimetres' worth
	packed := zstdTransport(t, "rgb8", 2, 2, 8, false, rgb, false)
	damaged := bytes.Clone(packed)
	damaged[len(damaged)-3] ^= 0xff
	channels := []bagChannel{
		compressedImage("/zstd", "zstd", packed),
		compressedImage("/gzip", "zstd", zstdTransport(t, "rgb8", 2, 2, 8, false, rgb, true)),
		compressedImage("/mono16", "zstd", zstdTransport(t, "mono16", 2, 1, 4, true, mono, false)),
		compressedImage("/signed", "zstd", zstdTransport(t, "16SC1", 1, 1, 2, false, []byte{1, 2}, false)),
		compressedImage("/damaged", "zstd", damaged),
	}
	channels[4].messages = append([][]byte{channels[0].messages[0]}, channels[4].messages...)
	out, res := importBag(t, writeBag(t, mcap.CompressionZSTD, channels...), mcapimport.Options{})
	want := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	checkPicture(t, out, "/zstd", media.RGB24, 2, 2, want)
	checkPicture(t, out, "/gzip", media.RGB24, 2, 2, want)
	checkPicture(t, out, "/mono16", media.GRAY8, 2, 1, []byte{128, 51})
	if tp := topicOf(t, res, "/signed"); !strings.Contains(tp.Skipped, `encoding "16SC1"`) {
		t.Errorf("16SC1: %+v", tp)
	}
	if tp := topicOf(t, res, "/damaged"); tp.Packets != 1 || tp.Damaged != 1 {
		t.Errorf("a damaged picture after a whole one: %+v", tp)
	}
}
