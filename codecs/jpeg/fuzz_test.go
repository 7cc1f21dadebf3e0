package jpeg_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/media"
)

// fuzzMaxPixels keeps the fuzzer on pictures it can decode quickly; the
// limit itself is what TestDecodeRefusesBombsBeforeDecoding checks.
const fuzzMaxPixels = 256 * 256

// FuzzDecode feeds arbitrary bytes to Decode as a JPEG packet. Decode must
// never panic, must report every failure as ErrCorrupt, must return a valid
// frame within the limits otherwise, and must not write to its input. The
// committed corpus in testdata/fuzz/FuzzDecode holds a valid JPEG, truncated
// ones and garbage; the corrupt-packet table adds its cases here too.
func FuzzDecode(f *testing.F) {
	f.Add(goodJPEG(f).Data)
	for _, c := range corruptCases(f) {
		if c.packet != nil {
			f.Add(c.packet.Data)
		}
	}
	d, err := jpeg.NewDecoder(jpeg.WithMaxPixels(fuzzMaxPixels))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		before := bytes.Clone(data)
		frames, err := d.Decode(&media.Packet{Codec: media.JPEG, Data: data, Key: true})
		if !bytes.Equal(data, before) {
			t.Fatal("Decode wrote to its input")
		}
		if err != nil {
			if !errors.Is(err, codecs.ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			if frames != nil {
				t.Fatal("frames returned with an error")
			}
			return
		}
		if len(frames) != 1 {
			t.Fatalf("%d frames", len(frames))
		}
		fr := frames[0]
		if err := fr.Validate(); err != nil {
			t.Fatalf("decoded frame: %v", err)
		}
		if fr.Format != media.YUV420P || fr.Width*fr.Height > fuzzMaxPixels {
			t.Fatalf("decoded %v %dx%d", fr.Format, fr.Width, fr.Height)
		}
	})
}
