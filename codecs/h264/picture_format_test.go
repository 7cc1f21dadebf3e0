package h264

import (
	"bytes"
	"errors"
	"testing"
)

// pictureFormatCases names the format of each SPS of spsCases, by name, and
// says whether browsers decode it.
var pictureFormatCases = map[string]struct {
	format     string
	decodable  bool
	profileIDC uint8
}{
	"x264 320x240 High":                                 {"High, 4:2:0, 8 bit", true, 100},
	"x264 640x480 High":                                 {"High, 4:2:0, 8 bit", true, 100},
	"x264 1280x720 High":                                {"High, 4:2:0, 8 bit", true, 100},
	"x264 1920x1080 High cropped from 1088":             {"High, 4:2:0, 8 bit", true, 100},
	"x264 640x480 Constrained Baseline with POC type 2": {"Constrained Baseline, 4:2:0, 8 bit", true, 66},
	"x264 720x576 interlaced":                           {"High, 4:2:0, 8 bit", true, 100},
	"x264 318x178 4:2:0 cropped by two-sample units":    {"High, 4:2:0, 8 bit", true, 100},
	"x264 318x178 4:2:2 cropped by rows":                {"High 4:2:2, 4:2:2, 8 bit", false, 122},
	"x264 318x178 4:4:4 cropped by samples":             {"High 4:4:4 Predictive, 4:4:4, 8 bit", false, 244},
	"x264 320x240 High 10":                              {"High 10, 4:2:0, 10 bit", false, 110},
	"x264 320x240 monochrome":                           {"High, monochrome, 8 bit", false, 100},
	"hand-made 1280x720 High with scaling lists":        {"High, 4:2:0, 8 bit", true, 100},
	"hand-made 318x178 4:4:4 with twelve scaling lists": {"High 4:4:4 Predictive, 4:4:4, 8 bit", false, 244},
	"hand-made 640x480 Baseline with POC type 1":        {"Constrained Baseline, 4:2:0, 8 bit", true, 66},
}

func TestPictureFormatOfRealSPS(t *testing.T) {
	for _, tc := range spsCases {
		t.Run(tc.name, func(t *testing.T) {
			want, ok := pictureFormatCases[tc.name]
			if !ok {
				t.Fatalf("no format given for %q", tc.name)
			}
			nalu := mustDecodeHex(t, tc.hex)
			input := bytes.Clone(nalu)
			format, err := ParsePictureFormat(nalu)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(nalu, input) {
				t.Fatal("ParsePictureFormat modified its input")
			}
			if format.String() != want.format || format.ProfileIDC != want.profileIDC {
				t.Errorf("format = %q (profile_idc %d), want %q (%d)", format, format.ProfileIDC, want.format, want.profileIDC)
			}
			if format.BrowserDecodable() != want.decodable {
				t.Errorf("BrowserDecodable = %v, want %v", format.BrowserDecodable(), want.decodable)
			}
			sps, err := ParseSPS(nalu)
			if err != nil {
				t.Fatal(err)
			}
			if sps.PictureFormat() != format {
				t.Errorf("SPS.PictureFormat = %+v, ParsePictureFormat = %+v", sps.PictureFormat(), format)
			}
		})
	}
}

func TestPictureFormatNamesProfilesAndDepths(t *testing.T) {
	tests := []struct {
		spec      spsSpec
		format    string
		decodable bool
	}{
		{spsSpec{profile: 66}, "Baseline, 4:2:0, 8 bit", true},
		{spsSpec{profile: 77, constraints: 0x40}, "Main, 4:2:0, 8 bit", true},
		{spsSpec{profile: 88}, "Extended, 4:2:0, 8 bit", false},
		{spsSpec{profile: 100, chromaFormatIDC: 1, bitDepthLumaMinus8: 2}, "High, 4:2:0, 10/8 bit", false},
		{spsSpec{profile: 110, constraints: 0x10, chromaFormatIDC: 1, bitDepthLumaMinus8: 2, bitDepthChromaMin8: 2}, "High 10 Intra, 4:2:0, 10 bit", false},
		{spsSpec{profile: 110, chromaFormatIDC: 1}, "High 10, 4:2:0, 8 bit", false},
		{spsSpec{profile: 122, constraints: 0x10, chromaFormatIDC: 2}, "High 4:2:2 Intra, 4:2:2, 8 bit", false},
		{spsSpec{profile: 244, constraints: 0x10, chromaFormatIDC: 3, separateColourPlane: true}, "High 4:4:4 Intra, 4:4:4, 8 bit", false},
		{spsSpec{profile: 44, chromaFormatIDC: 3}, "CAVLC 4:4:4 Intra, 4:4:4, 8 bit", false},
		{spsSpec{profile: 118, chromaFormatIDC: 1}, "Multiview High, 4:2:0, 8 bit", false},
		{spsSpec{profile: 7}, "profile_idc 7, 4:2:0, 8 bit", false},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			tt.spec.widthMBsMinus1, tt.spec.heightMapUnitsMinus1 = 19, 14
			nalu := buildSPS(tt.spec)
			format, err := ParsePictureFormat(nalu)
			if err != nil {
				t.Fatal(err)
			}
			if format.String() != tt.format || format.BrowserDecodable() != tt.decodable {
				t.Errorf("format = %q decodable %v, want %q %v", format, format.BrowserDecodable(), tt.format, tt.decodable)
			}
		})
	}
}

func TestParsePictureFormatNamesWhatParseSPSRejectsLater(t *testing.T) {
	// A 4:4:4 SPS whose picture is too large for ParseSPS still has a format.
	nalu := buildSPS(spsSpec{profile: 244, chromaFormatIDC: 3, widthMBsMinus1: MaxDimensionInMBs, heightMapUnitsMinus1: 14})
	if _, err := ParseSPS(nalu); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("ParseSPS error = %v, want ErrUnsupported", err)
	}
	format, err := ParsePictureFormat(nalu)
	if err != nil {
		t.Fatal(err)
	}
	if format.String() != "High 4:4:4 Predictive, 4:4:4, 8 bit" {
		t.Errorf("format = %q", format)
	}
}

func TestParsePictureFormatRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		nalu []byte
		want error
	}{
		{"empty", nil, ErrEmpty},
		{"a PPS", []byte{0x68, 0xce, 0x38, 0x80}, ErrNotSPS},
		{"header only", []byte{0x67, 0x64}, ErrTruncated},
		{"High without chroma_format_idc", []byte{0x67, 0x64, 0x00, 0x0d}, ErrTruncated},
		{"reserved chroma_format_idc 9", []byte{0x67, 0x64, 0x00, 0x0d, 0x8a, 0x80}, ErrUnsupported},
		{"bit depth 15", buildSPS(spsSpec{profile: 100, chromaFormatIDC: 1, bitDepthLumaMinus8: 7}), ErrInvalidSPS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParsePictureFormat(tt.nalu); !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzParsePictureFormat(f *testing.F) {
	for _, tc := range spsCases {
		nalu := mustDecodeHex(f, tc.hex)
		f.Add(nalu)
		f.Add(nalu[:5])
	}
	f.Add([]byte{0x67, 0xf4, 0x00, 0x0d})
	f.Fuzz(func(t *testing.T, nalu []byte) {
		input := bytes.Clone(nalu)
		format, err := ParsePictureFormat(nalu)
		if !bytes.Equal(nalu, input) {
			t.Fatal("ParsePictureFormat modified its input")
		}
		if err != nil {
			return
		}
		if format.ChromaFormatIDC > maxChromaFormatIDC || format.BitDepthLuma < 8 || format.BitDepthLuma > 14 || format.String() == "" {
			t.Fatalf("out of range: %+v", format)
		}
		if sps, err := ParseSPS(nalu); err == nil && sps.PictureFormat() != format {
			t.Fatalf("SPS.PictureFormat = %+v, ParsePictureFormat = %+v", sps.PictureFormat(), format)
		}
	})
}

func TestFindPictureFormatTakesTheLastReadableSPS(t *testing.T) {
	high := mustDecodeHex(t, spsCases[0].hex)
	high444 := buildSPS(spsSpec{profile: 244, chromaFormatIDC: 3, widthMBsMinus1: 19, heightMapUnitsMinus1: 14})
	pps := []byte{0x68, 0xce, 0x38, 0x80}
	slice := []byte{0x65, 0x88, 0x84}
	if _, ok := FindPictureFormat([][]byte{slice}); ok {
		t.Error("a format found in a slice alone")
	}
	format, ok := FindPictureFormat([][]byte{high, high444, {0x67, 0xf4}, pps, slice})
	if !ok || format.ProfileIDC != 244 {
		t.Errorf("format = %+v, %v; want the High 4:4:4 SPS's, past the truncated one", format, ok)
	}
	format, ok = FindPictureFormat([][]byte{high444, high, pps, slice})
	if !ok || !format.BrowserDecodable() {
		t.Errorf("format = %+v, %v; want the High SPS's", format, ok)
	}
}
