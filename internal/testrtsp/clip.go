package testrtsp

import (
	"os"
	"strconv"
	"testing"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/internal/testclip"
)

// Clip makes n frames of H.264 (160x120, no B-frames, an IDR every second)
// at rate frames/s with the ffmpeg command and returns its access units,
// for Start.
func Clip(t testing.TB, n, rate int) [][][]byte {
	t.Helper()
	return ClipOf(t, "camera.h264", n, rate, "-c:v", "libx264", "-bf", "0", "-g", strconv.Itoa(rate), "-pix_fmt", "yuv420p")
}

// ClipOf makes n frames of raw H.264 at rate frames/s, with the ffmpeg
// command's output options args (testclip.Make), and returns its access
// units.
func ClipOf(t testing.TB, name string, n, rate int, args ...string) [][][]byte {
	t.Helper()
	return UnitsOf(t, testclip.Make(t, name, n, rate, args...), n)
}

// UnitsOf returns the access units of the raw H.264 file at path, which
// must hold n.
func UnitsOf(t testing.TB, path string, n int) [][][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nalus, err := h264.SplitAnnexB(data)
	if err != nil {
		t.Fatal(err)
	}
	units := AccessUnits(nalus)
	if len(units) != n {
		t.Fatalf("testrtsp: %d access units in a clip of %d frames", len(units), n)
	}
	return units
}

// AccessUnits groups a stream's NAL units into access units: one begins at
// an access unit delimiter, SPS, PPS or SEI after a picture, or at a slice
// whose first_mb_in_slice is 0 (its first bit set), the first slice of a
// picture.
func AccessUnits(nalus [][]byte) [][][]byte {
	var units [][][]byte
	var cur [][]byte
	havePicture := false
	for _, n := range nalus {
		if len(n) < 2 {
			continue
		}
		typ := h264.TypeOf(n)
		firstSlice := (typ == h264.NALUTypeIDR || typ == h264.NALUTypeNonIDR) && n[1]&0x80 != 0
		prefix := typ == h264.NALUTypeSPS || typ == h264.NALUTypePPS || typ == h264.NALUTypeSEI || typ == h264.NALUTypeAUD
		if havePicture && (firstSlice || prefix) {
			units, cur, havePicture = append(units, cur), nil, false
		}
		cur = append(cur, n)
		havePicture = havePicture || typ == h264.NALUTypeIDR || typ == h264.NALUTypeNonIDR
	}
	if len(cur) > 0 {
		units = append(units, cur)
	}
	return units
}

// ClipH265 makes n frames of H.265 (160x120, no B-frames, an IRAP with its
// VPS, SPS and PPS every second) at rate frames/s with the ffmpeg command
// and returns its access units, for StartH265.
func ClipH265(t testing.TB, n, rate int) [][][]byte {
	t.Helper()
	path := testclip.Make(t, "camera.h265", n, rate, "-c:v", "libx265", "-pix_fmt", "yuv420p",
		"-x265-params", "log-level=error:bframes=0:repeat-headers=1:keyint="+strconv.Itoa(rate)+":min-keyint="+strconv.Itoa(rate))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nalus, err := h264.SplitAnnexB(data) // the same start codes
	if err != nil {
		t.Fatal(err)
	}
	var units [][][]byte
	var cur [][]byte
	havePicture := false
	for _, n := range nalus {
		if len(n) < 3 {
			continue
		}
		typ := h265Type(n)
		vcl := typ < 32
		firstSlice := vcl && n[2]&0x80 != 0           // first_slice_segment_in_pic_flag
		prefix := typ >= 32 && typ <= 35 || typ == 39 // VPS, SPS, PPS, AUD, prefix SEI
		if havePicture && (firstSlice || prefix) {
			units, cur, havePicture = append(units, cur), nil, false
		}
		cur = append(cur, n)
		havePicture = havePicture || vcl
	}
	if len(cur) > 0 {
		units = append(units, cur)
	}
	if len(units) != n {
		t.Fatalf("testrtsp: %d access units in an H.265 clip of %d frames", len(units), n)
	}
	return units
}

// h265Type is an H.265 NAL unit's type (ITU-T H.265 7.3.1.2).
func h265Type(nalu []byte) int { return int(nalu[0]>>1) & 0x3f }
