package mcapimport_test

import (
	"testing"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage/mcapimport"
)

func ffmpegEncoder(width, height int) (mcapimport.Encoder, error) {
	return ffmpeg.NewH264Encoder(width, height)
}

// With Options.Encode, a raw camera (rgb8, of an odd size) and a JPEG one
// are stored as H.264: every picture, at its stamp, a keyframe every 30,
// an odd side less its last column or row, and the pictures they were.
func TestImportEncodesRawAndJPEGPictures(t *testing.T) {
	const n, w, h = 40, 161, 121
	src, err := testsrc.New(w, h)
	if err != nil {
		t.Fatal(err)
	}
	raw := bagChannel{topic: "/raw", schema: "sensor_msgs/msg/Image", schemaEncoding: "ros2msg", schemaText: ros2Image, encoding: "cdr"}
	var want []*media.Frame
	for i := range n {
		f, err := src.Frame(uint64(i)).Convert(media.RGB24)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, f)
		var data []byte
		for y := range h {
			data = append(data, f.Planes[0][y*f.Strides[0]:y*f.Strides[0]+3*w]...)
		}
		raw.messages = append(raw.messages, newCDR().time(stamp(i)).str("cam").u32(h).u32(w).str("rgb8").u8(0).u32(3*w).bytes(data).b)
	}
	jpg := bagChannel{topic: "/jpeg", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg",
		schemaText: ros2CompressedImage, encoding: "cdr"}
	for i, p := range jpegs(t, n) {
		jpg.messages = append(jpg.messages, newCDR().time(stamp(i)).str("cam").str("jpeg").bytes(p).b)
	}
	out, res := importBag(t, writeBag(t, mcap.CompressionZSTD, raw, jpg), mcapimport.Options{Encode: ffmpegEncoder})
	for _, c := range []struct {
		topic, from   string
		width, height int
	}{{"/raw", "raw rgb24", w - 1, h - 1}, {"/jpeg", "jpeg", width, height}} {
		tp := topicOf(t, res, c.topic)
		if tp.Codec != media.H264 || tp.Transcoded != c.from || tp.Packets != n || tp.Width != c.width || tp.Height != c.height {
			t.Errorf("%s: %+v", c.topic, tp)
			continue
		}
		_, pkts := readStream(t, out, c.topic)
		for i, p := range pkts {
			if p.Key != (i%30 == 0) || !p.CaptureTime.Equal(stamp(i)) {
				t.Fatalf("%s: packet %d key %v at %v", c.topic, i, p.Key, p.CaptureTime)
			}
		}
		if c.topic != "/raw" {
			continue
		}
		dec, err := ffmpeg.NewH264Decoder()
		if err != nil {
			t.Fatal(err)
		}
		defer dec.Close()
		for i, p := range pkts {
			frames, err := dec.Decode(p)
			if err != nil || len(frames) != 1 {
				t.Fatalf("packet %d: %d pictures, %v", i, len(frames), err)
			}
			cropped := *want[i]
			cropped.Width, cropped.Height = w-1, h-1
			yuv, err := cropped.Convert(media.YUV420P)
			if err != nil {
				t.Fatal(err)
			}
			if psnr, err := media.LumaPSNR(frames[0], yuv); err != nil || psnr < 35 {
				t.Errorf("picture %d: luma PSNR %.1f dB against the raw picture (%v)", i, psnr, err)
			}
			frames[0].Release()
		}
	}
}
