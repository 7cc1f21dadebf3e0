package h264

import (
	"bytes"
	"slices"
	"testing"
)

// randomAccessCases are access units and whether decoding can start at them.
// The same table checks IsRandomAccess and seeds its fuzz test.
var randomAccessCases = []struct {
	name  string
	nalus [][]byte
	want  bool
}{
	{"nothing", nil, false},
	{"parameter sets and IDR", [][]byte{{0x67}, {0x68}, {0x65, 0x88}}, true},
	{"IDR after AUD and SEI", [][]byte{{0x09, 0xf0}, {0x06, 5}, {0x25, 0xb8}}, true},
	{"non-IDR slice", [][]byte{{0x41, 0x9a}}, false},
	{"parameter sets alone", [][]byte{{0x67}, {0x68}}, false},
	{"empty NAL units", [][]byte{{}, {}}, false},
	{"recovery point", [][]byte{testRefresh, testNonIDRP}, true},
	{"recovery point SEI alone", [][]byte{testRecovery}, false},
	{"intra picture without recovery point", [][]byte{testNonIDRI}, false},
}

func TestIsRandomAccessNeedsAnIDRSliceOrARecoveryPoint(t *testing.T) {
	for _, tt := range randomAccessCases {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsRandomAccess(tt.nalus); got != tt.want {
				t.Errorf("IsRandomAccess = %t, want %t", got, tt.want)
			}
		})
	}
}

// FuzzIsRandomAccess splits its input as an Annex B byte stream, the form
// access units arrive in, or takes it as one NAL unit when it is not one.
func FuzzIsRandomAccess(f *testing.F) {
	for _, tc := range randomAccessCases {
		f.Add(JoinAnnexB(tc.nalus))
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		nalus, err := SplitAnnexB(stream)
		if err != nil {
			nalus = [][]byte{stream}
		}
		input := bytes.Clone(stream)
		got := IsRandomAccess(nalus)
		if !bytes.Equal(stream, input) {
			t.Fatal("IsRandomAccess modified its input")
		}
		if IsIDR(nalus) != hasType(nalus, NALUTypeIDR) {
			t.Fatalf("IsIDR(% x) = %t", nalus, IsIDR(nalus))
		}
		_, recovery := FindRecoveryPoint(nalus)
		if want := IsIDR(nalus) || (recovery && hasSlice(nalus)); got != want {
			t.Fatalf("IsRandomAccess(% x) = %t", nalus, got)
		}
		reversed := slices.Clone(nalus)
		slices.Reverse(reversed)
		if IsRandomAccess(reversed) != got {
			t.Fatal("the order of the NAL units changed the answer")
		}
		if !IsRandomAccess(append(reversed, testIDR)) {
			t.Fatal("adding an IDR slice did not make the access unit random access")
		}
	})
}
