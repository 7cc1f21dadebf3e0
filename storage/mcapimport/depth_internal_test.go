package mcapimport

import (
	"slices"
	"testing"
)

// An RVL picture worked by hand from compressed_depth_image_transport's
// coder: 4x1 samples 0 0 5 6 are a run of 2 zeros (nibble 2), a run of 2
// others (2), 5 as zigzag 10 (0xA then 1: 3 bits of 2, more, then 1) and
// 1 as zigzag 2 (2); the nibbles fill the word 0x22A12000 from its top,
// stored little-endian.
func TestDecodeRVLByHand(t *testing.T) {
	data := []byte{4, 0, 0, 0, 1, 0, 0, 0, 0x00, 0x20, 0xA1, 0x22}
	w, h, samples, err := decodeRVL(data)
	if err != nil || w != 4 || h != 1 || !slices.Equal(samples, []uint16{0, 0, 5, 6}) {
		t.Fatalf("%dx%d %v, %v", w, h, samples, err)
	}
	for _, bad := range [][]byte{
		data[:8],                                // no words
		{4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x50}, // a run of 5 zeros in 4 samples
		{0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},    // 0 wide
		{0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0},    // 65535x65535
		{1, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, // a number of 64 bits
	} {
		if _, _, _, err := decodeRVL(bad); err == nil {
			t.Errorf("% x decoded", bad)
		}
	}
}

// FuzzDecodeDepth decodes compressedDepth pictures: an error, or a picture
// of as many grey samples as its size says; never a panic or a hang.
func FuzzDecodeDepth(f *testing.F) {
	f.Add("16UC1; compressedDepth rvl", []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0x00, 0x20, 0xA1, 0x22})
	f.Add("32FC1; compressedDepth rvl", []byte{0, 0, 0, 0, 0, 0x20, 0x1d, 0x46, 0, 0x40, 0x7c, 0xc4, 4, 0, 0, 0, 1, 0, 0, 0, 0x00, 0x20, 0xA1, 0x22})
	f.Add("16UC1; compressedDepth", []byte("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, format string, data []byte) {
		pkt, err := depthPacket(picture{format: format, data: data}, ValueRange{})
		if err == nil && len(pkt.Data) != pkt.Width*pkt.Height {
			t.Fatalf("%dx%d picture of %d samples", pkt.Width, pkt.Height, len(pkt.Data))
		}
	})
}

// FuzzZstdTransport reads zstd_image_transport pictures: an error, or a
// picture of as many bytes as its rows; never a panic or a hang.
func FuzzZstdTransport(f *testing.F) {
	f.Add([]byte("\x02\x00\x00\x00\x02\x00\x00\x00\x00\x08\x00\x00\x00\x04\x00\x00\x00rgb8\x28\xb5\x2f\xfd\x20\x10\x81\x00\x00\x01\x02\x03\x04\x05\x06\x00\x00\x07\x08\x09\x0a\x0b\x0c\x00\x00"))
	f.Add([]byte("\x01\x00\x00\x00\x01\x00\x00\x00\x00\x01\x00\x00\x00\x05\x00\x00\x00mono8\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x62\x04\x04\x00\x00\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := zstdTransportPicture(picture{format: "zstd", data: data})
		if err == nil && len(p.data) != p.step*p.height {
			t.Fatalf("%d bytes for %d rows of %d", len(p.data), p.height, p.step)
		}
	})
}
