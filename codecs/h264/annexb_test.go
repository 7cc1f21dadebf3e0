package h264

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"testing"
)

// annexBCase is one byte stream and what SplitAnnexB makes of it. The same
// table checks splitting, joining and seeds FuzzSplitAnnexB.
type annexBCase struct {
	name   string
	stream []byte
	nalus  [][]byte // nil when err is set
	err    error
}

var annexBCases = []annexBCase{
	{
		name:   "four-byte start codes",
		stream: []byte{0, 0, 0, 1, 0x67, 0x64, 0, 0, 0, 1, 0x68, 0xee, 0, 0, 0, 1, 0x65, 0x88, 0x84},
		nalus:  [][]byte{{0x67, 0x64}, {0x68, 0xee}, {0x65, 0x88, 0x84}},
	},
	{
		name:   "three-byte start codes",
		stream: []byte{0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x41, 0x9a},
		nalus:  [][]byte{{0x09, 0xf0}, {0x41, 0x9a}},
	},
	{
		name:   "mixed start codes",
		stream: []byte{0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0xce, 0, 0, 0, 1, 0x65, 0xb8},
		nalus:  [][]byte{{0x67, 0x42}, {0x68, 0xce}, {0x65, 0xb8}},
	},
	{
		name:   "leading zero bytes before the first start code",
		stream: []byte{0, 0, 0, 0, 0, 0, 1, 0x09, 0x10},
		nalus:  [][]byte{{0x09, 0x10}},
	},
	{
		name:   "trailing zero bytes are not part of the last NAL unit",
		stream: []byte{0, 0, 1, 0x65, 0x88, 0, 0, 0, 0},
		nalus:  [][]byte{{0x65, 0x88}},
	},
	{
		name:   "trailing zero bytes between NAL units",
		stream: []byte{0, 0, 1, 0x06, 0x05, 0x80, 0, 0, 0, 0, 0, 1, 0x65, 0x88},
		nalus:  [][]byte{{0x06, 0x05, 0x80}, {0x65, 0x88}},
	},
	{
		name:   "empty NAL units between start codes are skipped",
		stream: []byte{0, 0, 1, 0, 0, 1, 0x65, 0x88, 0, 0, 0, 1, 0, 0, 0, 1, 0x41, 0x9a},
		nalus:  [][]byte{{0x65, 0x88}, {0x41, 0x9a}},
	},
	{
		name:   "emulation prevention bytes stay in the NAL unit",
		stream: []byte{0, 0, 0, 1, 0x67, 0x64, 0, 0, 3, 1, 0, 0, 3, 0, 0x10},
		nalus:  [][]byte{{0x67, 0x64, 0, 0, 3, 1, 0, 0, 3, 0, 0x10}},
	},
	{
		name:   "a single byte NAL unit",
		stream: []byte{0, 0, 1, 0x0b},
		nalus:  [][]byte{{0x0b}},
	},
	{
		name:   "empty input",
		stream: []byte{},
		err:    ErrEmpty,
	},
	{
		name:   "start codes and zero bytes only",
		stream: []byte{0, 0, 1, 0, 0, 0, 1, 0, 0},
		err:    ErrEmpty,
	},
	{
		name:   "a start code alone",
		stream: []byte{0, 0, 0, 1},
		err:    ErrEmpty,
	},
	{
		name:   "no start code",
		stream: []byte{0x67, 0x64, 0x00, 0x1f},
		err:    ErrNoStartCode,
	},
	{
		name:   "one zero byte is not a start code",
		stream: []byte{0, 1, 0x67},
		err:    ErrNoStartCode,
	},
	{
		name:   "zero bytes only",
		stream: []byte{0, 0, 0, 0},
		err:    ErrNoStartCode,
	},
	{
		name:   "zeros followed by another byte",
		stream: []byte{0, 0, 2, 0x67},
		err:    ErrNoStartCode,
	},
	{
		name:   "more NAL units than an access unit may have",
		stream: repeatedNALUs(MaxNALUsPerAccessUnit + 1),
		err:    ErrTooManyNALUs,
	},
	{
		name:   "as many NAL units as an access unit may have",
		stream: repeatedNALUs(MaxNALUsPerAccessUnit),
		nalus:  slices.Repeat([][]byte{{0x41, 0x9a}}, MaxNALUsPerAccessUnit),
	},
}

// repeatedNALUs returns a stream of n two-byte NAL units.
func repeatedNALUs(n int) []byte {
	return bytes.Repeat([]byte{0, 0, 1, 0x41, 0x9a}, n)
}

func TestSplitAnnexBFindsEachNALUnit(t *testing.T) {
	for _, tc := range annexBCases {
		t.Run(tc.name, func(t *testing.T) {
			input := bytes.Clone(tc.stream)
			nalus, err := SplitAnnexB(input)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error = %v, want %v", err, tc.err)
			}
			if !equalNALUs(nalus, tc.nalus) {
				t.Errorf("NAL units = % x, want % x", nalus, tc.nalus)
			}
			if !bytes.Equal(input, tc.stream) {
				t.Errorf("input modified: % x, was % x", input, tc.stream)
			}
		})
	}
}

func TestAppendSplitAnnexBKeepsWhatDstHolds(t *testing.T) {
	held := []byte{0x09, 0xf0}
	for _, tc := range annexBCases {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([][]byte, 1, 8)
			dst[0] = held
			got, err := AppendSplitAnnexB(dst, tc.stream)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error = %v, want %v", err, tc.err)
			}
			want := append([][]byte{held}, tc.nalus...)
			if !equalNALUs(got, want) {
				t.Errorf("NAL units = % x, want % x", got, want)
			}
		})
	}
}

func TestJoinAnnexBRoundTripsThroughSplit(t *testing.T) {
	for _, tc := range annexBCases {
		if tc.err != nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			joined := JoinAnnexB(tc.nalus)
			nalus, err := SplitAnnexB(joined)
			if err != nil {
				t.Fatalf("SplitAnnexB(JoinAnnexB(...)): %v", err)
			}
			if !equalNALUs(nalus, tc.nalus) {
				t.Errorf("round trip = % x, want % x", nalus, tc.nalus)
			}
		})
	}
}

func TestJoinAnnexBWritesFourByteStartCodesAndSkipsEmptyNALUs(t *testing.T) {
	got := JoinAnnexB([][]byte{{0x67, 0x42}, {}, {0x68}})
	want := []byte{0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68}
	if !bytes.Equal(got, want) {
		t.Errorf("JoinAnnexB = % x, want % x", got, want)
	}
	if got := JoinAnnexB(nil); len(got) != 0 {
		t.Errorf("JoinAnnexB(nil) = % x, want nothing", got)
	}
}

func TestAppendAnnexBKeepsWhatDstHolds(t *testing.T) {
	dst := []byte{0xaa}
	got := AppendAnnexB(dst, [][]byte{{0x09, 0xf0}})
	want := []byte{0xaa, 0, 0, 0, 1, 0x09, 0xf0}
	if !bytes.Equal(got, want) {
		t.Errorf("AppendAnnexB = % x, want % x", got, want)
	}
}

func TestSplitAnnexBAliasesItsInput(t *testing.T) {
	stream := []byte{0, 0, 1, 0x65, 0x88, 0, 0, 1, 0x41, 0x9a}
	nalus, err := SplitAnnexB(stream)
	if err != nil {
		t.Fatal(err)
	}
	if &nalus[0][0] != &stream[3] || &nalus[1][0] != &stream[8] {
		t.Error("NAL units do not point into the input")
	}
	// Appending to a NAL unit must not overwrite the start code after it.
	_ = append(nalus[0], 0xff)
	if stream[5] != 0 {
		t.Errorf("append to a NAL unit overwrote the input: % x", stream)
	}
}

func TestSplitAnnexBReadsAnX264AccessUnit(t *testing.T) {
	stream, err := os.ReadFile("testdata/x264_320x240_idr.h264")
	if err != nil {
		t.Fatal(err)
	}
	nalus, err := SplitAnnexB(stream)
	if err != nil {
		t.Fatal(err)
	}
	var types []NALUType
	for _, nalu := range nalus {
		types = append(types, TypeOf(nalu))
	}
	want := []NALUType{NALUTypeSPS, NALUTypePPS, NALUTypeSEI, NALUTypeIDR}
	if !slices.Equal(types, want) {
		t.Errorf("types = %v, want %v", types, want)
	}
	if sizes := []int{len(nalus[0]), len(nalus[1]), len(nalus[3])}; !slices.Equal(sizes, []int{25, 6, 2189}) {
		t.Errorf("SPS, PPS and IDR sizes = %v, want [25 6 2189]", sizes)
	}
}

func FuzzSplitAnnexB(f *testing.F) {
	for _, tc := range annexBCases {
		f.Add(tc.stream)
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		input := bytes.Clone(stream)
		nalus, err := SplitAnnexB(stream)
		if !bytes.Equal(input, stream) {
			t.Fatal("SplitAnnexB modified its input")
		}
		if err != nil {
			if nalus != nil {
				t.Fatal("NAL units returned with an error")
			}
			return
		}
		if len(nalus) == 0 || len(nalus) > MaxNALUsPerAccessUnit {
			t.Fatalf("%d NAL units", len(nalus))
		}
		for _, nalu := range nalus {
			if len(nalu) == 0 || nalu[len(nalu)-1] == 0 || bytes.Contains(nalu, startCode3) {
				t.Fatalf("malformed NAL unit % x", nalu)
			}
		}
		again, err := SplitAnnexB(JoinAnnexB(nalus))
		if err != nil {
			t.Fatalf("splitting the joined NAL units: %v", err)
		}
		if !equalNALUs(again, nalus) {
			t.Fatalf("split, join, split = % x, want % x", again, nalus)
		}
	})
}

func BenchmarkSplitAnnexB(b *testing.B) {
	stream, err := os.ReadFile("testdata/x264_320x240_idr.h264")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		if _, err := SplitAnnexB(stream); err != nil {
			b.Fatal(err)
		}
	}
}

// equalNALUs reports whether two lists hold the same NAL units; nil and
// empty lists are equal.
func equalNALUs(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, bytes.Equal)
}
