package ffmpeg

import (
	"errors"
	"testing"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/media"
)

// TestJPEGEncoderOutputDecodesInGo checks that FFmpeg's JPEGs are standard
// baseline JPEG (Go's image/jpeg decodes them) with the right colour range,
// and that qscale trades bytes for quality.
func TestJPEGEncoderOutputDecodesInGo(t *testing.T) {
	d, err := jpeg.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range [][2]int{{320, 240}, {641, 479}} {
		p := pattern(t, size[0], size[1])
		var lastBytes int
		lastPSNR := 1000.0
		for _, q := range []int{2, DefaultJPEGQScale, 12, 31} {
			e, err := NewJPEGEncoder(size[0], size[1], WithQScale(q))
			if err != nil {
				t.Fatal(err)
			}
			var bytes int
			var psnr float64
			for i := range uint64(3) {
				pkt, err := e.Encode(p.Frame(i))
				if err != nil {
					t.Fatal(err)
				}
				if err := pkt.Validate(); err != nil || pkt.Codec != media.JPEG || pkt.Seq != i || pkt.GOP != i {
					t.Fatalf("packet %d: %+v %v", i, pkt, err)
				}
				out, err := d.Decode(pkt)
				if err != nil {
					t.Fatalf("%dx%d q%d: Go cannot decode FFmpeg's JPEG: %v", size[0], size[1], q, err)
				}
				bytes += len(pkt.Data)
				psnr = lumaPSNR(t, p.Frame(i), out[0])
			}
			e.Close()
			if q == DefaultJPEGQScale && psnr < 38 {
				t.Errorf("%dx%d default qscale: PSNR %.1f dB", size[0], size[1], psnr)
			}
			if lastBytes != 0 && (bytes >= lastBytes || psnr >= lastPSNR) {
				t.Errorf("%dx%d qscale %d: %d bytes %.1f dB, not below the finer scale's %d bytes %.1f dB",
					size[0], size[1], q, bytes, psnr, lastBytes, lastPSNR)
			}
			lastBytes, lastPSNR = bytes, psnr
		}
	}
}

func TestJPEGEncoderColourRange(t *testing.T) {
	// A red frame must come back red: the limited-to-full range conversion
	// is applied once, in the right direction.
	rgb, _ := media.NewFrame(media.RGB24, 64, 64)
	for i := 0; i < len(rgb.Planes[0]); i += 3 {
		rgb.Planes[0][i] = 255
	}
	e, err := NewJPEGEncoder(64, 64)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pkt, err := e.Encode(rgb)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := jpeg.NewDecoder(jpeg.WithOutputFormat(media.RGB24))
	out, err := d.Decode(pkt)
	if err != nil {
		t.Fatal(err)
	}
	px := out[0].Row(0, 32)[3*32:]
	if px[0] < 240 || px[1] > 15 || px[2] > 15 {
		t.Errorf("red came back as %v", px[:3])
	}
}

func TestJPEGEncoderRejectsBadInput(t *testing.T) {
	if _, err := NewJPEGEncoder(0, 10); !errors.Is(err, media.ErrInvalidSize) {
		t.Errorf("zero width: %v", err)
	}
	if _, err := NewJPEGEncoder(10, 10, WithQScale(1)); !errors.Is(err, ErrBadOption) {
		t.Errorf("qscale 1: %v", err)
	}
	e, err := NewJPEGEncoder(32, 32)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Encode(pattern(t, 64, 48).Frame(0)); !errors.Is(err, codecs.ErrFrameMismatch) {
		t.Errorf("wrong size: %v", err)
	}
	e.Close()
	if _, err := e.Encode(pattern(t, 32, 32).Frame(0)); !errors.Is(err, codecs.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}
