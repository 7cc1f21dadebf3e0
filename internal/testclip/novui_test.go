package testclip

import (
	"bytes"
	"os"
	"testing"

	"github.com/gopline/gopline/codecs/h264"
)

// The rewritten SPS parses, has no VUI and keeps the picture size, and
// ffprobe decodes every frame of the stream.
func TestMakeRawWithoutVUI(t *testing.T) {
	path := MakeRawWithoutVUI(t, "novui.h264", 12, 20)
	if n := FrameCount(t, path); n != 12 {
		t.Fatalf("ffprobe decodes %d frames, want 12", n)
	}
	data := readFile(t, path)
	sps := firstSPS(t, data)
	got, err := h264.ParseSPS(sps)
	if err != nil || got.VUI != nil || got.Width() != 160 || got.Height() != 120 {
		t.Fatalf("SPS %+v: %v", got, err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// firstSPS is the first SPS NAL unit of an Annex B stream.
func firstSPS(t *testing.T, data []byte) []byte {
	t.Helper()
	for _, nal := range bytes.Split(data, []byte{0, 0, 1}) {
		if len(nal) > 0 && nal[0]&0x1f == byte(h264.NALUTypeSPS) {
			return bytes.TrimRight(nal, "\x00")
		}
	}
	t.Fatal("no SPS")
	return nil
}
