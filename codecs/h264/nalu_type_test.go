package h264

import (
	"bytes"
	"testing"
)

// typeOfCases are NAL units and their types. The same table checks TypeOf
// and seeds its fuzz test.
var typeOfCases = []struct {
	name string
	nalu []byte
	want NALUType
}{
	{"empty is unspecified", nil, NALUTypeUnspecified},
	{"SPS with nal_ref_idc 3", []byte{0x67, 0x64}, NALUTypeSPS},
	{"PPS with nal_ref_idc 3", []byte{0x68}, NALUTypePPS},
	{"IDR with nal_ref_idc 3", []byte{0x65, 0x88}, NALUTypeIDR},
	{"non-IDR with nal_ref_idc 2", []byte{0x41}, NALUTypeNonIDR},
	{"SEI with nal_ref_idc 0", []byte{0x06}, NALUTypeSEI},
	{"AUD", []byte{0x09, 0xf0}, NALUTypeAUD},
	{"forbidden bit set is ignored", []byte{0x85}, NALUTypeIDR},
	{"unspecified 28", []byte{0x1c}, NALUType(28)},
}

func TestTypeOfReadsTheLowFiveBits(t *testing.T) {
	for _, tt := range typeOfCases {
		t.Run(tt.name, func(t *testing.T) {
			if got := TypeOf(tt.nalu); got != tt.want {
				t.Errorf("TypeOf(% x) = %v, want %v", tt.nalu, got, tt.want)
			}
		})
	}
}

func TestNALUTypeStringNamesEveryValue(t *testing.T) {
	tests := []struct {
		typ  NALUType
		want string
	}{
		{NALUTypeUnspecified, "Unspecified"},
		{NALUTypeNonIDR, "NonIDR"},
		{NALUTypeIDR, "IDR"},
		{NALUTypeSPS, "SPS"},
		{NALUTypePPS, "PPS"},
		{NALUTypeAUD, "AUD"},
		{NALUTypeSliceLayerWithoutPartitioning, "SliceLayerWithoutPartitioning"},
		{NALUTypeSliceExtension, "SliceExtension"},
		{NALUType(24), "Unspecified(24)"},
		{NALUType(255), "Unspecified(255)"},
	}
	for _, tt := range tests {
		if got := tt.typ.String(); got != tt.want {
			t.Errorf("NALUType(%d).String() = %q, want %q", uint8(tt.typ), got, tt.want)
		}
	}
	for typ := NALUType(0); typ < 24; typ++ {
		if typ.String() == "" {
			t.Errorf("NALUType(%d) has no name", uint8(typ))
		}
	}
}

func FuzzTypeOf(f *testing.F) {
	for _, tc := range typeOfCases {
		f.Add(tc.nalu)
	}
	f.Fuzz(func(t *testing.T, nalu []byte) {
		input := bytes.Clone(nalu)
		typ := TypeOf(nalu)
		if !bytes.Equal(nalu, input) {
			t.Fatal("TypeOf modified its input")
		}
		if typ > naluTypeMask || typ.String() == "" {
			t.Fatalf("TypeOf(% x) = %d (%q)", nalu, uint8(typ), typ)
		}
		// Only the header byte counts, and not its three high bits.
		if len(nalu) > 0 && (typ != TypeOf(nalu[:1]) || typ != TypeOf([]byte{nalu[0] | 0xe0})) {
			t.Fatalf("TypeOf(% x) = %v depends on more than nal_unit_type", nalu, typ)
		}
	})
}
