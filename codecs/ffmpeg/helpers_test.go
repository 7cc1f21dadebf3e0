package ffmpeg

import (
	"os"
	"testing"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/rs/zerolog"
)

func TestMain(m *testing.M) {
	testFFmpegLog()
	os.Exit(m.Run())
}

// testFFmpegLog sets FFmpeg's log as the tests have it: its own would
// drown the test output; errors still show.
func testFFmpegLog() {
	SetLogger(zerolog.New(zerolog.NewConsoleWriter(func(w *zerolog.ConsoleWriter) { w.Out = os.Stderr })).Level(zerolog.ErrorLevel), zerolog.ErrorLevel)
}

func pattern(t testing.TB, w, h int) *testsrc.Pattern {
	t.Helper()
	p, err := testsrc.New(w, h)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustEncoder(t testing.TB, w, h int, opts ...EncoderOption) *H264Encoder {
	t.Helper()
	e, err := NewH264Encoder(w, h, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func mustDecoder(t testing.TB, opts ...DecoderOption) *Decoder {
	t.Helper()
	d, err := NewH264Decoder(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// encodeClip encodes frames 0..n-1 of the pattern and returns the packets.
func encodeClip(t testing.TB, p *testsrc.Pattern, n int, opts ...EncoderOption) []*media.Packet {
	t.Helper()
	e := mustEncoder(t, p.Width(), p.Height(), opts...)
	pkts := make([]*media.Packet, 0, n)
	for i := range n {
		pkt, err := e.Encode(p.Frame(uint64(i)))
		if err != nil {
			t.Fatalf("encode frame %d: %v", i, err)
		}
		pkts = append(pkts, pkt)
	}
	return pkts
}

// decodeOne decodes a packet that must give exactly one picture.
func decodeOne(t testing.TB, d *Decoder, p *media.Packet) *media.Frame {
	t.Helper()
	frames, err := d.Decode(p)
	if err != nil {
		t.Fatalf("decode seq %d: %v", p.Seq, err)
	}
	if len(frames) != 1 {
		t.Fatalf("decode seq %d gave %d pictures, want 1", p.Seq, len(frames))
	}
	return frames[0]
}

func lumaPSNR(t testing.TB, a, b *media.Frame) float64 {
	t.Helper()
	psnr, err := media.LumaPSNR(a, b)
	if err != nil {
		t.Fatal(err)
	}
	return psnr
}
