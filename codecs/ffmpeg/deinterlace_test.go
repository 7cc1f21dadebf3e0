package ffmpeg

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
)

// combing is testclip.Combing of f's luma.
func combing(f *media.Frame) int {
	return testclip.Combing(f.Planes[0], f.Strides[0], f.Width, f.Height)
}

// readFields reads every picture of path and returns copies of their
// lumas and their summed combing.
func readFields(t *testing.T, path string, opts ...ReaderOption) (lumas [][]byte, comb int, info StreamInfo) {
	t.Helper()
	r := mustReader(t, path, opts...)
	frames, err := readAll(t, r)
	if !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	for _, f := range frames {
		comb += combing(f)
		lumas = append(lumas, bytes.Clone(f.Planes[0][:f.Strides[0]*f.Height]))
		f.Release()
	}
	return lumas, comb, r.Info()
}

func TestReaderDeinterlacesPicturesCodedInFields(t *testing.T) {
	path := testclip.MakeFields(t, "fields.mp4", "", 10, false)
	woven, wovenComb, info := readFields(t, path, WithReaderDeinterlace(DeinterlaceOff))
	if info.Interlaced != "top field first" {
		t.Fatalf("Info().Interlaced = %q, want top field first", info.Interlaced)
	}
	got, comb, _ := readFields(t, path)
	if len(got) != 10 || len(woven) != 10 {
		t.Fatalf("%d pictures deinterlaced, %d woven, want 10 each", len(got), len(woven))
	}
	t.Logf("combing: %d woven, %d deinterlaced", wovenComb, comb)
	if comb*10 > wovenComb {
		t.Fatalf("deinterlaced pictures comb %d, woven ones %d: want a tenth or less", comb, wovenComb)
	}
}

func TestReaderLeavesProgressivePicturesAlone(t *testing.T) {
	path := testclip.MakeFields(t, "frames.mp4", "", 10, true)
	off, _, info := readFields(t, path, WithReaderDeinterlace(DeinterlaceOff))
	if info.Interlaced != "" {
		t.Fatalf("Info().Interlaced = %q for a progressive stream", info.Interlaced)
	}
	auto, _, _ := readFields(t, path)
	all, _, _ := readFields(t, path, WithReaderDeinterlace(DeinterlaceAll))
	for i := range off {
		if !bytes.Equal(auto[i], off[i]) {
			t.Fatalf("picture %d of a progressive stream changed by deinterlace=auto", i)
		}
	}
	changed := 0
	for i := range off {
		if !bytes.Equal(all[i], off[i]) {
			changed++
		}
	}
	if changed != len(off) {
		t.Fatalf("deinterlace=all rebuilt %d of %d pictures, want all", changed, len(off))
	}
}

func TestDecoderDeinterlacesPicturesCodedInFields(t *testing.T) {
	packets := readPackets(t, testclip.MakeFields(t, "fields.ts", "", 10, false))
	decode := func(opts ...DecoderOption) (n, comb int) {
		d := mustDecoder(t, opts...)
		defer d.Close()
		frames := decodeAll(t, d, packets)
		for _, f := range frames {
			comb += combing(f)
			f.Release()
		}
		return len(frames), comb
	}
	wovenN, woven := decode(WithDecoderDeinterlace(DeinterlaceOff))
	n, comb := decode()
	if n != 10 || wovenN != 10 {
		t.Fatalf("%d pictures deinterlaced, %d woven, want 10 each", n, wovenN)
	}
	t.Logf("combing: %d woven, %d deinterlaced", woven, comb)
	if comb*10 > woven {
		t.Fatalf("deinterlaced pictures comb %d, woven ones %d: want a tenth or less", comb, woven)
	}
}

// Deinterlacing works on a copy of a picture the decoder still refers
// to: every deinterlaced picture of a stream of P and B pictures coded in
// fields, by the Reader and by the Decoder, is its woven picture with the
// second field rebuilt (media.DeinterlaceRows), and none is built on a
// reference that an earlier picture's deinterlacing wrote into.
func TestDeinterlacingLeavesTheDecodersReferencesAlone(t *testing.T) {
	// FFmpeg's detailed test pattern, whose every row a prediction takes
	// from: a reference written into shows in the pictures built on it.
	path := testclip.Make(t, "fields-bframes.ts", 30, 50, "-vf", "tinterlace=mode=interleave_top,setfield=tff",
		"-c:v", "libx264", "-flags", "+ildct+ilme", "-x264opts", "interlaced=1:tff=1", "-g", "30", "-bf", "2")
	// rebuilt returns f's luma, deinterlaced in a copy when woven.
	rebuilt := func(f *media.Frame, woven bool) []byte {
		luma := bytes.Clone(f.Planes[0][:f.Strides[0]*f.Height])
		if woven {
			media.DeinterlaceRows(luma, f.Strides[0], f.Width, f.Height, 1, true)
		}
		var rows []byte // the picture's, without the padding after each row
		for y := range f.Height {
			rows = append(rows, luma[y*f.Strides[0]:y*f.Strides[0]+f.Width]...)
		}
		f.Release()
		return rows
	}
	compare := func(what string, woven, got []*media.Frame) {
		t.Helper()
		if len(got) != 30 || len(woven) != len(got) {
			t.Fatalf("%s: %d pictures deinterlaced, %d woven, want 30 each", what, len(got), len(woven))
		}
		for i := range got {
			if !bytes.Equal(rebuilt(woven[i], true), rebuilt(got[i], false)) {
				t.Errorf("%s: picture %d is not its woven picture deinterlaced", what, i)
			}
		}
	}
	read := func(mode Deinterlace) []*media.Frame {
		frames, err := readAll(t, mustReader(t, path, WithReaderDeinterlace(mode)))
		if !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
		return frames
	}
	compare("Reader", read(DeinterlaceOff), read(DeinterlaceAuto))
	packets := readPackets(t, path)
	decode := func(mode Deinterlace) []*media.Frame {
		d := mustDecoder(t, WithDecoderDeinterlace(mode))
		t.Cleanup(func() { d.Close() })
		return decodeAll(t, d, packets)
	}
	compare("Decoder", decode(DeinterlaceOff), decode(DeinterlaceAuto))
}

func TestReaderSaysDeeperInterlacedPicturesGoOnWoven(t *testing.T) {
	path := testclip.MakeFields(t, "fields10.mp4", "", 10, false, "-pix_fmt", "yuv420p10le")
	var logs bytes.Buffer
	lumas, _, _ := readFields(t, path, WithReaderLogger(zerolog.New(&logs)))
	if len(lumas) != 10 {
		t.Fatalf("%d pictures, want 10", len(lumas))
	}
	if n := strings.Count(logs.String(), "only pictures of 8-bit samples are deinterlaced"); n != 1 {
		t.Fatalf("said %d times that the pictures go on woven, want once; log:\n%s", n, logs.String())
	}
}

func TestDeinterlaceModes(t *testing.T) {
	for _, name := range DeinterlaceModes {
		mode, err := ParseDeinterlace(name)
		if err != nil || mode.String() != name {
			t.Fatalf("ParseDeinterlace(%q) = %v, %v", name, mode, err)
		}
	}
	if mode, err := ParseDeinterlace(""); err != nil || mode != DeinterlaceAuto {
		t.Fatalf(`ParseDeinterlace("") = %v, %v, want auto`, mode, err)
	}
	if _, err := ParseDeinterlace("yadif"); err == nil || !strings.Contains(err.Error(), "auto, all, off") {
		t.Fatalf("ParseDeinterlace(yadif) = %v, want an error naming the modes", err)
	}
	if _, err := OpenReader("x.mp4", WithReaderDeinterlace(Deinterlace(7))); err == nil {
		t.Fatal("a Reader took Deinterlace(7)")
	}
	if _, err := NewH264Decoder(WithDecoderDeinterlace(-1)); err == nil {
		t.Fatal("a Decoder took Deinterlace(-1)")
	}
}

// BenchmarkReaderDeinterlace decodes a 1920x1080 stream coded in fields
// with its pictures deinterlaced (auto) and woven (off): what
// deinterlacing adds to a decoded picture, as a ratio of the two in one
// run.
func BenchmarkReaderDeinterlace(b *testing.B) {
	path := testclip.MakeFields(b, "fields1080.mp4", "1920x1080", 30, false)
	for _, mode := range []Deinterlace{DeinterlaceOff, DeinterlaceAuto} {
		b.Run(mode.String(), func(b *testing.B) {
			pictures := 0
			for b.Loop() {
				r, err := OpenReader(path, WithReaderDeinterlace(mode))
				if err != nil {
					b.Fatal(err)
				}
				for {
					f, err := r.ReadFrame()
					if err != nil {
						break
					}
					pictures++
					f.Release()
				}
				r.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(pictures), "ms/picture")
		})
	}
}
