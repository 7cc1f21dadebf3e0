package jpeg_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
)

func TestNewDecoderRejectsBadOptions(t *testing.T) {
	if _, err := jpeg.NewDecoder(jpeg.WithOutputFormat(media.PixelFormatUnknown)); !errors.Is(err, media.ErrUnknownPixelFormat) {
		t.Errorf("unknown output format: %v", err)
	}
	if _, err := jpeg.NewDecoder(jpeg.WithMaxPixels(0)); !errors.Is(err, jpeg.ErrInvalidOption) {
		t.Errorf("zero max pixels: %v", err)
	}
}

// The files in testdata were made from frame 0 of the test pattern (RGB24)
// at quality 90 by an independent encoder (cjpeg), with the chroma
// subsampling, grayscale, progressive or restart-marker coding that their
// names give.
func TestDecodeReadsEveryKindOfJPEG(t *testing.T) {
	files, err := filepath.Glob("testdata/*.jpg")
	if err != nil || len(files) < 8 {
		t.Fatalf("testdata: %d files, %v", len(files), err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var w, h int
			if _, err := fmt.Sscanf(filepath.Base(file), "testsrc_%dx%d_", &w, &h); err != nil {
				t.Fatal(err)
			}
			want := pattern(t, w, h, media.YUV420P, 0)
			p := &media.Packet{Codec: media.JPEG, Data: data, Key: true, Width: w, Height: h}
			for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8} {
				got := decodeOne(t, mustDecoder(t, jpeg.WithOutputFormat(format)), p)
				if got.Width != w || got.Height != h || got.Format != format {
					t.Fatalf("%v: decoded %v %dx%d", format, got.Format, got.Width, got.Height)
				}
				wantColour := media.Colour{Matrix: media.ColourBT470BG, Range: media.RangeLimited}
				if format != media.YUV420P {
					wantColour = media.Colour{Range: media.RangeFull}
				}
				if got.Colour != wantColour {
					t.Errorf("%v: a frame of colours %v, want %v", format, got.Colour, wantColour)
				}
				yuv, err := got.Convert(media.YUV420P)
				if err != nil {
					t.Fatal(err)
				}
				if psnr := lumaPSNR(t, want, yuv); psnr < 30 {
					t.Errorf("%v: luma PSNR %.1f dB against the pattern, want >= 30", format, psnr)
				}
				if format != media.YUV420P || bytes.Contains([]byte(file), []byte("gray")) {
					continue
				}
				// Chroma must land on the 4:2:0 grid whatever the JPEG's
				// subsampling: compare it with the pattern's.
				for i := 1; i <= 2; i++ {
					if psnr, err := media.PlanePSNR(want, got, i); err != nil || psnr < 30 {
						t.Errorf("plane %d: PSNR %.1f dB against the pattern, want >= 30 (%v)", i, psnr, err)
					}
				}
			}
		})
	}
}

// corruptCase is one damaged or foreign packet. The same table seeds
// FuzzDecode.
type corruptCase struct {
	name   string
	packet *media.Packet
}

func jpegPacket(data []byte) *media.Packet {
	return &media.Packet{Codec: media.JPEG, Data: data, Key: true}
}

// goodJPEG returns a small valid JPEG packet of the test pattern.
func goodJPEG(t testing.TB) *media.Packet {
	t.Helper()
	e, err := jpeg.NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	p, err := testsrc.New(48, 32)
	if err != nil {
		t.Fatal(err)
	}
	pkt, err := e.Encode(p.Frame(1))
	if err != nil {
		t.Fatal(err)
	}
	return pkt
}

// withSize returns a copy of a JPEG whose SOF0 header declares w x h.
func withSize(t testing.TB, data []byte, w, h int) []byte {
	t.Helper()
	i := bytes.Index(data, []byte{0xff, 0xc0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	c := bytes.Clone(data)
	c[i+5], c[i+6], c[i+7], c[i+8] = byte(h>>8), byte(h), byte(w>>8), byte(w)
	return c
}

func flipBit(data []byte, bit int) []byte {
	c := bytes.Clone(data)
	c[bit/8] ^= 1 << (bit % 8)
	return c
}

func corruptCases(t testing.TB) []corruptCase {
	good := goodJPEG(t).Data
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 512)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	sof := bytes.Index(good, []byte{0xff, 0xc0})
	sos := bytes.Index(good, []byte{0xff, 0xda})
	h264 := []byte{0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80, 0, 0, 0, 1, 0x65, 0x88, 0x84, 0x21}
	return []corruptCase{
		{"nil packet", nil},
		{"empty data", jpegPacket(nil)},
		{"only SOI", jpegPacket(good[:2])},
		{"truncated in the JFIF header", jpegPacket(good[:10])},
		{"truncated in the quantisation tables", jpegPacket(good[:40])},
		{"truncated before the frame header", jpegPacket(good[:sof])},
		{"truncated in the frame header", jpegPacket(good[:sof+6])},
		{"truncated before the scan", jpegPacket(good[:sos])},
		{"truncated in the scan", jpegPacket(good[:sos+(len(good)-sos)/2])},
		{"truncated before EOI", jpegPacket(good[:len(good)-2])},
		{"random bytes", jpegPacket(random)},
		{"random bytes after SOI", jpegPacket(append([]byte{0xff, 0xd8}, random...))},
		{"SOI bit flipped", jpegPacket(flipBit(good, 3))},
		{"SOF marker bit flipped", jpegPacket(flipBit(good, 8*(sof+1)+2))},
		{"zero width", jpegPacket(withSize(t, good, 0, 32))},
		{"declares 16000x16000 (bomb)", jpegPacket(withSize(t, good, 16000, 16000))},
		{"declares 65535x65535 (bomb)", jpegPacket(withSize(t, good, 65535, 65535))},
		{"size differs from the packet's", &media.Packet{Codec: media.JPEG, Data: good, Key: true, Width: 640, Height: 480}},
		{"H.264 packet", &media.Packet{Codec: media.H264, Data: h264, Key: true}},
		{"H.264 data labelled JPEG", jpegPacket(h264)},
		{"JPEG labelled raw", &media.Packet{Codec: media.Raw, Data: good, Key: true, Format: media.GRAY8}},
	}
}

func TestDecodeRejectsCorruptPacketsAndRecovers(t *testing.T) {
	d := mustDecoder(t)
	good := goodJPEG(t)
	for _, c := range corruptCases(t) {
		t.Run(c.name, func(t *testing.T) {
			frames, err := d.Decode(c.packet)
			if !errors.Is(err, codecs.ErrCorrupt) || frames != nil {
				t.Errorf("Decode = %d frames, %v; want an error wrapping ErrCorrupt", len(frames), err)
			}
			if _, err := d.Decode(good); err != nil {
				t.Errorf("good packet after the corrupt one: %v", err)
			}
		})
	}
}

func TestDecodeNamesTheWrongCodec(t *testing.T) {
	for _, codec := range []media.Codec{media.H264, media.Raw, media.CodecUnknown} {
		_, err := mustDecoder(t).Decode(&media.Packet{Codec: codec, Data: goodJPEG(t).Data, Key: true})
		if !errors.Is(err, codecs.ErrWrongCodec) || !errors.Is(err, codecs.ErrCorrupt) {
			t.Errorf("%v packet: %v, want ErrWrongCodec and ErrCorrupt", codec, err)
		}
	}
}

func TestDecodeRefusesBombsBeforeDecoding(t *testing.T) {
	good := goodJPEG(t).Data
	for _, c := range []struct {
		name string
		data []byte
		opts []jpeg.DecoderOption
	}{
		{"side above MaxDimension", withSize(t, good, media.MaxDimension+1, 8), nil},
		{"pixels above the default limit", withSize(t, good, 8192, 8192), nil},
		{"pixels above a set limit", good, []jpeg.DecoderOption{jpeg.WithMaxPixels(48*32 - 1)}},
	} {
		_, err := mustDecoder(t, c.opts...).Decode(jpegPacket(c.data))
		if !errors.Is(err, jpeg.ErrTooLarge) || !errors.Is(err, codecs.ErrCorrupt) {
			t.Errorf("%s: %v, want ErrTooLarge and ErrCorrupt", c.name, err)
		}
	}
	if _, err := mustDecoder(t, jpeg.WithMaxPixels(48*32)).Decode(jpegPacket(good)); err != nil {
		t.Errorf("picture at the limit: %v", err)
	}
}

func TestDecodeDoesNotModifyItsInput(t *testing.T) {
	p := goodJPEG(t)
	p.Seq, p.GOP = 9, 9
	before := *p
	data := bytes.Clone(p.Data)
	for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8} {
		f := decodeOne(t, mustDecoder(t, jpeg.WithOutputFormat(format)), p)
		if f.Seq != 9 {
			t.Errorf("decoded seq %d, want the packet's 9", f.Seq)
		}
	}
	if !bytes.Equal(p.Data, data) {
		t.Error("Decode changed the packet's data")
	}
	if !reflect.DeepEqual(*p, before) {
		t.Error("Decode changed the packet")
	}
}

func TestDecodedFramesAreTheCallersOwn(t *testing.T) {
	d := mustDecoder(t)
	p := goodJPEG(t)
	a, b := decodeOne(t, d, p), decodeOne(t, d, p)
	want := a.AppendPacked(nil)
	for i := range b.Planes {
		for j := range b.Planes[i] {
			b.Planes[i][j] = 0
		}
	}
	if !bytes.Equal(a.AppendPacked(nil), want) {
		t.Error("two decoded frames share memory")
	}
}

func TestDecodedFormatsAgree(t *testing.T) {
	p := encode(t, mustEncoder(t), pattern(t, 160, 120, media.YUV420P, 3))
	yuv := decodeOne(t, mustDecoder(t), p)
	for _, format := range []media.PixelFormat{media.RGB24, media.GRAY8} {
		got := decodeOne(t, mustDecoder(t, jpeg.WithOutputFormat(format)), p)
		want, err := yuv.Convert(format)
		if err != nil {
			t.Fatal(err)
		}
		if psnr, _ := media.PlanePSNR(want, got, 0); psnr < 40 {
			t.Errorf("%v output differs from converting the YUV420P output: %.1f dB", format, psnr)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, size := range [][2]int{{320, 240}, {640, 480}, {1280, 720}} {
		for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24} {
			b.Run(fmt.Sprintf("%dx%d/%v", size[0], size[1], format), func(b *testing.B) {
				p := encode(b, mustEncoder(b), pattern(b, size[0], size[1], media.YUV420P, 0))
				d := mustDecoder(b, jpeg.WithOutputFormat(format))
				b.SetBytes(int64(len(p.Data)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := d.Decode(p); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
			})
		}
	}
}
